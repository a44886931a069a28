/**
 * flightrec's receiver against its production peer, side by side in one run: the same OTLP/HTTP
 * protobuf workload (seed/agent-workload.ts) through
 *   (a) the contrib collector (collector-config/builder-config.yaml; the shipped otel-collector.yaml,
 *       pipeline memory_limiter → batch → clickhouse exporter, as in the parity test) into a
 *       `flightrec up` store over its ClickHouse HTTP interface, and
 *   (b) flightrec's own receiver in a `flightrec up` store,
 * each into a fresh store, rounds alternating (a, b, a, b …). Figures: spans/s into the store (first
 * request sent → every span counted in otel_traces) and CPU seconds per million spans of each
 * process, read from /proc/<pid>/stat (user + system, all threads) around the run. (a)'s own process
 * is the collector; the store's process is listed too, because in (b) the one `flightrec up` process
 * both receives and stores. So (c) measures the store's own share: this process inserts the same rows,
 * already encoded as Native, straight into a fresh embedded store (50,000 spans per insert, as the
 * write-ahead log batches them), and (b) − (c) is what flightrec's receiver itself costs per span.
 *
 *   npx node bench/collector-peer.ts [--spans 200000] [--batch 1000] [--clients 4] [--rounds 2]
 *
 * Needs Go (the collector is built on first use, cached) — see docs/deploy.md.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { drainPending } from 'chdb';
import { workloadBodies } from '../seed/agent-workload.ts';
import { startEmbeddedServer } from '../server/embedded-server.ts';
import { decodeRequest } from '../receiver/decode-request.ts';
import { requestToRows } from '../receiver/span-rows.ts';
import { encodeRows } from '../receiver/row-format.ts';
import { TRACE_INSERT_COLUMNS } from '../storage/trace-columns.ts';
import { insertBody } from '../storage/store-client.ts';
import { Tables } from '../storage/tables.ts';
import { tempDir } from '../tools/temp-dir.ts';
import { collectorBinary, postOtlp, startCollector, type RunningCollector } from '../tools/run-collector.ts';
import { startUp, WRITER, type UpProcess } from '../tools/flightrec-up.ts';

const { values: args } = parseArgs({
  options: {
    spans: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '1000' },
    clients: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '2' },
  },
});
const BATCH = Number(args.batch);
const BATCHES = Math.ceil(Number(args.spans) / BATCH);
const SPANS = BATCHES * BATCH;
const CLIENTS = Number(args.clients);
const ROUNDS = Number(args.rounds);
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds (user + system, every thread) a process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after "pid (comm) "
  return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime: fields 14 and 15 of the whole line
}

async function countIn(up: UpProcess): Promise<number> {
  return Number((await (await up.reader.query({ query: 'SELECT count() AS n FROM otel_traces', format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n);
}

interface Result { spansPerSecond: number; cpu: Record<string, number> }

/** Sends every body to `url` with CLIENTS concurrent senders, then waits until the store holds them all. */
async function drive(url: string, store: UpProcess, processes: Record<string, number>, bodies: readonly Uint8Array[]): Promise<Result> {
  const cpu0 = Object.fromEntries(Object.entries(processes).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (next < bodies.length) await postOtlp(url, bodies[next++]!);
  }));
  while ((await countIn(store)) < SPANS) await new Promise((r) => setTimeout(r, 100));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = Object.fromEntries(Object.entries(processes).map(([k, pid]) => [k, ((cpuSeconds(pid) - cpu0[k]!) / SPANS) * 1e6]));
  return { spansPerSecond: SPANS / seconds, cpu };
}

async function viaCollector(bodies: readonly Uint8Array[]): Promise<Result> {
  const store = await startUp();
  let collector: RunningCollector | undefined;
  try {
    collector = await startCollector({
      sets: ['service.pipelines.traces.processors=[memory_limiter,batch]'],
      env: { CLICKHOUSE_ENDPOINT: store.queryUrl, CLICKHOUSE_USER: WRITER.name, CLICKHOUSE_PASSWORD: WRITER.password },
    });
    return await drive(collector.otlpHttpUrl, store, { collector: collector.pid, 'its store': store.child.pid! }, bodies);
  } finally {
    await collector?.stop();
    await store.stop();
  }
}

async function viaReceiver(bodies: readonly Uint8Array[]): Promise<Result> {
  const store = await startUp();
  try {
    return await drive(store.otlpUrl, store, { 'flightrec up': store.child.pid! }, bodies);
  } finally {
    await store.stop();
  }
}

/** CPU-s per million spans of this process inserting the workload's rows, pre-encoded, into a fresh in-process store. */
async function storeAlone(bodies: readonly Uint8Array[]): Promise<number> {
  const rows = bodies.flatMap((b) => requestToRows(decodeRequest(Buffer.from(b), 'protobuf')).rows);
  const chunks: Buffer[] = [];
  for (let i = 0; i < rows.length; i += 50_000) chunks.push(encodeRows(rows.slice(i, i + 50_000), 'Native'));
  const dir = tempDir('flightrec-peer-');
  const server = await startEmbeddedServer({ dataDir: dir.path, otlpPort: 0, queryPort: 0, fsync: false });
  try {
    const cpu0 = process.cpuUsage();
    for (const body of chunks) await insertBody(server.client, { database: 'otel', table: Tables.traces, columns: TRACE_INSERT_COLUMNS, format: 'Native', body });
    const used = process.cpuUsage(cpu0);
    return ((used.user + used.system) / 1e6 / rows.length) * 1e6;
  } finally {
    await server.close();
    await drainPending();
    dir.cleanup();
  }
}

const fmt = (n: number, d = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

const binary = await collectorBinary();
const bodies = workloadBodies(BATCHES, BATCH);
console.log(`collector-peer: ${SPANS.toLocaleString('en-US')} spans (${BATCHES} OTLP/HTTP protobuf requests of ${BATCH}), ${CLIENTS} concurrent senders, ${ROUNDS} rounds alternating; ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`collector: ${binary}`);
const results: { a: Result[]; b: Result[]; c: number[] } = { a: [], b: [], c: [] };
for (let round = 1; round <= ROUNDS; round++) {
  const a = await viaCollector(bodies);
  results.a.push(a);
  console.log(`round ${round} (a) collector → flightrec store: ${fmt(a.spansPerSecond, 0)} spans/s; CPU-s per million spans: ${Object.entries(a.cpu).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
  const b = await viaReceiver(bodies);
  results.b.push(b);
  console.log(`round ${round} (b) flightrec receiver:           ${fmt(b.spansPerSecond, 0)} spans/s; CPU-s per million spans: ${Object.entries(b.cpu).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
  const c = await storeAlone(bodies);
  results.c.push(c);
  console.log(`round ${round} (c) the store alone (same rows, Native, 50k per insert): ${fmt(c)} CPU-s per million spans`);
}
const median = (xs: number[]): number => { const s = [...xs].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };
const aRate = median(results.a.map((r) => r.spansPerSecond));
const bRate = median(results.b.map((r) => r.spansPerSecond));
const aCpu = median(results.a.map((r) => r.cpu.collector!));
const aStore = median(results.a.map((r) => r.cpu['its store']!));
const bCpu = median(results.b.map((r) => r.cpu['flightrec up']!));
console.log(`median: (a) ${fmt(aRate, 0)} spans/s, collector ${fmt(aCpu)} CPU-s/M (+ its store ${fmt(aStore)}); (b) ${fmt(bRate, 0)} spans/s, flightrec up ${fmt(bCpu)} CPU-s/M (receiving and storing)`);
const cStore = median(results.c);
console.log(`ratios: throughput (b)/(a) ${fmt(bRate / aRate, 2)}; CPU per span flightrec up (receiver + store) / collector alone ${fmt(bCpu / aCpu, 2)}; / collector + its store ${fmt(bCpu / (aCpu + aStore), 2)}`);
console.log(`the receiver alone ≈ (b) − (c) = ${fmt(bCpu - cStore)} CPU-s/M vs the collector's ${fmt(aCpu)}: ratio ${fmt((bCpu - cStore) / aCpu, 2)}`);
