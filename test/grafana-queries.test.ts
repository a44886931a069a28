/**
 * Every query the generated dashboards and alert rules send, run the way Grafana and the
 * ClickHouse plugin would send it (template variables, then the plugin's macros; alert rules get
 * only the macros), over the ClickHouse HTTP interface as a read-only reviewer, on realistic
 * seeded sessions. Each must return rows in the shape its panel needs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dashboard, Panel, RowPanel, VariableModel } from '@grafana/schema';
import { buildDashboards } from '../grafana/dashboards.ts';
import { ALERT_RULES_FILE } from '../grafana/generate.ts';
import { REPO_ROOT } from '../grafana/paths.ts';
import { loadCatalogue } from '../grafana/query-catalogue.ts';
import { panelSql } from '../grafana/translate-query.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { expandMacros, grafanaQuerySql, interpolateVariables, type MacroContext, type VariableState } from '../tools/grafana-interpolate.ts';
import { seedThroughReceiver, type Seed } from '../seed/grafana.ts';

interface Result {
  meta: { name: string; type: string }[];
  data: Record<string, unknown>[];
}

let t: TestServer;
let reviewer: ClickHouseClient;
let seed: Seed;
let ctx: MacroContext;
const dashboards = buildDashboards();

beforeAll(async () => {
  t = await startTestServer({ users: [{ name: 'reviewer', password: 'review-only', role: 'reader' }] });
  reviewer = createClient({ url: t.server.queryUrl, username: 'reviewer', password: 'review-only', database: 'otel', log: { level: ClickHouseLogLevel.OFF } });
  const now = Date.now();
  seed = await seedThroughReceiver(t.server.otlpUrl, t.server.client, () => t.server.ingestLog.flush(), now);
  ctx = { from: new Date(now - 2 * 3600_000), to: new Date(now + 5 * 60_000), intervalMs: 60_000 };
});

afterAll(async () => {
  await reviewer?.close();
  await t?.stop();
});

async function run(sql: string): Promise<Result> {
  const rs = await reviewer.query({ query: sql, format: 'JSON' });
  return (await rs.json()) as unknown as Result;
}

function leafPanels(d: Dashboard): Panel[] {
  return (d.panels ?? []).filter((p): p is Panel => p.type !== 'row').concat((d.panels ?? []).flatMap((p) => (p.type === 'row' ? (p as RowPanel).panels : [])));
}

/** The variable values a reviewer would have picked: All for filters, the toxic session to review. */
function variableStates(d: Dashboard, overrides: Record<string, string> = {}): Record<string, VariableState> {
  const toxic = seed.sessions['sess-toxic-1']!;
  const picks: Record<string, string> = { session: toxic.sessionId, trace: toxic.traceIds[0]!, action: toxic.spans.exfil!, ...overrides };
  const out: Record<string, VariableState> = {};
  for (const v of (d.templating?.list ?? []) as VariableModel[]) {
    out[v.name] = { value: picks[v.name] ?? (v.includeAll ? '$__all' : ''), allValue: v.allValue };
  }
  return out;
}

const isTime = (type: string): boolean => /^(Nullable\()?DateTime/.test(type);
const isNumber = (type: string): boolean => /^(Nullable\()?(U?Int\d+|Float\d+|Decimal)/.test(type);

/** What each panel type needs from its frame. */
function checkShape(kind: string, r: Result, where: string): void {
  const cols = r.meta;
  expect(r.data.length, `${where}: no rows`).toBeGreaterThan(0);
  switch (kind) {
    case 'timeseries':
      expect(isTime(cols[0]!.type), `${where}: first column ${cols[0]!.name} is ${cols[0]!.type}, not a time`).toBe(true);
      expect(cols.slice(1).some((c) => isNumber(c.type)), `${where}: no numeric column`).toBe(true);
      break;
    case 'stat':
      expect(r.data.length, `${where}: a stat panel reads one row`).toBe(1);
      expect(cols.every((c) => isNumber(c.type)), `${where}: stat columns must be numbers: ${JSON.stringify(cols)}`).toBe(true);
      break;
    case 'barchart':
    case 'piechart':
      expect(cols.some((c) => isNumber(c.type)), `${where}: no numeric column`).toBe(true);
      break;
    case 'traces': {
      const types = Object.fromEntries(cols.map((c) => [c.name, c.type]));
      for (const c of ['traceID', 'spanID', 'parentSpanID', 'serviceName', 'operationName']) expect(types[c], `${where}: ${c}`).toMatch(/String/);
      expect(types.startTime, `${where}: startTime (epoch ms)`).toBe('Float64');
      expect(types.duration, `${where}: duration (ms)`).toBe('Float64');
      expect(types.tags).toBe('Array(Map(String, String))');
      expect(types.serviceTags).toBe('Array(Map(String, String))');
      const first = r.data[0]!;
      expect(Math.abs(Number(first.startTime) - Date.now())).toBeLessThan(3 * 3600_000);
      expect(new Set(r.data.map((x) => x.traceID)).size).toBe(1);
      break;
    }
    default:
      expect(cols.length).toBeGreaterThan(0);
  }
}

const panelCases = [...dashboards.entries()].flatMap(([file, d]) => leafPanels(d).map((p) => ({ file, d, p })));

describe('every dashboard panel, as Grafana would send it', () => {
  it.each(panelCases.map((c) => [`${c.file}: ${c.p.title}`, c] as const))('%s', async (_name, { d, p }) => {
    const vars = variableStates(d);
    for (const target of p.targets ?? []) {
      const rawSql = (target as { rawSql: string }).rawSql;
      const sql = grafanaQuerySql(rawSql, vars, ctx);
      expect(sql).not.toMatch(/\$\{|\$__/);
      const r = await run(sql);
      checkShape(p.type, r, `${p.title} ${target.refId}`);
      // Data links and per-column overrides must name columns the query really returns.
      const names = new Set(r.meta.map((c) => c.name));
      for (const o of p.fieldConfig?.overrides ?? []) expect(names, `${p.title}: override for ${o.matcher.options}`).toContain(o.matcher.options);
      for (const o of p.fieldConfig?.overrides ?? []) {
        for (const prop of o.properties) {
          if (prop.id !== 'links') continue;
          for (const link of prop.value as { url: string }[]) {
            for (const m of link.url.matchAll(/\$\{__data\.fields\.(\w+)\}/g)) expect(names, `${p.title}: link field ${m[1]}`).toContain(m[1]);
          }
        }
      }
    }
  });
});

describe('filters on Agent overview', () => {
  it('narrow the figures to one service, agent, channel or conversation', async () => {
    const d = dashboards.get('agent-overview.json')!;
    const totals = leafPanels(d).find((p) => ((p.targets?.[0] as { rawSql?: string })?.rawSql ?? '').includes('AS HighRiskActions'))!;
    const rawSql = (totals.targets![0] as { rawSql: string }).rawSql;
    const sessions = async (o: Record<string, string>): Promise<number> => Number((await run(grafanaQuerySql(rawSql, variableStates(d, o), ctx))).data[0]!.Sessions);
    const all = await sessions({});
    expect(all).toBe(Object.keys(seed.sessions).length);
    expect(await sessions({ service: 'billing-agent' })).toBe(1);
    expect(await sessions({ agent: 'ops-agent' })).toBe(2);
    expect(await sessions({ channel: 'email' })).toBe(1);
    expect(await sessions({ conversation: 'sess-loop-1' })).toBe(1);
    expect(await sessions({ service: 'no-such-service' })).toBe(0);
  });

  it('narrow the per-tool rates (the CLI query tool_error_rates, whose filters default to every one)', async () => {
    const d = dashboards.get('agent-overview.json')!;
    const panel = leafPanels(d).find((p) => p.title === 'Error and retry rates by tool')!;
    const rawSql = (panel.targets![0] as { rawSql: string }).rawSql;
    const rows = async (o: Record<string, string>) => (await run(grafanaQuerySql(rawSql, variableStates(d, o), ctx))).data;
    const calls = (rs: Record<string, unknown>[]): number => rs.reduce((n, r) => n + Number(r.Calls), 0);
    const all = await rows({});
    const one = await rows({ conversation: 'sess-loop-1' });
    expect(one.length).toBeGreaterThan(0);
    expect(one.every((r) => Number(r.Sessions) === 1)).toBe(true);
    expect(calls(one)).toBeLessThan(calls(all));
    expect(await rows({ service: 'no-such-service' })).toEqual([]);
  });
});

describe('every variable query', () => {
  const varCases = [...dashboards.entries()].flatMap(([file, d]) => ((d.templating?.list ?? []) as VariableModel[]).map((v) => ({ file, d, v })));
  it.each(varCases.map((c) => [`${c.file}: $${c.v.name}`, c] as const))('%s returns options', async (_n, { d, v }) => {
    const rawSql = (v.query as { rawSql: string }).rawSql;
    const r = await run(grafanaQuerySql(rawSql, variableStates(d), ctx));
    expect(r.data.length).toBeGreaterThan(0);
    expect(r.meta.length === 1 || r.meta.length === 2, 'the plugin reads one column (value) or two (value, text)').toBe(true);
    const first = r.meta[0]!.name;
    expect(r.data.every((row) => String(row[first]) !== '')).toBe(true);
  });

  it('chain: the trace variable lists exactly the traces of the chosen session', async () => {
    const d = dashboards.get('incident-review.json')!;
    const v = ((d.templating?.list ?? []) as VariableModel[]).find((x) => x.name === 'trace')!;
    const good = seed.sessions['sess-good-1']!;
    const r = await run(grafanaQuerySql((v.query as { rawSql: string }).rawSql, variableStates(d, { session: good.sessionId }), ctx));
    expect(r.data.map((row) => row.TraceId).sort()).toEqual([...good.traceIds].sort());
  });
});

describe('variable values cannot change the SQL', () => {
  it("a value with quotes and backslashes is matched literally (singlequote would have been injectable)", async () => {
    const d = dashboards.get('incident-review.json')!;
    const timeline = leafPanels(d).find((p) => ((p.targets?.[0] as { rawSql?: string })?.rawSql ?? '').includes('DurationMs'))!;
    const rawSql = (timeline.targets![0] as { rawSql: string }).rawSql;
    const attack = "x\\' OR 1=1 --";
    const r = await run(grafanaQuerySql(rawSql, variableStates(d, { session: attack }), ctx));
    expect(r.data).toHaveLength(0);
    // The same value through Grafana's singlequote format escapes ' but not \, and escapes the string.
    const naive = interpolateVariables("SELECT count() AS n FROM flightrec_spans WHERE SessionId = ${session:singlequote}", { session: { value: attack } });
    expect(naive).toContain("OR 1=1");
    const leaked = await run(naive);
    expect(Number(leaked.data[0]!.n)).toBe(seed.spanCount);
  });
});

describe('alert rules', () => {
  const doc = parse(readFileSync(join(REPO_ROOT, ALERT_RULES_FILE), 'utf8')) as { groups: { rules: { uid: string; data: { refId: string; model: { rawSql?: string } }[]; labels: Record<string, string> }[] }[] };
  const rules = doc.groups.flatMap((g) => g.rules);
  const expectFiring: Record<string, boolean> = { 'flightrec-toxic-flow': true, 'flightrec-unapproved-critical-action': true, 'flightrec-runaway-loop': true };

  it.skipIf(rules.length === 0)('run as-is with only the backend macros, and fire on the seeded incidents', async () => {
    for (const rule of rules) {
      const rawSql = rule.data.find((x) => x.refId === 'A')!.model.rawSql!;
      expect(rawSql).not.toMatch(/\$\{|\$(?!__)\w|\[\[/);
      const sql = expandMacros(rawSql, { ...ctx, from: new Date(Date.now() - 3600_000), to: new Date(Date.now() + 60_000) });
      const r = await run(sql);
      expect(r.data).toHaveLength(1);
      expect(r.meta.filter((c) => isNumber(c.type)), 'one numeric column for the threshold').toHaveLength(1);
      if (expectFiring[rule.uid]) expect(Number(r.data[0]!.Findings), rule.uid).toBeGreaterThan(0);
    }
  });

  it('each rule counts what its detection panel lists', () => {
    const cat = loadCatalogue();
    for (const rule of rules) {
      const q = cat.all.find((x) => x.name === rule.labels.detection)!;
      expect(q, rule.uid).toBeDefined();
      const rawSql = rule.data.find((x) => x.refId === 'A')!.model.rawSql!;
      // Same SQL as the panel apart from constants that replace defaults.
      const body = panelSql(q, new Set()).split('\n').filter((l) => !/\{|CAST\(|'(low|medium|high|critical)'/.test(l));
      for (const line of body) expect(rawSql).toContain(line);
    }
  });
});

describe('reviewer user for a ClickHouse server', () => {
  it('grafana/clickhouse/reviewer-user.sql is statements ClickHouse parses (not run: chdb has no user management)', async () => {
    const text = readFileSync(join(REPO_ROOT, 'grafana/clickhouse/reviewer-user.sql'), 'utf8');
    const statements = text.split('\n').filter((l) => !l.startsWith('--')).join('\n').split(';').map((s) => s.trim()).filter(Boolean);
    expect(statements.map((s) => s.split(/\s+/).slice(0, 2).join(' '))).toEqual(['CREATE USER', 'GRANT SELECT', 'GRANT SELECT']);
    for (const s of statements) {
      const ast = await (await t.server.client.query({ query: `EXPLAIN AST ${s}`, format: 'TabSeparatedRaw' })).text();
      expect(ast).toMatch(/^(CreateUserQuery|GrantQuery)/);
    }
  });
});
