/**
 * The export stage of redaction: wraps any SpanExporter and hands it copies of the spans with
 * attributes, event attributes (exception messages!) and status messages redacted — or the span
 * itself when nothing in it needed replacing. It runs in the batch, off the agent's call path. A
 * span that cannot be redacted is not exported (fail closed).
 */
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { noteTelemetryError } from '../telemetry-errors.ts';
import { redactAttributes } from './redact-attributes.ts';
import type { Redactor } from './redactor.ts';

type ExportCallback = Parameters<SpanExporter['export']>[1];

/** A status message that cannot be scanned (a rule failed, or the time budget ran out) is replaced whole. */
function redactMessage(redactor: Redactor, message: string): string {
  try {
    return redactor.redactText(message).value;
  } catch (err) {
    noteTelemetryError('redaction.status.message', err);
    return redactor.replacement;
  }
}

export function redactSpan(redactor: Redactor, span: ReadableSpan): ReadableSpan {
  const onError = (key: string, err: unknown): void => noteTelemetryError(`redaction.${key}`, err);
  const attributes = redactAttributes(redactor, span.attributes, onError).attributes;
  let eventsChanged = false;
  const events = span.events.length === 0 ? span.events : span.events.map((e) => {
    if (!e.attributes) return e;
    const a = redactAttributes(redactor, e.attributes, onError).attributes;
    if (a === e.attributes) return e;
    eventsChanged = true;
    return { ...e, attributes: a };
  });
  const message = span.status.message ? redactMessage(redactor, span.status.message) : span.status.message;
  // Nothing to replace (the common case for spans without content): export the span itself.
  if (attributes === span.attributes && !eventsChanged && message === span.status.message) return span;
  const status = message === span.status.message ? span.status : { ...span.status, message };
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status,
    attributes,
    links: span.links,
    events: eventsChanged ? events : span.events,
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

export class RedactingSpanExporter implements SpanExporter {
  readonly #inner: SpanExporter;
  readonly #redactor: Redactor;

  constructor(inner: SpanExporter, redactor: Redactor) {
    this.#inner = inner;
    this.#redactor = redactor;
  }

  export(spans: ReadableSpan[], resultCallback: ExportCallback): void {
    const out: ReadableSpan[] = [];
    for (const s of spans) {
      try {
        out.push(redactSpan(this.#redactor, s));
      } catch (err) {
        noteTelemetryError('redaction.span', err);
      }
    }
    this.#inner.export(out, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush?.() ?? Promise.resolve();
  }
}
