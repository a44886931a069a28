/**
 * Ingest throughput: spans/s through the embedded receiver (OTLP/HTTP protobuf, batches of 512,
 * several concurrent keep-alive clients in a worker thread) in each ingest mode, against a direct
 * bulk insert of the same rows into the same chdb engine and table measured right before each, in
 * one run; plus bytes on disk per span for a realistic agent workload.
 *
 * `direct`: a request is acknowledged once the insert holding it returned, so the time to the last
 * answer is the time into the store. `wal`: a request is acknowledged once it is fsynced to the
 * write-ahead log, so two figures: acknowledged spans/s (until the last answer), and spans/s into
 * the store (until the log has drained, i.e. every span is in otel_traces) — the sustained figure.
 *
 *   npx node bench/ingest-throughput.ts [--modes direct,wal] [--rounds 2] [--clients 8] [--requests 600]
 *       [--format Native|TSV|JSONEachRow] [--fsync on|off] [--linger 10]
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { drainPending } from 'chdb';
import { type EmbeddedServer, type IngestMode, INGEST_MODES, startEmbeddedServer } from '../server/embedded-server.ts';
import { decodeRequest } from '../receiver/decode-request.ts';
import { DEFAULT_ROW_LIMITS, requestToRows, type OtelTraceRow } from '../receiver/span-rows.ts';
import { convertRequest } from '../receiver/otlp-request.ts';
import { DEFAULT_ROW_FORMAT, encodeRows, ROW_FORMATS, type RowFormat } from '../receiver/row-format.ts';
import { TRACE_INSERT_COLUMNS } from '../storage/trace-columns.ts';
import { insertBody } from '../storage/store-client.ts';
import { Tables } from '../storage/tables.ts';
import { tempDir } from '../tools/temp-dir.ts';
import { workloadBodies } from '../seed/agent-workload.ts';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '8' },
    requests: { type: 'string', default: '600' },
    modes: { type: 'string', default: 'direct,wal' },
    rounds: { type: 'string', default: '2' },
    distinct: { type: 'string', default: '60' },
    format: { type: 'string', default: DEFAULT_ROW_FORMAT },
    fsync: { type: 'string', default: 'on' },
    'disk-spans': { type: 'string', default: '102400' },
    linger: { type: 'string', default: '10' },
  },
});
const BATCH = 512;
const clients = Number(args.clients);
const requests = Number(args.requests);
const format = args.format as RowFormat;
if (!ROW_FORMATS.includes(format)) throw new Error(`--format: one of ${ROW_FORMATS.join(', ')}`);
const fsync = args.fsync !== 'off';
const spansTotal = requests * BATCH;
const modes = args.modes.split(',').map((m) => {
  const mode = INGEST_MODES.find((x) => x === m);
  if (!mode) throw new Error(`--modes: unknown ingest mode ${m} (${INGEST_MODES.join(', ')})`);
  return mode;
});

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const log = (s: string): void => console.log(s);

log(`building ${args.distinct} distinct protobuf requests of ${BATCH} spans…`);
const bodies = workloadBodies(Number(args.distinct), BATCH);
const wireBytes = bodies.reduce((n, b) => n + b.length, 0) / bodies.length;

// The same rows the receiver will build, encoded once, for the direct insert.
const t0 = performance.now();
const rows: OtelTraceRow[] = bodies.flatMap((b) => requestToRows(decodeRequest(b, 'protobuf')).rows);
const tRows = performance.now();
const bulk = encodeRows(rows, format);
const tEncode = performance.now();
const tFast0 = performance.now();
for (const b of bodies) convertRequest(b, 'protobuf', { rowFormat: format, rowLimits: DEFAULT_ROW_LIMITS });
const tFast = performance.now() - tFast0;
log(`  ${fmt(wireBytes)} B/request on the wire; JS per span: generic path decode+rows ${((tRows - t0) * 1000 / rows.length).toFixed(2)} µs + ${format} encode ${((tEncode - tRows) * 1000 / rows.length).toFixed(2)} µs (${(bulk.length / rows.length).toFixed(0)} B/row); the receiver's protobuf→${format} ${((tFast * 1000) / rows.length).toFixed(2)} µs`);

const dir = tempDir('flightrec-bench-');
let storeNo = 0;
/** A fresh store in its own directory (one chdb directory per process at a time). */
const start = (mode: IngestMode): Promise<EmbeddedServer> =>
  startEmbeddedServer({ dataDir: `${dir.path}/store-${storeNo++}`, otlpPort: 0, queryPort: 0, fsync, rowFormat: format, ttlDays: 0, ingestMode: mode, queue: { lingerMs: Number(args.linger) } });
async function stop(server: EmbeddedServer): Promise<void> {
  await server.close();
  await drainPending();
}
const truncate = async (server: EmbeddedServer): Promise<void> => {
  for (const t of [Tables.traces, Tables.traceIdTs, Tables.sessionTraces, Tables.calls]) await server.client.command({ query: `TRUNCATE TABLE otel.${t}` });
};

async function direct(server: EmbeddedServer): Promise<number> {
  await truncate(server);
  const inserts = Math.ceil(spansTotal / rows.length);
  const start = performance.now();
  for (let k = 0; k < inserts; k++) await insertBody(server.client, { database: 'otel', table: Tables.traces, columns: TRACE_INSERT_COLUMNS, format, body: bulk });
  return (inserts * rows.length) / ((performance.now() - start) / 1000);
}

interface ReceiverRun {
  /** Spans acknowledged per second, first request to last answer. */
  acked: number;
  /** Spans in the store per second, first request until the last one is in otel_traces. */
  stored: number;
  statuses: Record<string, number>;
}

function viaReceiver(server: EmbeddedServer): Promise<ReceiverRun> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./ingest-load-worker.ts', import.meta.url), {
      workerData: { url: `${server.otlpUrl}/v1/traces`, bodies, clients, requests },
    });
    worker.once('message', (m: { elapsedMs: number; statuses: Record<string, number> }) => {
      const drainStart = performance.now();
      // wal: wait for the log to drain (direct: already in the store, returns at once).
      void server.ingested(600_000).then(() => {
        const drainMs = performance.now() - drainStart;
        const spans = (m.statuses['200'] ?? 0) * BATCH;
        resolve({ acked: spans / (m.elapsedMs / 1000), stored: spans / ((m.elapsedMs + drainMs) / 1000), statuses: m.statuses });
      }, reject);
    });
    worker.once('error', reject);
  });
}

const ratio = (a: number, b: number): string => (a / b).toFixed(2);
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');
log(`\ningest throughput — ${fmt(spansTotal)} spans per run, protobuf batches of ${BATCH}, ${clients} clients, insert format ${format}, fsync ${fsync ? 'on' : 'off'}, group-commit linger ${args.linger} ms (direct mode); ${cpus().length} CPUs, load average ${load()}`);
type Row = { mode: IngestMode; direct: number } & ReceiverRun;
const results: Row[] = [];
for (let round = 0; round < Number(args.rounds); round++) {
  for (const mode of modes) {
    const server = await start(mode);
    try {
      if (round === 0) {
        await direct(server); // warm-up: first parts, page cache, JIT
        await truncate(server);
        await viaReceiver(server);
      }
      const d = await direct(server);
      await truncate(server);
      const r = await viaReceiver(server);
      if (Object.keys(r.statuses).some((s) => s !== '200')) log(`  non-200 answers: ${JSON.stringify(r.statuses)}`);
      results.push({ mode, direct: d, ...r });
      const acked = mode === 'wal' ? `acknowledged ${fmt(r.acked)} spans/s (${ratio(r.acked, d)}), ` : '';
      log(`  round ${round + 1} ${mode.padEnd(6)}: direct bulk insert ${fmt(d)} spans/s; through the receiver ${acked}into the store ${fmt(r.stored)} spans/s, ratio ${ratio(r.stored, d)}  (load ${load()})`);
      await server.ingestLog.flush();
      const commits = await (await server.client.query({ query: "SELECT count() AS n, avg(Spans) AS spans, quantile(0.5)(LatencyMs) AS p50, quantile(0.99)(LatencyMs) AS p99 FROM otel.flightrec_ingest_log WHERE Outcome = 'accepted'", format: 'JSONEachRow' })).json<{ n: number; spans: number; p50: number; p99: number }>();
      const inserts = server.queue.stats.inserts;
      log(`      ${mode === 'wal' ? 'log appends' : 'group commits'}: ${fmt(commits[0]!.n)}, ${fmt(commits[0]!.spans)} spans each; ack latency p50 ${commits[0]!.p50.toFixed(0)} ms, p99 ${commits[0]!.p99.toFixed(0)} ms; inserts ${fmt(inserts)}, ${fmt(server.queue.stats.acceptedSpans / Math.max(1, inserts))} spans each (warm-up included)`);
    } finally {
      await stop(server);
    }
  }
}
log('\nbest of the rounds (goal: ≥ 100,000 spans/s into the store and ≥ 0.70 of the direct insert):');
for (const mode of modes) {
  const rs = results.filter((r) => r.mode === mode);
  const best = (k: 'direct' | 'acked' | 'stored'): number => Math.max(...rs.map((r) => r[k]));
  const ratios = rs.map((r) => r.stored / r.direct);
  log(`  ${mode.padEnd(6)}: direct ${fmt(best('direct'))} spans/s, into the store ${fmt(best('stored'))} spans/s${mode === 'wal' ? ` (acknowledged ${fmt(best('acked'))})` : ''}, ratio per round ${ratios.map((x) => x.toFixed(2)).join(', ')}`);
}

const server = await start(modes.includes('wal') ? 'wal' : 'direct');

// Bytes on disk: unique spans only (no repeated ids), merged as ClickHouse would in the background.
const diskSpans = Number(args['disk-spans']);
const unique = workloadBodies(Math.ceil(diskSpans / BATCH), BATCH);
for (const b of unique) {
  const res = await fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: b });
  if (res.status !== 200) throw new Error(`disk workload: HTTP ${res.status}`);
}
await server.ingested(600_000);
await server.client.command({ query: `OPTIMIZE TABLE otel.${Tables.traces} FINAL` });
const parts = await (await server.client.query({
  query: `SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes, sum(data_uncompressed_bytes) AS raw FROM system.parts WHERE database = 'otel' AND active AND table IN ('${Tables.traces}', '${Tables.traceIdTs}', '${Tables.sessionTraces}', '${Tables.calls}') GROUP BY table ORDER BY table`,
  format: 'JSONEachRow',
})).json<{ table: string; rows: string; bytes: string; raw: string }>();
const spanRows = Number(parts.find((p) => p.table === Tables.traces)?.rows ?? 0);
log(`\nbytes on disk, ${fmt(spanRows)} unique agent spans (${(unique.reduce((n, b) => n + b.length, 0) / (unique.length * BATCH)).toFixed(0)} B/span as OTLP protobuf):`);
for (const p of parts) log(`  ${p.table.padEnd(28)} ${(Number(p.bytes) / spanRows).toFixed(1)} B/span on disk (${(Number(p.raw) / spanRows).toFixed(0)} B/span uncompressed)`);
log(`  total                        ${(parts.reduce((n, p) => n + Number(p.bytes), 0) / spanRows).toFixed(1)} B/span`);

await stop(server);
dir.cleanup();
