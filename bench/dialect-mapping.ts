/**
 * The cost of the dialect mapping at insert (issue 21): the same spans inserted, rounds alternating,
 * into three `otel_traces` tables in one chdb store (every other round in reverse order) — the contrib exporter's bare table; flightrec's
 * stored derived columns with the mapping off (only the names flightrec's wrappers write; no dialect
 * rules, no other producers' keys, no tool catalogue); and with the mapping on (conventions/span-mapping.ts
 * and the default tool catalogue, as `flightrec up` runs). The spans are a mix of every mapped
 * dialect (GenAI, MCP, OpenInference, OpenLLMetry, the Vercel AI SDK's ai.*) and flightrec's own,
 * made by the OpenTelemetry SDK and decoded by the receiver into its Native insert body. Reported
 * per span: process CPU time (chdb works in this process; steadier than wall time on a shared
 * machine) and wall time; the ratio is on / off per round.
 *
 * Those three tables carry the stored columns alone. Two more are the store as `flightrec up` creates
 * it (storage/schema.ts allDdl: the session projection, the trace-id, session and calls materialized
 * views), with the mapping on and with it off (the same DDL, its stored columns' expressions then
 * replaced by the mapping-off ones): the cost per span a store's insert actually pays. The mapping
 * shows there too — mapped spans fill the projection's columns and flightrec_calls, unmapped ones do not.
 *
 * `--mix peers` inserts instead the spans real instrumentations make (bench/peer-spans.ts: the
 * OTel GenAI openai instrumentation, OpenInference, the Vercel AI SDK — 17 attributes a span on
 * average, tool arguments and results included), cycled to the same count. The default mix
 * (`shapes`) is the worst case for the ratio: a few attributes a span, so little else to store.
 *
 * `--batch` sets the spans per Native block (default 512, the OpenTelemetry SDK's export batch and so
 * the block each OTLP request becomes in flightrec's receiver); the contrib collector inserts each
 * batch its `batch` processor makes as one block (8192 in collector-config/otel-collector.yaml).
 * `--insert` sets the spans per INSERT (default: the receiver's largest, receiver/ingest-queue.ts
 * maxBatchRows; it inserts fewer when fewer wait): each insert also pays a fixed cost (the
 * expressions' analysis, a new part in every table the insert fills), which a whole round in one
 * insert would hide. The collector inserts one batch an insert: `--batch 8192 --insert 8192`.
 *
 *   npx node bench/dialect-mapping.ts [--rounds 5] [--spans 200000] [--mix shapes|peers] [--batch 512] [--insert 50000]
 */
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { Attributes } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { drainPending } from 'chdb';
import { protobufToNative } from '../receiver/native-span-writer.ts';
import { TRACE_INSERT_COLUMNS } from '../storage/trace-columns.ts';
import { DEFAULT_ROW_LIMITS } from '../receiver/span-rows.ts';
import { DEFAULT_INGEST_QUEUE_OPTIONS } from '../receiver/ingest-queue.ts';
import { derivedColumnsFor, storedColumnName, storedColumnTypes } from '../storage/derived-columns.ts';
import { allDdl, tracesTableDdl } from '../storage/schema.ts';
import { insertBody, openStore } from '../storage/store-client.ts';
import { tempDir } from '../tools/temp-dir.ts';
import { peerSpans } from './peer-spans.ts';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, spans: { type: 'string', default: '200000' }, mix: { type: 'string', default: 'shapes' }, batch: { type: 'string', default: '512' }, insert: { type: 'string', default: String(DEFAULT_INGEST_QUEUE_OPTIONS.maxBatchRows) } } });
if (args.mix !== 'shapes' && args.mix !== 'peers') throw new Error(`--mix shapes|peers, not ${args.mix}`);
const SPANS = Number(args.spans);
const BATCH = Number(args.batch);
if (!(Number.isInteger(BATCH) && BATCH > 0)) throw new Error(`--batch takes a positive whole number, not ${args.batch}`);
const INSERT = Number(args.insert);
if (!(Number.isInteger(INSERT) && INSERT >= BATCH)) throw new Error(`--insert takes a whole number of spans no smaller than --batch, not ${args.insert}`);
const sha = (x: string): string => createHash('sha256').update(x).digest('hex');

/** One span per dialect shape, cycled; attribute values vary per span so no column compresses to nothing. */
const SHAPES: readonly ((n: number) => [string, Attributes])[] = [
  (n) => ['chat gpt-5', { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5', 'gen_ai.usage.input_tokens': 100 + (n % 900), 'gen_ai.usage.output_tokens': n % 300, 'gen_ai.conversation.id': `c-${n % 997}` }],
  (n) => ['execute_tool send_email', { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'send_email', 'gen_ai.tool.call.id': `call-${n}`, 'gen_ai.tool.call.arguments': JSON.stringify({ to: `u${n}@acme.example` }), 'gen_ai.conversation.id': `c-${n % 997}` }],
  (n) => ['tools/call fetch_url', { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'fetch_url', 'jsonrpc.request.id': String(n), 'mcp.session.id': `s-${n % 31}` }],
  (n) => ['ChatCompletion', { 'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-5-mini', 'llm.token_count.prompt': n % 700, 'llm.token_count.completion': n % 70, 'session.id': `oi-${n % 997}` }],
  (n) => ['lookup_customer', { 'openinference.span.kind': 'TOOL', 'tool.name': 'lookup_customer', 'input.value': `{"id":${n}}`, 'session.id': `oi-${n % 997}` }],
  (n) => ['openai.chat', { 'llm.request.type': 'chat', 'gen_ai.request.model': 'gpt-4.1', 'gen_ai.usage.prompt_tokens': n % 500, 'traceloop.association.properties.session_id': `tl-${n % 997}` }],
  (n) => ['ai.toolCall', { 'ai.toolCall.name': 'http_post', 'ai.toolCall.id': `v-${n}`, 'ai.toolCall.args': `{"url":"https://hooks.example/${n}"}` }],
  (n) => ['execute_tool refund', { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'refund', 'flightrec.record': 'touched', 'flightrec.step': 'tool', 'flightrec.effect': 'payment', 'flightrec.risk': 'critical', 'flightrec.arguments.sha256': sha(`r${n}`), 'gen_ai.conversation.id': `fr-${n % 997}` }],
];

/** The peers' spans, cycled to SPANS, as the receiver's Native blocks. */
async function peerBodies(): Promise<Buffer[]> {
  const spans = await peerSpans();
  const parts: Buffer[] = [];
  for (let n = 0; n < SPANS; n += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, SPANS - n) }, (_, i) => spans[(n + i) % spans.length]!);
    parts.push(protobufToNative(Buffer.from(ProtobufTraceSerializer.serializeRequest(batch)!), DEFAULT_ROW_LIMITS).data);
  }
  return parts;
}

async function bodies(): Promise<Buffer[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'mixed-agents' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = provider.getTracer('bench');
  const parts: Buffer[] = [];
  for (let n = 0; n < SPANS; n++) {
    const [name, attributes] = SHAPES[n % SHAPES.length]!(n);
    tracer.startSpan(name, { attributes }).end();
    if ((n + 1) % BATCH === 0 || n === SPANS - 1) {
      const body = ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!;
      parts.push(protobufToNative(Buffer.from(body), DEFAULT_ROW_LIMITS).data);
      memory.reset();
    }
  }
  await provider.shutdown();
  return parts;
}

/** Whole blocks grouped into inserts of at most INSERT spans. */
function inserts(blocks: readonly Buffer[]): Buffer[] {
  const perInsert = Math.floor(INSERT / BATCH);
  return Array.from({ length: Math.ceil(blocks.length / perInsert) }, (_, i) => Buffer.concat(blocks.slice(i * perInsert, (i + 1) * perInsert)));
}

const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');
const payload = inserts(args.mix === 'peers' ? await peerBodies() : await bodies());
const bytes = payload.reduce((n, b) => n + b.length, 0);
console.log(`dialect mapping at insert — ${SPANS.toLocaleString('en-US')} spans ${args.mix === 'peers' ? 'as the peers make them' : `of ${SHAPES.length} shapes`} a round, in ${payload.length} inserts of up to ${(Math.floor(INSERT / BATCH) * BATCH).toLocaleString('en-US')} in blocks of ${BATCH} (Native, ${(bytes / SPANS).toFixed(0)} B/span); load ${load()}`);

const dir = tempDir('flightrec-bench-');
const client = await openStore({ kind: 'embedded', path: dir.path });
const TABLES = {
  bare: "exporter's bare table",
  off: 'stored columns, mapping off',
  on: 'stored columns, mapping on',
  storeoff: 'whole store, mapping off',
  storeon: 'whole store, mapping on',
} as const;
const storedFor = (foreign: boolean) => derivedColumnsFor(undefined, { foreign }).filter((c) => storedColumnTypes[c.name]);
try {
  for (const [db, foreign] of [['bare', undefined], ['off', false], ['on', true]] as const) {
    await client.command({ query: `CREATE DATABASE ${db}` });
    await client.command({ query: tracesTableDdl({ database: db, ttlDays: 0 }) });
    if (foreign === undefined) continue;
    await client.command({ query: `ALTER TABLE ${db}.otel_traces ${storedFor(foreign).map((c) => `ADD COLUMN ${storedColumnName(c.name)} ${storedColumnTypes[c.name]} MATERIALIZED ${c.sql} CODEC(ZSTD(1))`).join(', ')}` });
  }
  for (const [db, foreign] of [['storeoff', false], ['storeon', true]] as const) {
    for (const statement of allDdl({ database: db, ttlDays: 0 })) await client.command({ query: statement });
    if (!foreign) await client.command({ query: `ALTER TABLE ${db}.otel_traces ${storedFor(false).map((c) => `MODIFY COLUMN ${storedColumnName(c.name)} ${storedColumnTypes[c.name]} MATERIALIZED ${c.sql}`).join(', ')}` });
  }
  // Background merges would bill one table's earlier inserts to another's round.
  await client.command({ query: 'SYSTEM STOP MERGES' });
  const cpu = new Map<keyof typeof TABLES, number[]>();
  const wall = new Map<keyof typeof TABLES, number[]>();
  for (let round = 0; round < Number(args.rounds); round++) {
    // Every other round in reverse, so no table always follows the same one.
    const order = Object.keys(TABLES) as (keyof typeof TABLES)[];
    for (const db of round % 2 ? order.reverse() : order) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (const body of payload) await insertBody(client, { database: db, table: 'otel_traces', columns: TRACE_INSERT_COLUMNS, format: 'Native', body });
      const c = process.cpuUsage(c0);
      wall.set(db, [...(wall.get(db) ?? []), (performance.now() - t0) * 1000 / SPANS]);
      cpu.set(db, [...(cpu.get(db) ?? []), (c.user + c.system) / SPANS]);
    }
    console.log(`  round ${round + 1} done (load ${load()})`);
  }
  const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(2).padStart(6)).join(' ');
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  /**
   * A 95 % interval for the median of the per-round ratios that assumes nothing of their spread
   * (order statistics: the median lies below the k-th smallest of n values with the binomial
   * probability P(Bin(n, ½) < k), kept at 2.5 % or less at each end). Rounds scatter far more than
   * the 10 % in question on a shared machine; "under 1.10" is firm only when the interval's upper
   * end is.
   */
  const medianInterval = (xs: number[]): string => {
    const n = xs.length, sorted = [...xs].sort((a, b) => a - b);
    let k = 0, tail = 0;
    for (let c = 1, i = 0; i < n; c = (c * (n - i)) / (i + 1), i++) {
      tail += c / 2 ** n;
      if (tail > 0.025) break;
      k = i + 1;
    }
    return k === 0 ? 'too few rounds for a 95 % interval' : `95 % interval ${sorted[k - 1]!.toFixed(2)}–${sorted[n - k]!.toFixed(2)}`;
  };
  for (const [name, m] of [['CPU', cpu], ['wall', wall]] as const) {
    for (const [db, label] of Object.entries(TABLES) as [keyof typeof TABLES, string][]) console.log(`  ${name.padEnd(4)} ${label.padEnd(30)} ${fmt(m.get(db)!)} µs/span (median ${median(m.get(db)!).toFixed(2)})`);
    const on = m.get('on')!, off = m.get('off')!, bare = m.get('bare')!;
    const ratios = on.map((x, i) => x / off[i]!);
    console.log(`  ${name.padEnd(4)} mapping on / off, per round:  ${fmt(ratios)} (median ${median(ratios).toFixed(2)}, ${medianInterval(ratios)})`);
    console.log(`  ${name.padEnd(4)} mapping on / bare, per round: ${fmt(on.map((x, i) => x / bare[i]!))}`);
    const storeRatios = m.get('storeon')!.map((x, i) => x / m.get('storeoff')![i]!);
    console.log(`  ${name.padEnd(4)} whole store on / off, per round: ${fmt(storeRatios)} (median ${median(storeRatios).toFixed(2)}, ${medianInterval(storeRatios)})`);
  }
  for (const db of ['on', 'storeoff', 'storeon']) {
    const cnt = await client.query({ query: `SELECT countIf(FrRecord != '') AS mapped, count() AS n FROM ${db}.otel_traces`, format: 'JSONEachRow' });
    console.log(`  check: ${JSON.stringify((await cnt.json())[0])} spans mapped to a record in the '${db}' table`);
  }
  for (const db of ['storeoff', 'storeon']) {
    const calls = await client.query({ query: `SELECT count() AS calls FROM ${db}.flightrec_calls`, format: 'JSONEachRow' });
    console.log(`  check: ${JSON.stringify((await calls.json())[0])} rows in '${db}'.flightrec_calls`);
  }
} finally {
  await client.close();
  await drainPending();
  dir.cleanup();
}
