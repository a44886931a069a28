/**
 * A tracer that keeps the spans it ends, in order, and exports nothing: for recording scenarios
 * (or single recorder calls) to look at the spans themselves, or to serialise them as a request.
 */
import type { Attributes, Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION } from '../instrumentation/settings.ts';

export interface InMemoryTracer {
  readonly tracer: Tracer;
  /** Every span ended so far. */
  readonly spans: ReadableSpan[];
}

/** `resource`: the resource attributes the spans carry (service.name, …); the SDK's defaults otherwise. */
export function inMemoryTracer(resource?: Attributes): InMemoryTracer {
  const spans: ReadableSpan[] = [];
  const provider = new TracerProvider({
    ...(resource ? { resource: resourceFromAttributes(resource) } : {}),
    spanProcessors: [{ onStart: () => undefined, onEnd: (span) => void spans.push(span), forceFlush: async () => undefined, shutdown: async () => undefined }],
  });
  return { tracer: provider.getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION), spans };
}
