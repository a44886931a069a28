/**
 * The four flightrec dashboards, assembled from the saved-query catalogue. Panels come from
 * queries/ (see query-catalogue.ts for placement); this file only arranges them, adds variables
 * and the drill-down links from detections to Incident review.
 */
import type { Dashboard, VariableModel } from '@grafana/schema';
import type { SavedQuery } from '../catalogue/saved-queries.ts';
import {
  dashboard, queryPanel, queryVariable, target, titleOf,
  type FieldLink, type PanelInput, type RowInput, type VariableInput,
} from './dashboard-builder.ts';
import { INCIDENT_VARIABLES, OVERVIEW_VARIABLES, loadCatalogue, type DashboardId, type QueryCatalogue } from './query-catalogue.ts';
import { traceTarget } from './trace-panel.ts';
import { panelSql, variablesUsed } from './translate-query.ts';
import { quoteString } from '../storage/tables.ts';

export const DashboardUids: Record<DashboardId, string> = {
  'agent-overview': 'flightrec-agent-overview',
  'incident-review': 'flightrec-incident-review',
  detections: 'flightrec-detections',
  'pipeline-health': 'flightrec-pipeline-health',
};

const TAGS = ['flightrec'];

/** Where a panel's SessionId column leads: Incident review for that session (and trace, if known). */
function incidentLinks(q: SavedQuery): FieldLink[] {
  // The outermost SELECT list: saved queries write it from column 0 (CTE bodies are indented).
  // A column named wrongly here gives a link to nothing; the query test checks every link field exists.
  const select = /^SELECT\b[\s\S]*?^FROM\b/m.exec(q.sql)?.[0] ?? '';
  // A column is output when it stands alone in the list (`SessionId,`, `s.SessionId,`) or is an alias (`AS SessionId`).
  const outputs = (col: string): boolean => new RegExp(`(?:^|[,\\s])(?:\\w+\\.)?${col}\\s*(?:,|$)|\\bAS ${col}\\b`, 'm').test(select);
  if (q.panel !== 'table' || !outputs('SessionId')) return [];
  const trace = outputs('TraceId') ? '&var-trace=${__data.fields.TraceId}' : '';
  return [{
    field: 'SessionId',
    title: 'Review this session',
    url: `/d/${DashboardUids['incident-review']}/incident-review?var-session=\${__data.fields.SessionId}${trace}&\${__url_time_range}`,
  }];
}

const PANEL_ORDER = [
  'grafana_overview_totals', 'grafana_actions_over_time', 'grafana_activity_over_time', 'grafana_tokens_over_time',
  'tool_error_rates', 'grafana_denials_and_approvals',
  'grafana_session_summary', 'session_timeline', 'grafana_session_context', 'context_before_action', 'session_effects', 'grafana_session_decisions',
  'health_freshness', 'health_ingest_rate', 'health_rejected_requests', 'health_ingest_latency', 'health_storage_per_day',
];

function ordered(qs: readonly SavedQuery[]): SavedQuery[] {
  const rank = (q: SavedQuery): number => {
    const i = PANEL_ORDER.indexOf(q.name);
    return i === -1 ? PANEL_ORDER.length : i;
  };
  return [...qs].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

/** Presentation per query: units and draw styles. Keys not matching a query are ignored. */
const PRESENTATION: Readonly<Record<string, Partial<PanelInput>>> = {
  tool_error_rates: { fieldUnits: { ErrorRate: 'percentunit', RetryRate: 'percentunit' } },
  grafana_session_summary: { fieldUnits: { DurationSeconds: 's' } },
  grafana_session_context: { fieldUnits: { AgeSeconds: 's' } },
  health_ingest_rate: { unit: 'short' },
  health_ingest_latency: { unit: 'ms' },
  health_freshness: { fieldUnits: { SecondsSinceNewestSpan: 's', SecondsSinceLastCommit: 's' } },
  health_storage_per_day: { unit: 'bytes', custom: { drawStyle: 'bars', fillOpacity: 80, stacking: { mode: 'normal', group: 'A' } } },
  grafana_actions_over_time: { custom: { drawStyle: 'bars', fillOpacity: 80, stacking: { mode: 'normal', group: 'A' } } },
};

function panelFor(q: SavedQuery, variables: ReadonlySet<string>, links: boolean): PanelInput {
  return queryPanel(q, variables, { ...PRESENTATION[q.name], ...(links ? { links: incidentLinks(q) } : {}) });
}

/**
 * One table with a row per detection: how many findings and sessions it has in the time range.
 * Each target wraps the detection's own SQL, so the counts are exactly what its panel lists.
 */
function detectionSummary(detections: readonly SavedQuery[]): PanelInput | null {
  if (detections.length === 0) return null;
  const refIds = detections.map((_, i) => String.fromCharCode(65 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : ''));
  return {
    title: 'Detections in the time range',
    description: 'Findings and affected sessions per detection query (all agents); open Detections for the evidence.',
    kind: 'table',
    targets: detections.map((q, i) =>
      target(
        `SELECT ${quoteString(titleOf(q))} AS Detection, ${quoteString(q.meta.severity ?? '')} AS Severity, count() AS Findings, uniqExact(SessionId) AS Sessions\nFROM (\n${panelSql(q, new Set())}\n)`,
        'table',
        refIds[i],
      )),
    transformations: [
      { id: 'merge', options: {} },
      { id: 'sortBy', options: { sort: [{ field: 'Findings', desc: true }] } },
    ],
    links: [{ field: 'Detection', title: 'Open Detections', url: `/d/${DashboardUids.detections}/detections?\${__url_time_range}` }],
    height: Math.min(4 + detections.length, 12),
  };
}

function variable(cat: QueryCatalogue, input: Omit<VariableInput, 'query'>, offered: ReadonlySet<string>): VariableModel {
  const query = cat.variables.get(input.name);
  if (!query) throw new Error(`no saved query declares "-- variable: ${input.name}"`);
  return queryVariable({ ...input, query }, offered);
}

function byKind(qs: readonly SavedQuery[], kinds: readonly string[]): SavedQuery[] {
  return ordered(qs.filter((q) => kinds.includes(q.panel)));
}

export function agentOverview(cat: QueryCatalogue): Dashboard {
  const vars = new Set<string>(OVERVIEW_VARIABLES);
  const qs = cat.panels.get('agent-overview')!;
  const filtered = qs.filter((q) => variablesUsed(q, vars).length > 0);
  const unfiltered = qs.filter((q) => variablesUsed(q, vars).length === 0);
  const summary = detectionSummary(cat.detections);
  const rows: RowInput[] = [
    { title: 'At a glance', panels: byKind(filtered, ['stat']).map((q) => panelFor(q, vars, true)) },
    { title: 'Over time', panels: byKind(filtered, ['timeseries']).map((q) => panelFor(q, vars, true)) },
    { title: 'Tools, denials and approvals', panels: byKind(filtered, ['table', 'barchart', 'piechart', 'logs', 'traces']).map((q) => panelFor(q, vars, true)) },
    { title: 'Top detections (all agents)', panels: summary ? [summary] : [] },
    { title: 'All agents (the filters above do not apply)', panels: ordered(unfiltered).map((q) => panelFor(q, vars, true)) },
  ];
  return dashboard({
    uid: DashboardUids['agent-overview'],
    title: 'flightrec / Agent overview',
    description: 'What the agents did in the time range: sessions, actions by effect and risk, denials, approvals, errors and retries by tool, tokens, detections.',
    tags: TAGS,
    variables: [
      variable(cat, { name: 'service', label: 'Service', description: 'service.name of the agent process', includeAll: true }, vars),
      variable(cat, { name: 'agent', label: 'Agent', description: 'gen_ai.agent.name, else the service', includeAll: true }, vars),
      variable(cat, { name: 'channel', label: 'Channel', description: 'sessions that used this channel', includeAll: true }, vars),
      variable(cat, { name: 'conversation', label: 'Conversation', description: 'one session / conversation', includeAll: true, allowCustomValue: true }, vars),
    ],
    rows,
    refresh: '1m',
  });
}

/** The span tree of the chosen trace, through the plugin's OpenTelemetry trace mode. */
function spanTree(): PanelInput {
  return {
    title: 'Span tree',
    description: "The chosen trace's spans as a tree with timings, attributes and events, read from otel_traces by the ClickHouse plugin's OpenTelemetry trace-ID query (grafana/trace-panel.ts).",
    kind: 'traces',
    targets: [traceTarget('trace')],
  };
}

export function incidentReview(cat: QueryCatalogue): Dashboard {
  const vars = new Set<string>(INCIDENT_VARIABLES);
  const qs = cat.panels.get('incident-review')!;
  // The span tree always reads one trace of the session.
  const needed = new Set(['trace', ...qs.flatMap((q) => variablesUsed(q, vars))]);
  const variables: VariableModel[] = [
    variable(cat, { name: 'session', label: 'Session or trace', description: 'a session / conversation id, or a trace id (paste one that is not listed)', allowCustomValue: true }, vars),
  ];
  // No custom values for trace and action: when the session changes, Grafana then moves them to
  // the new session's first option instead of keeping one from the previous session.
  if (needed.has('trace')) variables.push(variable(cat, { name: 'trace', label: 'Trace', description: 'one trace of the session, for the span tree' }, vars));
  if (needed.has('action')) variables.push(variable(cat, { name: 'action', label: 'Action', description: 'a decided or touched span of the session, for what the agent saw before it' }, vars));
  return dashboard({
    uid: DashboardUids['incident-review'],
    title: 'flightrec / Incident review',
    description: 'One session or trace: what the agent saw, decided and touched, the context behind each decision, external effects, policy verdicts and approvals, and the span tree.',
    tags: TAGS,
    variables,
    rows: [
      { title: 'Session', panels: byKind(qs, ['stat']).map((q) => panelFor(q, vars, false)) },
      { title: 'Saw, decided, touched', panels: byKind(qs, ['table', 'timeseries', 'barchart', 'piechart', 'logs']).map((q) => panelFor(q, vars, false)) },
      { title: 'Trace view', panels: [spanTree(), ...byKind(qs, ['traces']).map((q) => panelFor(q, vars, false))] },
    ],
    time: { from: 'now-7d', to: 'now' },
  });
}

export function detectionsDashboard(cat: QueryCatalogue): Dashboard {
  const vars = new Set<string>();
  const summary = detectionSummary(cat.detections);
  const others = ordered(cat.panels.get('detections')!.filter((q) => !cat.detections.includes(q)));
  return dashboard({
    uid: DashboardUids.detections,
    title: 'flightrec / Detections',
    description: 'Every detection query in queries/, most severe first; click a SessionId to review that session.',
    tags: TAGS,
    variables: [],
    rows: [
      { title: 'Summary', panels: summary ? [summary] : [] },
      {
        title: 'Findings',
        panels: [...cat.detections, ...others].map((q) => ({
          ...panelFor(q, vars, true),
          title: `${titleOf(q)}${q.meta.severity ? ` (${q.meta.severity})` : ''}`,
        })),
      },
    ],
    refresh: '1m',
  });
}

export function pipelineHealth(cat: QueryCatalogue): Dashboard {
  const vars = new Set<string>();
  const qs = cat.panels.get('pipeline-health')!;
  return dashboard({
    uid: DashboardUids['pipeline-health'],
    title: 'flightrec / Pipeline health',
    description: 'Is the recorder recording? Ingest rate, rejected requests, commit latency, lag since the newest span, storage per day.',
    tags: TAGS,
    variables: [],
    rows: [
      { title: 'Now', panels: byKind(qs, ['stat']).map((q) => panelFor(q, vars, false)) },
      { title: 'Over time', panels: byKind(qs, ['timeseries', 'table', 'barchart', 'piechart', 'logs', 'traces']).map((q) => panelFor(q, vars, false)) },
    ],
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
  });
}

/** Every dashboard, by file name under grafana/dashboards/. */
export function buildDashboards(cat: QueryCatalogue = loadCatalogue()): Map<string, Dashboard> {
  return new Map([
    ['agent-overview.json', agentOverview(cat)],
    ['incident-review.json', incidentReview(cat)],
    ['detections.json', detectionsDashboard(cat)],
    ['pipeline-health.json', pipelineHealth(cat)],
  ]);
}
