/**
 * Real OpenTelemetry SDK spans and real OTLP exporters, for receiver tests.
 */
import { SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';

type ExportResult = Parameters<Parameters<SpanExporter['export']>[1]>[0];

/** `count` finished spans from a real tracer, each with a distinct span id; every 7th one fails. */
export async function makeSpans(count: number, serviceName = 'test-agent', extra: Attributes = {}): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'host.name': 'test-host' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('receiver-test', '1.0.0');
  for (let i = 0; i < count; i++) {
    const span = tracer.startSpan(`op-${i % 5}`, {
      kind: SpanKind.INTERNAL,
      attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'send_email', seq: i, ratio: i / 4, ok: i % 2 === 0, tags: ['a', 'b'], ...extra },
    });
    span.addEvent('step', { n: i });
    if (i % 7 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: 'failed on purpose' });
    span.end();
  }
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

/** Export one batch and wait for the exporter's verdict (after its own retries). */
export function exportBatch(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

/** ExportResultCode.SUCCESS is 0 (@opentelemetry/core, not a direct dependency). */
export const succeeded = (r: ExportResult): boolean => r.code === 0;
