/**
 * Grafana's ClickHouse datasource query path against `flightrec up`, without Grafana: the Go harness
 * (test/interop/grafana-plugin/) builds the datasource from the provisioned file as Grafana passes
 * it, runs the health check, then sends every panel target, variable query, alert-rule query, the
 * schema browser's queries and the trace view's query through the plugin's driver (clickhouse-go at
 * the version plugin 4.20.0 pins, HTTP protocol, as the plugin configures it) and the plugin SDK's
 * frame conversion. Template variables and macros are applied first by the tested TypeScript
 * expander (tools/grafana-interpolate.ts), as Grafana's frontend and the plugin's backend do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import { Session } from 'chdb';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Dashboard, Panel, RowPanel, VariableModel } from '@grafana/schema';
import { buildDashboards, DashboardUids } from '../../grafana/dashboards.ts';
import { DATASOURCE_UID, PLUGIN_VERSION } from '../../grafana/datasource.ts';
import { traceIdSql } from '../../grafana/trace-panel.ts';
import { ALERT_RULES_FILE } from '../../grafana/generate.ts';
import { GrafanaPaths, REPO_ROOT } from '../../grafana/paths.ts';
import { grafanaQuerySql, expandMacros, type MacroContext, type VariableState } from '../../tools/grafana-interpolate.ts';
import { seedThroughReceiver, type Seed } from '../../seed/grafana.ts';
import { tempDir } from '../../tools/temp-dir.ts';
import { startFlightrecUp, type RunningUp } from '../../tools/flightrec-up.ts';
import { schemaBrowsingQueries } from './support/grafana-plugin-frontend-sql.ts';
import { buildHarness, goModRequires, readPins, runHarness, type FrameSummary, type HarnessQuery, type HarnessRequest, type HarnessResult, type WireRequest } from './support/grafana-plugin-harness.ts';

const DATASOURCE_FILE = join(REPO_ROOT, GrafanaPaths.datasources, 'flightrec-clickhouse.yaml');
const COMPOSE_FILE = join(REPO_ROOT, 'deploy/docker-compose.yaml');
const GRAFANA_VERSION = '12.2.0';
const READER_PASSWORD = 'grafana-review-only';

interface ProvisionedDatasource {
  uid: string;
  jsonData: Record<string, unknown> & { traces: Record<string, unknown> };
  secureJsonData: Record<string, string>;
}
const provisioned = (parse(readFileSync(DATASOURCE_FILE, 'utf8')) as { datasources: ProvisionedDatasource[] }).datasources.find((d) => d.uid === DATASOURCE_UID)!;

function leafPanels(d: Dashboard): Panel[] {
  return (d.panels ?? []).filter((p): p is Panel => p.type !== 'row').concat((d.panels ?? []).flatMap((p) => (p.type === 'row' ? (p as RowPanel).panels : [])));
}

// In a sub-query: the query gate lets a sub-query's SETTINGS lower limits and the block size only.
const NATIVE_TYPES_SQL = `SELECT * FROM (SELECT number AS n, toDecimal128(3.5, 4) AS d128, toDateTime64('2026-01-02 03:04:05.123456789', 9, 'UTC') AS dt64,
  toUUID('01234567-89ab-cdef-0123-456789abcdef') AS uuid, toIPv6('::1') AS ip6, CAST('b' AS Enum8('a' = 1, 'b' = 2)) AS e8, toFixedString('ab', 3) AS fs,
  if(number % 2 = 0, NULL, toString(number)) AS ns, toLowCardinality(toString(number % 2)) AS lc, CAST(if(number = 1, NULL, 'v'), 'LowCardinality(Nullable(String))') AS lcn,
  arrayMap(x -> toLowCardinality(toString(x)), range(number)) AS arr_lc, CAST(map('k', toString(number)), 'Map(LowCardinality(String), String)') AS m,
  CAST(tuple('n', 1), 'Tuple(name String, v UInt8)') AS named, [toNullable(1), NULL] AS arr_null
FROM numbers(3) SETTINGS max_block_size = 1)`;

interface Case {
  readonly query: HarnessQuery;
  readonly kind: 'panel' | 'variable' | 'alert' | 'schema';
  readonly panel?: Panel;
  readonly dashboard?: string;
}

let up: RunningUp;
let writer: ClickHouseClient;
let seed: Seed;
let result: HarnessResult;
let buildMs: number | null;
let binary: string;
let harnessMs: number;
const cases: Case[] = [];
const work = tempDir('flightrec-grafana-plugin-');
const dashboards = buildDashboards();

/** Values a reviewer picks: "All" for the filters, the toxic session, its first trace, its exfiltration. */
function variableStates(d: Dashboard, overrides: Record<string, string> = {}): Record<string, VariableState> {
  const toxic = seed.sessions['sess-toxic-1']!;
  const picks: Record<string, string> = { session: toxic.sessionId, trace: toxic.traceIds[0]!, action: toxic.spans.exfil!, ...overrides };
  const out: Record<string, VariableState> = {};
  for (const v of (d.templating?.list ?? []) as VariableModel[]) out[v.name] = { value: picks[v.name] ?? (v.includeAll ? '$__all' : ''), allValue: v.allValue };
  return out;
}

function buildCases(ctx: MacroContext): void {
  for (const [file, d] of dashboards) {
    const uid = DashboardUids[file.replace(/\.json$/, '') as keyof typeof DashboardUids];
    const vars = variableStates(d);
    for (const p of leafPanels(d)) {
      for (const t of (p.targets ?? []) as { refId: string; rawSql: string; format: number }[]) {
        cases.push({ kind: 'panel', panel: p, dashboard: file, query: { id: `${file}#${p.id}/${t.refId} ${p.title}`, refId: t.refId, format: t.format, sql: grafanaQuerySql(t.rawSql, vars, ctx), dashboardUid: uid, panelId: String(p.id) } });
      }
    }
    for (const v of (d.templating?.list ?? []) as VariableModel[]) {
      const q = v.query as { rawSql: string; format?: number };
      cases.push({ kind: 'variable', dashboard: file, query: { id: `${file}$${v.name}`, refId: 'metricFindQuery', format: q.format ?? 1, sql: grafanaQuerySql(q.rawSql, vars, ctx), dashboardUid: uid } });
    }
  }
  // Filters narrowed to one value: the percent-encoded single-value form, next to "All" above.
  const overview = dashboards.get('agent-overview.json')!;
  const totals = leafPanels(overview).find((p) => ((p.targets?.[0] as { rawSql?: string })?.rawSql ?? '').includes('AS HighRiskActions'))!;
  for (const [name, value] of [['service', 'billing-agent'], ['agent', 'ops-agent'], ['channel', 'email'], ['conversation', 'sess-loop-1'], ['service', "x\\' OR 1=1 --"]] as const) {
    const t = totals.targets![0] as { refId: string; rawSql: string; format: number };
    cases.push({ kind: 'panel', panel: totals, dashboard: 'agent-overview.json', query: { id: `filter ${name}=${value}`, refId: t.refId, format: t.format, sql: grafanaQuerySql(t.rawSql, variableStates(overview, { [name]: value }), ctx), dashboardUid: DashboardUids['agent-overview'], panelId: String(totals.id) } });
  }
  // Alert rules run in Grafana's backend: the plugin's macros only, over the rule's window.
  const doc = parse(readFileSync(join(REPO_ROOT, ALERT_RULES_FILE), 'utf8')) as { groups: { rules: { uid: string; data: { refId: string; model: { rawSql?: string; format?: number } }[] }[] }[] };
  const window: MacroContext = { ...ctx, from: new Date(Date.now() - 3600_000), to: new Date(Date.now() + 60_000) };
  for (const rule of doc.groups.flatMap((g) => g.rules)) {
    const a = rule.data.find((x) => x.refId === 'A')!;
    cases.push({ kind: 'alert', query: { id: `alert ${rule.uid}`, refId: 'A', format: a.model.format ?? 1, sql: expandMacros(a.model.rawSql!, window), ruleUid: rule.uid } });
  }
  // The trace view as Explore's "View trace" opens it at plugin 4.20.0: the generator's trace-ID query
  // with the id spliced in and the release's WITH aliases (trace_id, trace_start, trace_end).
  const traceId = seed.sessions['sess-toxic-1']!.traceIds[0]!;
  cases.push({ kind: 'schema', query: { id: 'trace view 4.20.0', refId: 'traces', format: 3, sql: traceIdSql(`'${traceId}'`).replaceAll('__gf_trace_', 'trace_') } });
  // Column types through the server's Native output at the driver's protocol revision, decoded by clickhouse-go.
  cases.push({ kind: 'schema', query: { id: 'native types', refId: 'types', format: 1, sql: NATIVE_TYPES_SQL } });
  const traces = provisioned.jsonData.traces;
  for (const s of schemaBrowsingQueries(String(traces.defaultDatabase === '${FLIGHTREC_CLICKHOUSE_DATABASE}' ? 'otel' : traces.defaultDatabase), String(traces.defaultTable), String(traces.tagsColumn))) {
    cases.push({ kind: 'schema', query: { id: `schema ${s.id}`, refId: s.id, format: 1, sql: s.sql } });
  }
}

/** What Grafana would be given: the provisioned file, its environment, the versions that go in the client info. */
function harnessRequest(password: string, queries: HarnessQuery[]): HarnessRequest {
  const url = new URL(up.queryUrl);
  return {
    provisioning: DATASOURCE_FILE,
    datasourceUid: DATASOURCE_UID,
    env: {
      FLIGHTREC_CLICKHOUSE_HOST: url.hostname,
      FLIGHTREC_CLICKHOUSE_PORT: url.port,
      FLIGHTREC_CLICKHOUSE_SECURE: 'false',
      FLIGHTREC_CLICKHOUSE_DATABASE: 'otel',
      FLIGHTREC_GRAFANA_USER: 'reader',
      FLIGHTREC_GRAFANA_PASSWORD: password,
    },
    hostVar: 'FLIGHTREC_CLICKHOUSE_HOST',
    portVar: 'FLIGHTREC_CLICKHOUSE_PORT',
    grafanaVersion: GRAFANA_VERSION,
    pluginVersion: readPins().plugin,
    grafanaUser: 'admin',
    queries,
  };
}

beforeAll(async () => {
  const built = buildHarness();
  binary = built.binary;
  buildMs = built.builtMs;
  up = await startFlightrecUp({ FLIGHTREC_READER_PASSWORD: READER_PASSWORD, FLIGHTREC_WRITER_PASSWORD: 'seed-writer' });
  writer = createClient({ url: up.queryUrl, username: 'writer', password: 'seed-writer', database: 'otel', log: { level: ClickHouseLogLevel.OFF } });
  const now = Date.now();
  // The receiver writes its ingest log about every second: wait until it holds the accepted
  // requests and the rejected one, which Pipeline health shows.
  const ingestLogged = async (): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      const [row] = await (await writer.query({ query: 'SELECT uniqExact(Outcome) AS outcomes FROM flightrec_ingest_log', format: 'JSONEachRow' })).json<{ outcomes: string }>();
      if (Number(row!.outcomes) >= 2) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the ingest log never showed accepted and rejected requests');
  };
  seed = await seedThroughReceiver(up.otlpUrl, writer, ingestLogged, now);
  buildCases({ from: new Date(now - 2 * 3600_000), to: new Date(now + 5 * 60_000), intervalMs: 60_000 });
  const started = Date.now();
  result = await runHarness(binary, harnessRequest(READER_PASSWORD, cases.map((c) => c.query)), work.path);
  harnessMs = Date.now() - started;
  if (process.env.FLIGHTREC_DUMP_WIRE) writeFileSync(process.env.FLIGHTREC_DUMP_WIRE, JSON.stringify(result, null, 1));
  console.log(`grafana plugin harness: build ${buildMs === null ? 'cached' : `${(buildMs / 1000).toFixed(1)} s`}; ${cases.length} queries in ${(harnessMs / 1000).toFixed(1)} s`);
}, 1_800_000);

afterAll(async () => {
  await writer?.close();
  await up?.stop();
  work.cleanup();
});

const resultOf = (id: string) => {
  const r = result.queries.find((q) => q.id === id);
  if (!r) throw new Error(`no harness result for ${id}`);
  return r;
};
const frameOf = (id: string): FrameSummary => {
  const r = resultOf(id);
  expect(r.error, `${id}: ${r.error}`).toBeUndefined();
  expect(r.frames, id).toHaveLength(1);
  return r.frames![0]!;
};
const column = (f: FrameSummary, name: string): unknown[] => f.values[f.fields.findIndex((x) => x.name === name)] ?? [];

describe('pinned plugin version', () => {
  const pins = readPins();
  it('the provisioning, the compose file, the dashboards and the harness name the same plugin release', () => {
    expect(provisioned.jsonData.version).toBe(pins.plugin);
    expect(PLUGIN_VERSION).toBe(pins.plugin);
    const compose = parse(readFileSync(COMPOSE_FILE, 'utf8')) as { services: { grafana: { environment: Record<string, string> } } };
    expect(compose.services.grafana.environment.GF_PLUGINS_PREINSTALL_SYNC).toBe(`grafana-clickhouse-datasource@${pins.plugin}`);
  });
  it("the harness's go.mod requires exactly the driver and SDK versions that release's go.mod requires", () => {
    const requires = goModRequires();
    for (const [mod, version] of Object.entries(pins.modules)) expect(requires[mod], mod).toBe(version);
  });
});

describe('the datasource from the provisioned file', () => {
  it('is the reader over HTTP, with the provisioned database, path and timeouts', () => {
    expect(result.settings).toMatchObject({ protocol: 'http', username: 'reader', defaultDatabase: 'otel', path: '/', queryTimeoutSeconds: 60, dialTimeoutSeconds: 10, version: readPins().plugin, secure: false });
    expect(result.settings).not.toHaveProperty('password');
  });
  it('passes the health check (connect and ping, as sqlds does)', () => {
    expect(result.health).toMatchObject({ status: 'OK', message: 'Data source is working' });
    expect(result.health.wire.map((w) => w.body)).toEqual(['SELECT displayName(), version(), revision(), timezone()', 'SELECT 1']);
    for (const w of result.health.wire) expect(w.status).toBe(200);
  });
  it('fails the health check with the server\'s message when the password is wrong', async () => {
    const bad = await runHarness(binary, harnessRequest('not-the-password', []), work.path);
    expect(bad.health.status).toBe('ERROR');
    expect(bad.health.message).toMatch(/AUTHENTICATION_FAILED|Authentication failed/);
    expect(bad.queries).toBeNull();
  });
});

/** What each panel type needs from its (SDK-converted) frame. */
function checkShape(kind: string, f: FrameSummary, where: string): void {
  expect(f.rows, `${where}: no rows`).toBeGreaterThan(0);
  switch (kind) {
    case 'timeseries':
      expect(f.fields.some((x) => x.time), `${where}: no time field in ${JSON.stringify(f.fields)}`).toBe(true);
      expect(f.fields.some((x) => x.numeric), `${where}: no numeric field`).toBe(true);
      // Grafana draws one series per numeric field of a wide frame; the SDK made it wide.
      expect(f.timeSeriesKind, where).toBe('wide');
      break;
    case 'stat':
      expect(f.rows, `${where}: a stat panel reads one row`).toBe(1);
      expect(f.fields.every((x) => x.numeric), `${where}: ${JSON.stringify(f.fields)}`).toBe(true);
      break;
    case 'barchart':
    case 'piechart':
      expect(f.fields.some((x) => x.numeric), `${where}: no numeric field`).toBe(true);
      break;
    case 'traces': {
      const types = Object.fromEntries(f.fields.map((x) => [x.name, x]));
      for (const c of ['traceID', 'spanID', 'parentSpanID', 'serviceName', 'operationName', 'kind', 'statusMessage', 'traceState']) expect(types[c]?.type, `${where}: ${c}`).toBe('string');
      for (const c of ['startTime', 'duration']) expect(types[c]?.type, `${where}: ${c} (ms)`).toBe('float64');
      // Arrays of maps and tuples become JSON fields (the plugin's converters do the same).
      for (const c of ['tags', 'serviceTags', 'logs', 'references']) expect(types[c]?.type, `${where}: ${c}`).toMatch(/^\*?json\.RawMessage$/);
      expect(f.preferredVisualization).toBe('trace');
      break;
    }
    default:
      expect(f.fields.length).toBeGreaterThan(0);
  }
}

describe('every dashboard panel, through the plugin query path', () => {
  it('runs every target without error, in the shape its panel needs, with data on the demo workload', () => {
    const panels = cases.filter((c) => c.kind === 'panel' && !c.query.id.startsWith('filter '));
    expect(panels.length).toBeGreaterThan(30);
    for (const c of panels) {
      const f = frameOf(c.query.id);
      checkShape(c.panel!.type, f, c.query.id);
      const names = new Set(f.fields.map((x) => x.name));
      for (const o of c.panel!.fieldConfig?.overrides ?? []) {
        expect(names, `${c.query.id}: override for ${o.matcher.options}`).toContain(o.matcher.options);
        for (const prop of o.properties) {
          if (prop.id !== 'links') continue;
          for (const link of prop.value as { url: string }[]) for (const m of link.url.matchAll(/\$\{__data\.fields\.(\w+)\}/g)) expect(names, `${c.query.id}: link field ${m[1]}`).toContain(m[1]);
        }
      }
    }
  });

  it('the span tree is the trace frame of the chosen trace, read with the provisioned OpenTelemetry columns', () => {
    const c = cases.find((x) => x.panel?.type === 'traces')!;
    const f = frameOf(c.query.id);
    const toxic = seed.sessions['sess-toxic-1']!;
    expect(new Set(column(f, 'traceID'))).toEqual(new Set([toxic.traceIds[0]]));
    expect(column(f, 'spanID')).toContain(toxic.spans.exfil);
    expect(Math.abs(Number(column(f, 'startTime')[0]) - Date.now())).toBeLessThan(3 * 3600_000);
    // The builder options the panel carries name the columns the provisioned trace settings map.
    const t = provisioned.jsonData.traces;
    const hints = Object.fromEntries(((c.panel!.targets![0] as { builderOptions: { columns: { name: string; hint: string }[] } }).builderOptions.columns).map((x) => [x.hint, x.name]));
    expect(hints).toMatchObject({
      trace_id: t.traceIdColumn, trace_span_id: t.spanIdColumn, trace_parent_span_id: t.parentSpanIdColumn, trace_service_name: t.serviceNameColumn,
      trace_operation_name: t.operationNameColumn, time: t.startTimeColumn, trace_duration_time: t.durationColumn, trace_tags: t.tagsColumn,
      trace_service_tags: t.serviceTagsColumn, trace_status_code: t.statusCodeColumn, trace_kind: t.kindColumn, trace_status_message: t.statusMessageColumn, trace_state: t.stateColumn,
    });
    expect(c.query.sql).toContain(`"${t.defaultTable}${t.traceTimestampTableSuffix}"`);
    // Explore's trace view at the 4.20.0 release reads the same spans.
    const explore = frameOf('trace view 4.20.0');
    checkShape('traces', explore, 'trace view 4.20.0');
    expect(explore.rows).toBe(f.rows);
    expect(new Set(column(explore, 'spanID'))).toEqual(new Set(column(f, 'spanID')));
  });

  it('filters narrow the totals: one value percent-encoded, and a value with quotes matches nothing', () => {
    const sessions = (id: string): number => Number(column(frameOf(id), 'Sessions')[0]);
    expect(sessions('filter service=billing-agent')).toBe(1);
    expect(sessions('filter agent=ops-agent')).toBe(2);
    expect(sessions('filter channel=email')).toBe(1);
    expect(sessions('filter conversation=sess-loop-1')).toBe(1);
    expect(sessions("filter service=x\\' OR 1=1 --")).toBe(0);
  });

  it('uses only the Grafana interpolation forms this test exercises', () => {
    const forms = new Set<string>();
    for (const d of dashboards.values()) {
      const sql = [...leafPanels(d).flatMap((p) => (p.targets ?? []).map((t) => (t as { rawSql: string }).rawSql)), ...((d.templating?.list ?? []) as VariableModel[]).map((v) => (v.query as { rawSql: string }).rawSql)].join('\n');
      for (const m of sql.matchAll(/\$\{\w+(?::(\w+))?\}|\$__(\w+)|\[\[\w+/g)) forms.add(m[2] ? `$__${m[2]}` : m[1] ? `\${var:${m[1]}}` : m[0].startsWith('[[') ? '[[var]]' : '${var}');
    }
    expect([...forms].sort()).toEqual(['$__fromTime_ms', '$__interval_s', '$__toTime_ms', '${var:percentencode}']);
  });
});

describe('variables, alert rules, schema browsing', () => {
  it('every variable query returns options (one column, or value and text)', () => {
    for (const c of cases.filter((x) => x.kind === 'variable')) {
      const f = frameOf(c.query.id);
      expect(f.rows, c.query.id).toBeGreaterThan(0);
      expect([1, 2], c.query.id).toContain(f.fields.length);
      expect(f.values[0]!.every((v) => v !== '' && v !== null), c.query.id).toBe(true);
    }
  });

  it('every alert rule returns one numeric row and fires on the seeded incidents', () => {
    const alerts = cases.filter((x) => x.kind === 'alert');
    expect(alerts.length).toBeGreaterThan(0);
    for (const c of alerts) {
      const f = frameOf(c.query.id);
      expect(f.rows).toBe(1);
      expect(f.fields.filter((x) => x.numeric), c.query.id).toHaveLength(1);
      expect(Number(column(f, 'Findings')[0]), c.query.id).toBeGreaterThan(0);
    }
  });

  it('column types come through the Native revision rewrite as clickhouse-go decodes them', () => {
    const f = frameOf('native types');
    expect(f.rows).toBe(3);
    const v = (name: string): unknown[] => column(f, name);
    expect(v('n')).toEqual([0, 1, 2]);
    expect(v('dt64')).toEqual(Array(3).fill('2026-01-02T03:04:05.123456789Z'));
    expect(v('ns')).toEqual([null, '1', null]);
    expect(v('lc')).toEqual(['0', '1', '0']);
    expect(v('lcn')).toEqual(['v', null, 'v']);
    expect(v('e8')).toEqual(['b', 'b', 'b']);
    expect(v('fs')).toEqual(['ab\u0000', 'ab\u0000', 'ab\u0000']);
    expect(v('arr_lc')).toEqual([[], ['0'], ['0', '1']]);
    expect(v('m')).toEqual([{ k: '0' }, { k: '1' }, { k: '2' }]);
    expect(v('uuid')).toEqual(Array(3).fill('01234567-89ab-cdef-0123-456789abcdef'));
    expect(v('d128')).toEqual(Array(3).fill('3.5'));
    expect(v('arr_null')).toEqual(Array(3).fill([1, null]));
    expect(v('named')[0]).toEqual({ name: 'n', v: 1 });
  });

  it('lists databases, tables, columns, functions, map keys and column values, and applies ad hoc filters', () => {
    expect(column(frameOf('schema databases'), 'name')).toContain('otel');
    expect(column(frameOf('schema tables'), 'name')).toEqual(expect.arrayContaining(['otel_traces', 'otel_traces_trace_id_ts', 'flightrec_spans']));
    const cols = frameOf('schema columns');
    expect(column(cols, 'name')).toEqual(expect.arrayContaining(['Timestamp', 'TraceId', 'SpanAttributes', 'Events.Name', 'Links.TraceId']));
    expect(frameOf('schema functions').rows).toBeGreaterThan(100);
    expect(column(frameOf('schema map-keys'), 'keys')).toContain('gen_ai.operation.name');
    // The backend schema provider's SQL.
    expect(column(frameOf('schema provider tables'), 'name')).toContain('otel_traces');
    expect(column(frameOf('schema provider current database'), 'currentDatabase()')).toEqual(['otel']);
    expect(column(frameOf('schema provider columns'), 'name')).toEqual(expect.arrayContaining(['Timestamp', 'TraceId', 'SpanAttributes']));
    expect(column(frameOf('schema provider describe'), 'name')).toContain('Duration');
    // An ad hoc filter narrows a panel's query to the chosen value.
    expect(column(frameOf('schema ad hoc filter'), 'ServiceName')).toEqual(['mail-agent']);
    const values = frameOf('schema provider values');
    expect(column(values, 'val')).toEqual(expect.arrayContaining(['mail-agent', 'billing-agent', 'ops-agent']));
  });
});

describe('what went over the wire', () => {
  // What the plugin sends: everything but the harness's own column-type probe.
  const all = (): WireRequest[] => [...result.health.wire, ...result.queries.filter((q) => q.id !== 'native types').flatMap((q) => q.wire)];
  it('is POST / with the SQL as the body, Native results, gzip accepted, the plugin in the user agent', () => {
    for (const w of all()) {
      expect(w.method).toBe('POST');
      expect(w.path).toBe('/');
      expect(w.params.default_format).toEqual(['Native']);
      expect(w.acceptEncoding).toBe('gzip');
      expect(w.status).toBe(200);
      expect(w.userAgent).toMatch(new RegExp(`^grafana/${GRAFANA_VERSION} clickhouse-datasource/${readPins().plugin} clickhouse-go/2\\.47\\.0 \\(`));
    }
    const panel = result.queries.find((q) => q.id.startsWith('agent-overview.json#'))!;
    expect(panel.wire[0]!.userAgent).toContain(`grafana_user:admin; grafana_dashboard:${DashboardUids['agent-overview']}; grafana_panel:`);
  });
  it('sends only the query parameters and headers docs/grafana.md lists for the server gate', () => {
    const docs = readFileSync(join(REPO_ROOT, 'docs/grafana.md'), 'utf8');
    const section = docs.slice(docs.indexOf('## What the plugin sends'));
    const params = new Set(all().flatMap((w) => Object.keys(w.params)));
    const headers = new Set(all().flatMap((w) => w.headers));
    expect(params.size).toBeGreaterThan(0);
    for (const p of params) expect(section, `query parameter ${p}`).toContain(`\`${p}\``);
    for (const h of headers) expect(section, `header ${h}`).toContain(`\`${h}\``);
  });
  it('calls only the functions docs/grafana.md lists, and no table function (ClickHouse\'s own parse)', async () => {
    const docs = readFileSync(join(REPO_ROOT, 'docs/grafana.md'), 'utf8');
    const listed = docs.slice(docs.indexOf('- **Functions**'), docs.indexOf('\n\n', docs.indexOf('- **Functions**')));
    const functions = new Set<string>();
    // The engine's own parse, in this process: the query port runs only reads (EXPLAIN is not one).
    const parseDir = tempDir('grafana-parse');
    const engine = new Session(parseDir.path);
    for (const body of new Set(all().map((w) => w.body))) {
      const lines = (await engine.queryAsync(`EXPLAIN AST ${body}`, { format: 'TabSeparatedRaw' })).text().split('\n');
      lines.forEach((line, i) => {
        const m = /^\s*Function (\S+)/.exec(line);
        if (!m) return;
        expect(lines[i - 1], `table function ${m[1]}`).not.toMatch(/TableExpression/);
        functions.add(m[1]!);
      });
    }
    engine.close();
    parseDir.cleanup();
    expect(functions.size).toBeGreaterThan(20);
    for (const f of functions) expect(listed, `function ${f}`).toContain(`\`${f}\``);
  });
});
