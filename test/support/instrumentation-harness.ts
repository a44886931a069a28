/**
 * A flightrec pipeline on an in-memory exporter for instrumentation tests: the real pipeline
 * (agent-scope processor, contained processors, redaction stage) with SimpleSpanProcessor, a
 * TracerProvider of its own, and an AsyncLocalStorage context manager so active spans propagate.
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, TracerProvider, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { createPipeline } from '../../instrumentation/pipeline.ts';
import type { RedactionConfig } from '../../instrumentation/redaction/default-redactor.ts';
import type { CaptureMode } from '../../instrumentation/semconv.ts';
import { configure, resetSettings } from '../../instrumentation/settings.ts';
import { resetTelemetryErrors } from '../../instrumentation/telemetry-errors.ts';
import type { ToolCatalogue } from '../../instrumentation/tool-catalogue.ts';

let contextManagerSet = false;

export interface HarnessOptions {
  readonly captureMode?: CaptureMode;
  readonly tools?: ToolCatalogue;
  readonly redaction?: RedactionConfig | false;
  readonly spanProcessors?: SpanProcessor[];
  /** Export through this instead of the in-memory exporter (which still gets nothing then). */
  readonly exporter?: SpanExporter;
}

export interface Harness {
  readonly memory: InMemorySpanExporter;
  readonly provider: TracerProvider;
  /** Finished spans after a flush. */
  spans(): Promise<ReadableSpan[]>;
  one(name: string): Promise<ReadableSpan>;
  shutdown(): Promise<void>;
}

export function harness(opts: HarnessOptions = {}): Harness {
  if (!contextManagerSet) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextManagerSet = true;
  }
  resetSettings();
  resetTelemetryErrors();
  const memory = new InMemorySpanExporter();
  const pipeline = createPipeline({ exporter: opts.exporter ?? memory, simple: true, redaction: opts.redaction, spanProcessors: opts.spanProcessors });
  const provider = new TracerProvider({ spanProcessors: pipeline.spanProcessors });
  configure({ tracer: provider.getTracer('flightrec-test'), captureMode: opts.captureMode ?? 'none', tools: opts.tools, redactor: pipeline.redactor, exportRedaction: pipeline.redactor !== undefined });
  const spans = async (): Promise<ReadableSpan[]> => {
    await provider.forceFlush();
    return memory.getFinishedSpans();
  };
  return {
    memory,
    provider,
    spans,
    async one(name) {
      const matching = (await spans()).filter((s) => s.name === name);
      if (matching.length !== 1) throw new Error(`expected one span named "${name}", found ${matching.length}: ${(await spans()).map((s) => s.name).join(', ')}`);
      return matching[0]!;
    },
    shutdown: () => provider.shutdown(),
  };
}

export function parentId(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

export function spanId(span: ReadableSpan): string {
  return span.spanContext().spanId;
}
