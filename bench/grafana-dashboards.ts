/**
 * How long each generated dashboard's queries take on the embedded store, sent as Grafana would
 * send them (template variables, then the plugin's macros) over the ClickHouse HTTP interface as a
 * read-only user. Data: copies of the five test sessions (one good run and one of each failure
 * pattern) spread over the last 24 hours, sent through the OTLP receiver.
 *
 *   npx node bench/grafana-dashboards.ts [--copies 2000] [--runs 3] [--peer-ref REF]
 *
 * Prints, per dashboard, every panel and variable query's median time and rows, and the sum —
 * the time a dashboard needs if Grafana ran its queries one after the other (it runs them in
 * parallel, so a page load is closer to the slowest panel). --peer-ref REF also times each panel
 * whose SQL differs in the dashboards committed at git REF, alternating with this checkout's on the
 * same data, and prints the ratio.
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createClient, ClickHouseLogLevel } from '@clickhouse/client';
import type { Dashboard, Panel, RowPanel, VariableModel } from '@grafana/schema';
import { buildDashboards } from '../grafana/dashboards.ts';
import { startEmbeddedServer } from '../server/embedded-server.ts';
import { tempDir } from '../tools/temp-dir.ts';
import { buildSeed, otlpBody } from '../seed/grafana.ts';
import { grafanaQuerySql, type VariableState } from '../tools/grafana-interpolate.ts';

const { values } = parseArgs({ options: { copies: { type: 'string', default: '2000' }, runs: { type: 'string', default: '3' }, 'peer-ref': { type: 'string' } } });
const PEER_REF = values['peer-ref'];

/** The panel targets' SQL by panel title in the dashboard file as committed at REF (none if it is not there). */
function peerTargets(file: string): Map<string, string[]> {
  if (!PEER_REF) return new Map();
  let d: Dashboard;
  try {
    d = JSON.parse(execFileSync('git', ['show', `${PEER_REF}:grafana/dashboards/${file}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as Dashboard;
  } catch {
    return new Map();
  }
  const panels = (d.panels ?? []).filter((p): p is Panel => p.type !== 'row').concat((d.panels ?? []).flatMap((p) => (p.type === 'row' ? (p as RowPanel).panels : [])));
  return new Map(panels.map((p) => [p.title ?? '', (p.targets ?? []).map((t) => (t as { rawSql: string }).rawSql)]));
}
const COPIES = Number(values.copies);
const RUNS = Number(values.runs);

const dir = tempDir();
const server = await startEmbeddedServer({ dataDir: dir.path, otlpPort: 0, queryPort: 0, users: [{ name: 'reviewer', password: 'bench', role: 'reader' }] });
const reviewer = createClient({ url: server.queryUrl, username: 'reviewer', password: 'bench', database: 'otel', log: { level: ClickHouseLogLevel.OFF }, request_timeout: 300_000 });

try {
  const now = Date.now();
  let spans = 0;
  let firstToxic = '';
  let firstTrace = '';
  const loadStart = performance.now();
  const BATCH = 50;
  for (let c = 0; c < COPIES; c += BATCH) {
    const sessions = [];
    for (let i = c; i < Math.min(c + BATCH, COPIES); i++) {
      // Spread the copies over the last 23 hours (each session lasts under an hour).
      const { sessions: s } = buildSeed(now - Math.floor((i / COPIES) * 23 * 3600_000), String(i));
      sessions.push(...s);
    }
    firstToxic ||= sessions.find((s) => s.info.sessionId.startsWith('sess-toxic'))!.info.sessionId;
    firstTrace ||= sessions.find((s) => s.info.sessionId.startsWith('sess-toxic'))!.info.traceIds[0]!;
    spans += sessions.reduce((n, s) => n + s.spans.length, 0);
    const res = await fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: otlpBody(sessions) });
    if (res.status !== 200) throw new Error(`ingest failed: ${res.status} ${await res.text()}`);
  }
  for (;;) {
    const n = Number(((await (await reviewer.query({ query: 'SELECT count() AS n FROM otel_traces', format: 'JSONEachRow' })).json()) as { n: string }[])[0]!.n);
    if (n >= spans) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await server.ingestLog.flush();
  const loadMs = performance.now() - loadStart;
  const disk = ((await (await reviewer.query({ query: "SELECT sum(bytes_on_disk) AS b FROM system.parts WHERE database = 'otel' AND table = 'otel_traces' AND active", format: 'JSONEachRow' })).json()) as { b: string }[])[0]!.b;
  console.log(`data: ${COPIES * 5} sessions, ${spans} spans over 24 h, loaded through OTLP/HTTP in ${(loadMs / 1000).toFixed(1)} s; otel_traces ${(Number(disk) / 1e6).toFixed(1)} MB on disk, ${(Number(disk) / spans).toFixed(0)} B/span`);

  const ctx = { from: new Date(now - 24 * 3600_000), to: new Date(now + 60_000), intervalMs: 60_000 };
  const picks: Record<string, string> = { session: firstToxic, trace: firstTrace };

  const time = async (sql: string, runs = RUNS): Promise<{ ms: number; rows: number }> => {
    const times: number[] = [];
    let rows = 0;
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      const rs = await reviewer.query({ query: sql, format: 'JSONEachRow' });
      rows = ((await rs.json()) as unknown[]).length;
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { ms: times[Math.floor(times.length / 2)]!, rows };
  };

  for (const [file, d] of buildDashboards()) {
    // Variables in order, as Grafana resolves them: a pick, All, or else the first option.
    const vars: Record<string, VariableState> = {};
    const lines: [string, number, number][] = [];
    for (const v of (d.templating?.list ?? []) as VariableModel[]) {
      const sql = grafanaQuerySql((v.query as { rawSql: string }).rawSql, vars, ctx);
      const r = await time(sql);
      lines.push([`$${v.name}`, r.ms, r.rows]);
      let value = picks[v.name] ?? (v.includeAll ? '$__all' : undefined);
      if (value === undefined) {
        const first = ((await (await reviewer.query({ query: sql, format: 'JSONCompactEachRow' })).json()) as unknown[][])[0];
        value = first ? String(first[0]) : '';
      }
      vars[v.name] = { value, allValue: v.allValue };
    }
    const panels = (d.panels ?? []).filter((p): p is Panel => p.type !== 'row').concat((d.panels ?? []).flatMap((p) => (p.type === 'row' ? (p as RowPanel).panels : [])));
    const peer = peerTargets(file);
    for (const p of panels) {
      const sqls = (p.targets ?? []).map((t) => (t as { rawSql: string }).rawSql);
      const before = peer.get(p.title ?? '');
      if (before && before.join('\n') !== sqls.join('\n')) {
        // Alternating rounds, so both see the same load.
        const mine: number[] = [];
        const theirs: number[] = [];
        let rows = 0;
        for (let r = 0; r < RUNS; r++) {
          let a = 0;
          for (const sql of sqls) {
            const x = await time(grafanaQuerySql(sql, vars, ctx), 1);
            a += x.ms;
            if (r === 0) rows += x.rows;
          }
          mine.push(a);
          let b = 0;
          for (const sql of before) b += (await time(grafanaQuerySql(sql, vars, ctx), 1)).ms;
          theirs.push(b);
        }
        const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
        lines.push([`${p.title ?? ''} (as at ${PEER_REF}: ${median(theirs).toFixed(1)} ms, ratio ${(median(mine) / median(theirs)).toFixed(2)})`, median(mine), rows]);
        continue;
      }
      let ms = 0;
      let rows = 0;
      for (const sql of sqls) {
        const r = await time(grafanaQuerySql(sql, vars, ctx));
        ms += r.ms;
        rows += r.rows;
      }
      lines.push([p.title ?? '', ms, rows]);
    }
    const sum = lines.reduce((s, l) => s + l[1], 0);
    const slowest = Math.max(...lines.map((l) => l[1]));
    console.log(`\n${(d as Dashboard).title} (${file}): ${lines.length} queries, sum ${sum.toFixed(0)} ms, slowest ${slowest.toFixed(0)} ms`);
    for (const [name, ms, rows] of lines) console.log(`  ${ms.toFixed(1).padStart(8)} ms  ${String(rows).padStart(6)} rows  ${name}`);
  }
} finally {
  await reviewer.close();
  await server.close();
  dir.cleanup();
}
