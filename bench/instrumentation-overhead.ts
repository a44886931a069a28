/**
 * Cost of a flightrec-wrapped tool call against a hand-written `tracer.startActiveSpan` doing the
 * same (same attributes, same canonical-JSON SHA-256 of the arguments), side by side in one run,
 * 1 KB of arguments, both through the same flightrec pipeline with redaction on (batch processor,
 * redaction stage, an exporter that accepts everything). CPU is process CPU time (user+system)
 * per call, including the batch export and redaction work (each round ends with a flush).
 *
 *   npx node bench/instrumentation-overhead.ts [--calls 2000] [--rounds 15]
 */
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { context, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { createPipeline } from '../instrumentation/pipeline.ts';
import { configure } from '../instrumentation/settings.ts';
import { wrapTool } from '../instrumentation/record-tool.ts';
import { hashCanonical } from '../instrumentation/canonical-hash.ts';
import { Flightrec, GenAI, type CaptureMode } from '../instrumentation/semconv.ts';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '15' } } });
const CALLS = Number(values.calls);
const ROUNDS = Number(values.rounds);

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

let exported = 0;
const acceptAll: SpanExporter = {
  export(spans, cb) {
    exported += spans.length;
    cb({ code: 0 });
  },
  async shutdown() {},
};

const pipeline = createPipeline({ exporter: acceptAll });
const provider = new TracerProvider({ spanProcessors: pipeline.spanProcessors });
const tracer: Tracer = provider.getTracer('bench');
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
const argBytes = Buffer.byteLength(JSON.stringify(args));

function realTool(a: typeof args): { id: string; bytes: number } {
  return { id: 'msg-1', bytes: a.body.length };
}

function handWritten(capture: CaptureMode): (a: typeof args) => { id: string; bytes: number } {
  return (a) => tracer.startActiveSpan('execute_tool send_email', {
    attributes: {
      [GenAI.operationName]: 'execute_tool',
      [GenAI.toolName]: 'send_email',
      [GenAI.toolCallId]: randomUUID(),
      [GenAI.toolType]: 'function',
      [Flightrec.record]: 'touched',
      [Flightrec.step]: 'tool',
      [Flightrec.effect]: 'send',
      [Flightrec.risk]: 'high',
      [Flightrec.targetSystem]: 'smtp',
      [Flightrec.reversible]: false,
      [Flightrec.argumentsSha256]: hashCanonical(a),
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

async function timeRound(fn: (a: typeof args) => unknown): Promise<{ wallUs: number; cpuUs: number }> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) fn(args);
  await provider.forceFlush(); // include batch export + redaction in the cost
  const wall = Number(process.hrtime.bigint() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wallUs: wall / CALLS, cpuUs: (c.user + c.system) / CALLS };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function scenario(capture: CaptureMode): Promise<void> {
  configure({ tracer, tools, captureMode: capture, redactor: pipeline.redactor, exportRedaction: true });
  const variants: Record<string, (a: typeof args) => unknown> = {
    bare: realTool,
    handWritten: handWritten(capture),
    wrapped: wrapTool(realTool, { name: 'send_email' }),
  };
  // warm-up
  for (const fn of Object.values(variants)) await timeRound(fn);
  const res: Record<string, { wall: number[]; cpu: number[] }> = {};
  for (let r = 0; r < ROUNDS; r++) {
    // interleaved so drift (GC, JIT, frequency) hits both alike
    for (const [name, fn] of Object.entries(variants)) {
      const m = await timeRound(fn);
      (res[name] ??= { wall: [], cpu: [] }).wall.push(m.wallUs);
      res[name]!.cpu.push(m.cpuUs);
    }
  }
  const bare = median(res.bare!.cpu);
  const hw = median(res.handWritten!.cpu);
  const wr = median(res.wrapped!.cpu);
  const line = (name: string, v: { wall: number[]; cpu: number[] }) =>
    `  ${name.padEnd(12)} ${median(v.wall).toFixed(2).padStart(7)} µs wall/call ${median(v.cpu).toFixed(2).padStart(7)} µs CPU/call`;
  console.log(`\ncapture mode "${capture}", redaction on, ${argBytes} B of arguments, ${CALLS} calls × ${ROUNDS} rounds (medians):`);
  for (const [name, v] of Object.entries(res)) console.log(line(name, v));
  const overheadHw = hw - bare;
  const overheadWr = wr - bare;
  console.log(`  wrapped / hand-written (per call, CPU):        ${(wr / hw).toFixed(2)}×   (goal ≤ 1.3×)`);
  console.log(`  wrapped / hand-written (telemetry part only):  ${(overheadWr / overheadHw).toFixed(2)}×`);
  console.log(`  CPU at 1,000 tool calls/s, wrapped:            ${(overheadWr / 10).toFixed(2)} % of one core  (goal < 2 %)`);
  console.log(`  CPU at 1,000 tool calls/s, hand-written:       ${(overheadHw / 10).toFixed(2)} % of one core`);
}

console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
await scenario('none');
await scenario('redacted');
await provider.shutdown();
console.log(`\n(exported ${exported} spans)`);
