/**
 * Which OTLP encoding init()'s exporter should use, by CPU per span: the JSON and protobuf trace
 * serialisers of @opentelemetry/otlp-transformer (what exporter-trace-otlp-http and
 * exporter-trace-otlp-proto run) on the same batches of wrapped tool-call spans, interleaved in one
 * process, with capture off and with redacted content (1 KB of arguments).
 *
 *   npx node bench/instrumentation-otlp-encoding.ts [--rounds 7]
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { createPipeline } from '../instrumentation/pipeline.ts';
import { configure } from '../instrumentation/settings.ts';
import { wrapTool } from '../instrumentation/record-tool.ts';
import type { CaptureMode } from '../instrumentation/semconv.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } });
const ROUNDS = Number(values.rounds);

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const batches: ReadableSpan[][] = [];
const keep: SpanExporter = {
  export(spans, cb) {
    batches.push(spans);
    cb({ code: 0 });
  },
  async shutdown() {},
};
const pipeline = createPipeline({ exporter: keep });
const provider = new TracerProvider({ spanProcessors: pipeline.spanProcessors });
const args = {
  to: 'ann.lee@example.com',
  subject: 'Quarterly invoice reminder for account 2026-Q4',
  body: 'Hello Ann,\n\nThis is a reminder that the invoice for the fourth quarter is due at the end of the month. '.repeat(7).slice(0, 820),
  cc: ['billing-team', 'accounts-receivable'],
  priority: 'normal',
  attachments: [{ name: 'invoice-2026-q4.pdf', bytes: 48211 }],
};
const serialisers = { json: JsonTraceSerializer, protobuf: ProtobufTraceSerializer } as const;

console.log(`node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const mode of ['none', 'redacted'] as CaptureMode[]) {
  batches.length = 0;
  configure({ tracer: provider.getTracer('bench'), tools: { send_email: { effect: 'send', risk: 'high', targetSystem: 'smtp', reversible: false } }, captureMode: mode, redactor: pipeline.redactor, exportRedaction: true });
  const fn = wrapTool((a: typeof args) => ({ id: 'msg-1', bytes: a.body.length }), { name: 'send_email' });
  for (let i = 0; i < 512; i++) fn(args);
  await provider.forceFlush();
  const spans = batches.flat();
  const cpu: Record<string, number[]> = { json: [], protobuf: [] };
  const bytes: Record<string, number> = {};
  for (let r = 0; r <= ROUNDS; r++) {
    for (const [name, s] of Object.entries(serialisers)) {
      const c0 = process.cpuUsage();
      for (let k = 0; k < 10; k++) bytes[name] = s.serializeRequest(spans)!.length;
      const c = process.cpuUsage(c0);
      if (r > 0) cpu[name]!.push((c.user + c.system) / 10 / spans.length); // round 0 warms up
    }
  }
  for (const name of Object.keys(serialisers)) {
    const xs = cpu[name]!.sort((a, b) => a - b);
    console.log(`capture ${mode.padEnd(8)} ${name.padEnd(9)} ${xs[Math.floor(xs.length / 2)]!.toFixed(2).padStart(6)} µs CPU/span (median of ${ROUNDS}), ${(bytes[name]! / spans.length).toFixed(0)} B/span`);
  }
}
await provider.shutdown();
