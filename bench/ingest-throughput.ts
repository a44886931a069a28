/**
 * Ingest throughput: spans/s through the embedded receiver (OTLP/HTTP protobuf, batches of 512,
 * several concurrent keep-alive clients in a worker thread) against a direct bulk insert of the
 * same rows into the same chdb engine and table, in one run; plus bytes on disk per span for a
 * realistic agent workload.
 *
 *   npx node bench/ingest-throughput.ts [--clients 8] [--requests 400] [--format TSV|JSONEachRow] [--fsync on|off] [--linger 10]
 */
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { drainPending } from 'chdb';
import { startEmbeddedServer } from '../server/embedded-server.ts';
import { decodeRequest } from '../receiver/decode-request.ts';
import { DEFAULT_ROW_LIMITS, requestToRows, type OtelTraceRow } from '../receiver/span-rows.ts';
import { protobufToTsv } from '../receiver/otlp-proto-tsv.ts';
import { encodeRows, TRACE_INSERT_COLUMNS, type RowFormat } from '../receiver/row-format.ts';
import { insertBody } from '../storage/store-client.ts';
import { Tables } from '../storage/tables.ts';
import { tempDir } from '../test/support/temp-dir.ts';
import { workloadBodies } from './ingest-workload.ts';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '8' },
    requests: { type: 'string', default: '400' },
    distinct: { type: 'string', default: '60' },
    format: { type: 'string', default: 'TSV' },
    fsync: { type: 'string', default: 'on' },
    'disk-spans': { type: 'string', default: '102400' },
    linger: { type: 'string', default: '10' },
  },
});
const BATCH = 512;
const clients = Number(args.clients);
const requests = Number(args.requests);
const format = args.format as RowFormat;
const fsync = args.fsync !== 'off';
const spansTotal = requests * BATCH;

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
for (const b of bodies) protobufToTsv(b, DEFAULT_ROW_LIMITS);
const tFast = performance.now() - tFast0;
log(`  ${fmt(wireBytes)} B/request on the wire; JS per span: generic path decode+rows ${((tRows - t0) * 1000 / rows.length).toFixed(2)} µs + ${format} encode ${((tEncode - tRows) * 1000 / rows.length).toFixed(2)} µs (${(bulk.length / rows.length).toFixed(0)} B/row); one-pass protobuf→TSV ${((tFast * 1000) / rows.length).toFixed(2)} µs`);

const dir = tempDir('flightrec-bench-');
const server = await startEmbeddedServer({ dataDir: dir.path, otlpPort: 0, queryPort: 0, fsync, rowFormat: format, ttlDays: 0, queue: { lingerMs: Number(args.linger) } });
const truncate = async (): Promise<void> => {
  for (const t of [Tables.traces, Tables.traceIdTs, Tables.sessionTraces]) await server.client.command({ query: `TRUNCATE TABLE otel.${t}` });
};

async function direct(): Promise<number> {
  await truncate();
  const inserts = Math.ceil(spansTotal / rows.length);
  const start = performance.now();
  for (let k = 0; k < inserts; k++) await insertBody(server.client, { database: 'otel', table: Tables.traces, columns: TRACE_INSERT_COLUMNS, format, body: bulk });
  return (inserts * rows.length) / ((performance.now() - start) / 1000);
}

function viaReceiver(): Promise<{ spansPerSecond: number; statuses: Record<string, number> }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./ingest-load-worker.ts', import.meta.url), {
      workerData: { url: `${server.otlpUrl}/v1/traces`, bodies, clients, requests },
    });
    worker.once('message', (m: { elapsedMs: number; statuses: Record<string, number> }) => {
      const ok = m.statuses['200'] ?? 0;
      resolve({ spansPerSecond: (ok * BATCH) / (m.elapsedMs / 1000), statuses: m.statuses });
    });
    worker.once('error', reject);
  });
}

log(`\ningest throughput — ${fmt(spansTotal)} spans per run, protobuf batches of ${BATCH}, ${clients} clients, insert format ${format}, fsync ${fsync ? 'on' : 'off'}, group-commit linger ${args.linger} ms`);
await direct(); // warm-up: first parts, page cache, JIT
await truncate();
await viaReceiver();
const results: { direct: number; receiver: number }[] = [];
for (let round = 0; round < 2; round++) {
  const d = await direct();
  await truncate();
  const r = await viaReceiver();
  if (Object.keys(r.statuses).some((s) => s !== '200')) log(`  non-200 answers: ${JSON.stringify(r.statuses)}`);
  results.push({ direct: d, receiver: r.spansPerSecond });
  log(`  round ${round + 1}: direct bulk insert ${fmt(d)} spans/s, through the receiver ${fmt(r.spansPerSecond)} spans/s, ratio ${(r.spansPerSecond / d).toFixed(2)}`);
}
const best = { direct: Math.max(...results.map((r) => r.direct)), receiver: Math.max(...results.map((r) => r.receiver)) };
await server.ingestLog.flush();
const commits = await (await server.client.query({ query: "SELECT count() AS n, avg(Spans) AS spans, quantile(0.5)(LatencyMs) AS p50, quantile(0.99)(LatencyMs) AS p99 FROM otel.flightrec_ingest_log WHERE Outcome = 'accepted'", format: 'JSONEachRow' })).json<{ n: number; spans: number; p50: number; p99: number }>();
log(`best: direct ${fmt(best.direct)} spans/s, receiver ${fmt(best.receiver)} spans/s, ratio ${(best.receiver / best.direct).toFixed(2)} (goal ≥ 100,000 spans/s and ≥ 0.70)`);
log(`group commits: ${fmt(commits[0]!.n)}, ${fmt(commits[0]!.spans)} spans each on average; ack latency p50 ${commits[0]!.p50.toFixed(0)} ms, p99 ${commits[0]!.p99.toFixed(0)} ms`);

// Bytes on disk: unique spans only (no repeated ids), merged as ClickHouse would in the background.
await truncate();
const diskSpans = Number(args['disk-spans']);
const unique = workloadBodies(Math.ceil(diskSpans / BATCH), BATCH);
for (const b of unique) {
  const res = await fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: b });
  if (res.status !== 200) throw new Error(`disk workload: HTTP ${res.status}`);
}
await server.client.command({ query: `OPTIMIZE TABLE otel.${Tables.traces} FINAL` });
const parts = await (await server.client.query({
  query: `SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes, sum(data_uncompressed_bytes) AS raw FROM system.parts WHERE database = 'otel' AND active AND table IN ('${Tables.traces}', '${Tables.traceIdTs}', '${Tables.sessionTraces}') GROUP BY table ORDER BY table`,
  format: 'JSONEachRow',
})).json<{ table: string; rows: string; bytes: string; raw: string }>();
const spanRows = Number(parts.find((p) => p.table === Tables.traces)?.rows ?? 0);
log(`\nbytes on disk, ${fmt(spanRows)} unique agent spans (${(unique.reduce((n, b) => n + b.length, 0) / (unique.length * BATCH)).toFixed(0)} B/span as OTLP protobuf):`);
for (const p of parts) log(`  ${p.table.padEnd(28)} ${(Number(p.bytes) / spanRows).toFixed(1)} B/span on disk (${(Number(p.raw) / spanRows).toFixed(0)} B/span uncompressed)`);
log(`  total                        ${(parts.reduce((n, p) => n + Number(p.bytes), 0) / spanRows).toFixed(1)} B/span`);

await server.close();
await drainPending();
dir.cleanup();
