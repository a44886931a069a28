/**
 * Spans written as a given instrumentation writes them (its tracer name, its attributes), at times
 * given in seconds after a base, with parent links and error statuses as scripted, exported over
 * OTLP/HTTP to a test server — for tests that build a store span by span.
 */
import { context, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { chTime } from '../../cli/commands/export.ts';

export interface SpanOptions {
  readonly parent?: Span;
  /** The span's status is error (with this message, or 'failed'). */
  readonly error?: boolean | string;
  readonly kind?: number;
}

export interface ScriptedSpans {
  /** An instrumentation's tracer, named as that instrumentation names it. */
  tracer(name: string): Tracer;
  /** One span from `start` to `end` seconds after the base time. */
  emit(tracer: Tracer, name: string, start: number, end: number, attributes: Attributes, o?: SpanOptions): Span;
  /** Exports every span and shuts the provider down. */
  send(): Promise<void>;
}

export function scriptedSpans(otlpUrl: string, service: string, base: number): ScriptedSpans {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${otlpUrl}/v1/traces` }) })],
  });
  const at = (s: number): number => base + s * 1000;
  return {
    tracer: (name) => provider.getTracer(name),
    emit(tracer, name, start, end, attributes, o = {}) {
      const s = tracer.startSpan(name, { startTime: at(start), attributes, kind: o.kind }, o.parent ? trace.setSpan(context.active(), o.parent) : context.active());
      if (o.error) s.setStatus({ code: SpanStatusCode.ERROR, message: typeof o.error === 'string' ? o.error : 'failed' });
      s.end(at(end));
      return s;
    },
    async send() {
      await provider.forceFlush();
      await provider.shutdown();
    },
  };
}

/** A saved query's from / to: a minute before the base time to a minute from now. */
export function rangeAround(base: number): Record<string, string> {
  return { from: chTime(new Date(base - 60_000)).slice(0, 23), to: chTime(new Date(Date.now() + 60_000)).slice(0, 23) };
}
