/**
 * Every generated dashboard panel's queries as Grafana sends them (template variables, then the
 * plugin's macros: tools/grafana-interpolate.ts), run against a test store: for tests that check a
 * figure in every panel that shows it.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Dashboard, Panel, RowPanel, VariableModel } from '@grafana/schema';
import { buildDashboards } from '../../grafana/dashboards.ts';
import { grafanaQuerySql, type VariableState } from '../../tools/grafana-interpolate.ts';

export interface PanelResult {
  /** `<dashboard file>: <panel title> <refId>` */
  readonly where: string;
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}

const leafPanels = (d: Dashboard): Panel[] =>
  (d.panels ?? []).filter((p): p is Panel => p.type !== 'row').concat((d.panels ?? []).flatMap((p) => (p.type === 'row' ? (p as RowPanel).panels : [])));

/** Each variable at the value picked for it, else "All" where it has one, else ''. */
const variableStates = (d: Dashboard, picks: Readonly<Record<string, string>>): Record<string, VariableState> =>
  Object.fromEntries(((d.templating?.list ?? []) as VariableModel[]).map((v) => [v.name, { value: picks[v.name] ?? (v.includeAll ? '$__all' : ''), allValue: v.allValue }]));

/** Runs every panel target (of the panels titled `only`, if given) over the time range, in dashboard order. */
export async function runDashboardPanels(http: ClickHouseClient, picks: Readonly<Record<string, string>>, range: { from: Date; to: Date }, only?: string): Promise<PanelResult[]> {
  const out: PanelResult[] = [];
  for (const [file, d] of buildDashboards()) {
    for (const p of leafPanels(d).filter((x) => only === undefined || x.title === only)) {
      for (const target of p.targets ?? []) {
        const sql = grafanaQuerySql((target as { rawSql: string }).rawSql, variableStates(d, picks), { ...range, intervalMs: 60_000 });
        const r = (await (await http.query({ query: sql, format: 'JSON' })).json()) as unknown as { meta: { name: string }[]; data: Record<string, unknown>[] };
        out.push({ where: `${file}: ${p.title} ${target.refId ?? ''}`, title: p.title ?? '', columns: r.meta.map((c) => c.name), rows: r.data });
      }
    }
  }
  return out;
}
