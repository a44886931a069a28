/**
 * Grafana unified-alerting rules, provisioned from a file, for the detections that must page
 * someone. Each rule counts the findings of a saved detection query over a recent window.
 *
 * Alert rules run without a browser: the ClickHouse plugin applies only its backend macros
 * (`$__fromTime_ms` / `$__toTime_ms` from the rule's relative time range), never template
 * variables, so every other parameter is a constant here (translate-query.ts `alertSql`).
 * A table result with one row and one numeric column is a number to Grafana's server-side
 * expressions, so a threshold expression reads it directly.
 */
import type { SavedQuery } from '../catalogue/saved-queries.ts';
import { DATASOURCE_TYPE, DATASOURCE_UID, PLUGIN_VERSION } from './datasource.ts';
import { DashboardUids } from './dashboards.ts';
import { Format } from './dashboard-builder.ts';
import { alertSql } from './translate-query.ts';

export interface AlertSpec {
  readonly uid: string;
  readonly title: string;
  /** The saved detection query counted. */
  readonly query: string;
  /** Parameter values other than the time range. */
  readonly constants?: Readonly<Record<string, string>>;
  /** How far back each evaluation looks, in seconds. */
  readonly windowSeconds: number;
  readonly severity: 'critical' | 'warning';
  readonly summary: string;
}

export const ALERTS: readonly AlertSpec[] = [
  {
    uid: 'flightrec-toxic-flow',
    title: 'Toxic flow: untrusted content, sensitive data, then an external send or write',
    query: 'detect_toxic_flow',
    windowSeconds: 900,
    severity: 'critical',
    summary: '{{ $values.A }} session(s) in the last 15 minutes took in untrusted content and sensitive data, then sent or wrote outside (or tried to).',
  },
  {
    uid: 'flightrec-unapproved-critical-action',
    title: 'Critical-risk action ran without an approval',
    query: 'detect_unapproved_risky_action',
    constants: { min_risk: 'critical' },
    windowSeconds: 900,
    severity: 'critical',
    summary: '{{ $values.A }} critical-risk action(s) in the last 15 minutes ran with no approval before them.',
  },
  {
    uid: 'flightrec-runaway-loop',
    title: 'Runaway loop or token burn',
    query: 'detect_runaway',
    windowSeconds: 900,
    severity: 'warning',
    summary: '{{ $values.A }} session(s) in the last 15 minutes repeated a tool or model call beyond the threshold, or burnt more tokens than the budget.',
  },
];

export const ALERT_FOLDER = 'flightrec';
export const ALERT_GROUP = 'flightrec-detections';

/** The SQL a rule sends: the number of findings of one detection in the window. */
export function alertRuleSql(q: SavedQuery, spec: AlertSpec): string {
  return `SELECT count() AS Findings\nFROM (\n${alertSql(q, spec.constants)}\n)`;
}

export interface AlertRulesResult {
  /** The provisioning document (apiVersion 1, groups), ready for YAML. */
  readonly document: Record<string, unknown>;
  /** Specs whose detection query is not (yet) in queries/, so no rule was written. */
  readonly missing: readonly AlertSpec[];
}

export function buildAlertRules(queries: readonly SavedQuery[]): AlertRulesResult {
  const rules: Record<string, unknown>[] = [];
  const missing: AlertSpec[] = [];
  for (const spec of ALERTS) {
    const q = queries.find((x) => x.name === spec.query);
    if (!q) {
      missing.push(spec);
      continue;
    }
    rules.push({
      uid: spec.uid,
      title: spec.title,
      condition: 'C',
      data: [
        {
          refId: 'A',
          relativeTimeRange: { from: spec.windowSeconds, to: 0 },
          datasourceUid: DATASOURCE_UID,
          model: {
            refId: 'A',
            datasource: { type: DATASOURCE_TYPE, uid: DATASOURCE_UID },
            editorType: 'sql',
            format: Format.table,
            queryType: 'table',
            pluginVersion: PLUGIN_VERSION,
            rawSql: alertRuleSql(q, spec),
            intervalMs: 60000,
            maxDataPoints: 43200,
          },
        },
        {
          refId: 'C',
          datasourceUid: '__expr__',
          model: {
            refId: 'C',
            type: 'threshold',
            expression: 'A',
            datasource: { type: '__expr__', uid: '__expr__' },
            conditions: [{ evaluator: { type: 'gt', params: [0] } }],
          },
        },
      ],
      dashboardUid: DashboardUids.detections,
      noDataState: 'OK',
      execErrState: 'Error',
      for: '0s',
      isPaused: false,
      annotations: {
        summary: spec.summary,
        description: `${q.description} (queries/${q.name}.sql)`,
      },
      labels: { severity: spec.severity, source: 'flightrec', detection: q.name },
    });
  }
  return {
    document: {
      apiVersion: 1,
      // A group without rules is not written: Grafana would provision an empty group.
      groups: rules.length > 0 ? [{ orgId: 1, name: ALERT_GROUP, folder: ALERT_FOLDER, interval: '1m', rules }] : [],
    },
    missing,
  };
}
