/**
 * Cost of a flightrec-wrapped tool call against a hand-written `tracer.startActiveSpan` doing the
 * same (same attributes, same canonical-JSON SHA-256 of the arguments, same content), side by
 * side in one run, 1 KB of arguments, both through the same flightrec pipeline with redaction on
 * (batch processor, redaction stage, exporter). CPU is process CPU time (user+system, so GC
 * threads count) per call, including the batch export, redaction and — unless `--exporter
 * accept` — the OTLP serialisation of every span (default JSON, what init()'s OTLP/HTTP exporter
 * sends; the bytes are made and dropped: no network, so the HTTP send itself is not counted).
 * Each round ends with a flush. Rounds are interleaved in a shuffled order (seeded), so that the
 * garbage one variant leaves for the next to collect is not always charged to the same one.
 *
 * Also measured, as the floor: `otelSpan`, the bare OpenTelemetry SDK span with the same
 * attribute values precomputed (no hashing, no redaction, no flightrec code), through a plain
 * BatchSpanProcessor and the same exporter.
 *
 * `--compare DIR` also loads the instrumentation of another checkout (e.g. a worktree of main)
 * and runs its wrapped and hand-written variants interleaved in the same process, so old and new
 * code are measured under the same load.
 *
 *   npx node bench/instrumentation-overhead.ts [--calls 2000] [--rounds 15]
 *     [--exporter json|protobuf|accept] [--compare ../main-baseline] [--modes none,redacted]
 */
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { context, SpanStatusCode, type Attributes, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BatchSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { Flightrec, GenAI, type CaptureMode } from '../instrumentation/semconv.ts';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '15' },
    exporter: { type: 'string', default: 'json' },
    compare: { type: 'string' },
    modes: { type: 'string', default: 'none,redacted' },
  },
});
const CALLS = Number(values.calls);
const ROUNDS = Number(values.rounds);
const EXPORTER = values.exporter!;
if (!['protobuf', 'json', 'accept'].includes(EXPORTER)) throw new Error(`--exporter: protobuf, json or accept, not ${EXPORTER}`);
// The batch processor drops spans beyond its queue (2,048): keep a round within it, or the cost of the dropped ones is not counted.
if (CALLS > 2048) throw new Error('--calls: at most 2048 (the batch queue size)');

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

let exported = 0;
let exportedBytes = 0;
/** Accepts everything; serialises each batch to OTLP bytes first as an OTLP exporter would. */
function makeExporter(): SpanExporter {
  const serialise: ((spans: ReadableSpan[]) => Uint8Array | undefined) | undefined =
    EXPORTER === 'protobuf' ? (s) => ProtobufTraceSerializer.serializeRequest(s) : EXPORTER === 'json' ? (s) => JsonTraceSerializer.serializeRequest(s) : undefined;
  return {
    export(spans, cb) {
      exported += spans.length;
      if (serialise) exportedBytes += serialise(spans)?.length ?? 0;
      cb({ code: 0 });
    },
    async shutdown() {},
  };
}

/** The parts of an instrumentation checkout the bench drives. */
interface Impl {
  readonly label: string;
  readonly pipeline: typeof import('../instrumentation/pipeline.ts');
  readonly settings: typeof import('../instrumentation/settings.ts');
  readonly tool: typeof import('../instrumentation/record-tool.ts');
  readonly hash: typeof import('../instrumentation/canonical-hash.ts');
}

async function loadImpl(label: string, root: string): Promise<Impl> {
  const url = (p: string): string => pathToFileURL(resolve(root, p)).href;
  return {
    label,
    pipeline: await import(url('instrumentation/pipeline.ts')),
    settings: await import(url('instrumentation/settings.ts')),
    tool: await import(url('instrumentation/record-tool.ts')),
    hash: await import(url('instrumentation/canonical-hash.ts')),
  };
}

const here = resolve(import.meta.dirname, '..');
const impls: Impl[] = [await loadImpl('', here)];
if (values.compare) impls.push(await loadImpl('(compare)', values.compare));

const tools = { send_email: { effect: 'send', risk: 'high', targetSystem: 'smtp', reversible: false } } as const;

/** ~1 KB of realistic tool arguments (with one email address for the redactor to find). */
const args = {
  to: 'ann.lee@example.com',
  subject: 'Quarterly invoice reminder for account 2026-Q4',
  body: 'Hello Ann,\n\nThis is a reminder that the invoice for the fourth quarter is due at the end of the month. '.repeat(7).slice(0, 820),
  cc: ['billing-team', 'accounts-receivable'],
  priority: 'normal',
  attachments: [{ name: 'invoice-2026-q4.pdf', bytes: 48211 }],
};
type Args = typeof args;
const argBytes = Buffer.byteLength(JSON.stringify(args));

function realTool(a: Args): { id: string; bytes: number } {
  return { id: 'msg-1', bytes: a.body.length };
}

interface Rig {
  readonly impl: Impl;
  readonly provider: TracerProvider;
  readonly tracer: Tracer;
  readonly pipeline: ReturnType<Impl['pipeline']['createPipeline']>;
}

const rigs: Rig[] = impls.map((impl) => {
  const pipeline = impl.pipeline.createPipeline({ exporter: makeExporter() });
  const provider = new TracerProvider({ spanProcessors: pipeline.spanProcessors });
  return { impl, provider, pipeline, tracer: provider.getTracer('bench') };
});
// The floor: the SDK alone, no flightrec processors or redaction stage, the same exporter.
const floorProvider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: makeExporter() })] });
const floorTracer = floorProvider.getTracer('bench');
const providers = [...rigs.map((r) => r.provider), floorProvider];

function staticAttributes(sha: string): Attributes {
  return {
    [GenAI.operationName]: 'execute_tool',
    [GenAI.toolName]: 'send_email',
    [GenAI.toolType]: 'function',
    [Flightrec.record]: 'touched',
    [Flightrec.step]: 'tool',
    [Flightrec.effect]: 'send',
    [Flightrec.risk]: 'high',
    [Flightrec.targetSystem]: 'smtp',
    [Flightrec.reversible]: false,
    [Flightrec.argumentsSha256]: sha,
  };
}

function handWritten(rig: Rig, capture: CaptureMode): (a: Args) => { id: string; bytes: number } {
  const { tracer } = rig;
  const hashCanonical = rig.impl.hash.hashCanonical;
  return (a) => tracer.startActiveSpan('execute_tool send_email', {
    attributes: {
      ...staticAttributes(hashCanonical(a)),
      [GenAI.toolCallId]: randomUUID(),
      // the same content the wrapper captures; the shared export stage redacts it
      ...(capture === 'none' ? {} : { [GenAI.toolCallArguments]: JSON.stringify(a) }),
    },
  }, (span) => {
    try {
      const r = realTool(a);
      span.setAttribute(Flightrec.outcome, 'ok');
      if (capture !== 'none') span.setAttributes({ [GenAI.toolCallResult]: JSON.stringify(r), [Flightrec.contentCapture]: capture });
      return r;
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The bare SDK span: attribute values computed once, outside the measured call. */
function otelSpan(capture: CaptureMode): (a: Args) => { id: string; bytes: number } {
  const start: Attributes = {
    ...staticAttributes(rigs[0]!.impl.hash.hashCanonical(args)),
    ...(capture === 'none' ? {} : { [GenAI.toolCallArguments]: JSON.stringify(args) }),
  };
  const result = JSON.stringify(realTool(args));
  return (a) => floorTracer.startActiveSpan('execute_tool send_email', { attributes: { ...start, [GenAI.toolCallId]: randomUUID() } }, (span) => {
    const r = realTool(a);
    span.setAttribute(Flightrec.outcome, 'ok');
    if (capture !== 'none') span.setAttributes({ [GenAI.toolCallResult]: result, [Flightrec.contentCapture]: capture });
    span.end();
    return r;
  });
}

async function timeRound(fn: (a: Args) => unknown): Promise<{ wallUs: number; cpuUs: number }> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) fn(args);
  // include batch export, redaction and serialisation in the cost
  for (const p of providers) await p.forceFlush();
  const wall = Number(process.hrtime.bigint() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wallUs: wall / CALLS, cpuUs: (c.user + c.system) / CALLS };
}

let seed = 0x3c6ef372;
function shuffle<T>(xs: T[]): void {
  for (let i = xs.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const j = seed % (i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

async function scenario(capture: CaptureMode): Promise<void> {
  const variants: Record<string, (a: Args) => unknown> = { bare: realTool, otelSpan: otelSpan(capture) };
  for (const rig of rigs) {
    rig.impl.settings.configure({ tracer: rig.tracer, tools, captureMode: capture, redactor: rig.pipeline.redactor, exportRedaction: true });
    variants[`handWritten${rig.impl.label}`] = handWritten(rig, capture);
    variants[`wrapped${rig.impl.label}`] = rig.impl.tool.wrapTool(realTool, { name: 'send_email' });
  }
  const loadBefore = load();
  // warm-up
  for (const fn of Object.values(variants)) await timeRound(fn);
  const res: Record<string, { wall: number[]; cpu: number[] }> = {};
  const order = Object.entries(variants);
  for (let r = 0; r < ROUNDS; r++) {
    // interleaved so drift (GC, JIT, frequency, other processes) hits all alike; shuffled so no
    // variant always follows the same one
    shuffle(order);
    for (const [name, fn] of order) {
      const m = await timeRound(fn);
      (res[name] ??= { wall: [], cpu: [] }).wall.push(m.wallUs);
      res[name]!.cpu.push(m.cpuUs);
    }
  }
  const cpu = (name: string): number => median(res[name]!.cpu);
  const bare = cpu('bare');
  const pct = (us: number): string => `${((us - bare) / 10).toFixed(2)} %`;
  console.log(`\ncapture mode "${capture}", redaction on, exporter ${EXPORTER}, ${argBytes} B of arguments, ${CALLS} calls × ${ROUNDS} rounds (medians); load average ${loadBefore} → ${load()}:`);
  console.log(`  ${'variant'.padEnd(22)} ${'µs wall/call'.padStart(12)} ${'µs CPU/call'.padStart(12)} ${'(best round)'.padStart(12)} ${'CPU at 1,000 calls/s'.padStart(21)}`);
  for (const name of Object.keys(variants)) {
    const v = res[name]!;
    console.log(`  ${name.padEnd(22)} ${median(v.wall).toFixed(2).padStart(12)} ${median(v.cpu).toFixed(2).padStart(12)} ${Math.min(...v.cpu).toFixed(2).padStart(12)} ${pct(median(v.cpu)).padStart(21)}`);
  }
  // per-call telemetry CPU: the variant minus the bare tool (and the fixed per-round collection)
  const net = (name: string): number => cpu(name) - bare;
  for (const { impl } of rigs) {
    const wr = net(`wrapped${impl.label}`);
    const hw = net(`handWritten${impl.label}`);
    console.log(`  wrapped${impl.label} / handWritten${impl.label}: ${(wr / hw).toFixed(2)}× (goal ≤ 1.3×); wrapped ${wr.toFixed(1)} µs = ${pct(cpu(`wrapped${impl.label}`))} of one core at 1,000 calls/s (goal < 2 %); bare SDK span ${net('otelSpan').toFixed(1)} µs`);
  }
  if (rigs.length > 1) {
    const l = rigs[1]!.impl.label;
    console.log(`  wrapped / wrapped${l}: ${(net('wrapped') / net(`wrapped${l}`)).toFixed(2)}×;  handWritten / handWritten${l}: ${(net('handWritten') / net(`handWritten${l}`)).toFixed(2)}×`);
  }
}

console.log(`node ${process.version}, ${process.platform}/${process.arch}${values.compare ? `; compare = ${resolve(values.compare)}` : ''}`);
for (const mode of values.modes!.split(',')) await scenario(mode.trim() as CaptureMode);
for (const p of providers) await p.shutdown();
console.log(`\n(exported ${exported} spans${exportedBytes ? `, ${(exportedBytes / exported).toFixed(0)} B each as OTLP ${EXPORTER}` : ''})`);
