/**
 * Containment for the export pipeline: a span processor or exporter that throws must not reach the
 * agent (processors run inside span.start/end on the agent's call path) nor the batch timer.
 * init() wraps every processor and the exporter in these.
 */
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { noteTelemetryError } from './telemetry-errors.ts';

type ExportCallback = Parameters<SpanExporter['export']>[1];
/** ExportResultCode.FAILED in @opentelemetry/core (not a direct dependency). */
const FAILED = 1;

async function settle(where: string, work: () => Promise<void> | undefined): Promise<void> {
  try {
    await work();
  } catch (err) {
    noteTelemetryError(where, err);
  }
}

export class ContainedSpanProcessor implements SpanProcessor {
  readonly #inner: SpanProcessor;
  constructor(inner: SpanProcessor) {
    this.#inner = inner;
  }
  onStart(span: Span, parentContext: Context): void {
    try {
      this.#inner.onStart(span, parentContext);
    } catch (err) {
      noteTelemetryError('processor.onStart', err);
    }
  }
  onEnding(span: Span): void {
    try {
      this.#inner.onEnding?.(span);
    } catch (err) {
      noteTelemetryError('processor.onEnding', err);
    }
  }
  onEnd(span: ReadableSpan): void {
    try {
      this.#inner.onEnd(span);
    } catch (err) {
      noteTelemetryError('processor.onEnd', err);
    }
  }
  forceFlush(): Promise<void> {
    return settle('processor.forceFlush', () => this.#inner.forceFlush());
  }
  shutdown(): Promise<void> {
    return settle('processor.shutdown', () => this.#inner.shutdown());
  }
}

export class ContainedSpanExporter implements SpanExporter {
  readonly #inner: SpanExporter;
  constructor(inner: SpanExporter) {
    this.#inner = inner;
  }
  export(spans: ReadableSpan[], resultCallback: ExportCallback): void {
    let called = false;
    const once: ExportCallback = (r) => {
      if (called) return;
      called = true;
      if (r.code === FAILED) noteTelemetryError('exporter.result', r.error ?? new Error('export failed'));
      resultCallback(r);
    };
    try {
      this.#inner.export(spans, once);
    } catch (err) {
      noteTelemetryError('exporter.export', err);
      once({ code: FAILED, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }
  shutdown(): Promise<void> {
    return settle('exporter.shutdown', () => this.#inner.shutdown());
  }
  forceFlush(): Promise<void> {
    return settle('exporter.forceFlush', () => this.#inner.forceFlush?.());
  }
}
