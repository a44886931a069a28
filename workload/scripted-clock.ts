/**
 * A tracer that reads time from a scripted clock. The recorders take a start time but end their
 * spans (and stamp exceptions and events) at "now"; a replayed session happened minutes ago and
 * lasted longer than its replay does. Handing the recorders this tracer lets them run unchanged
 * while every time-less span call gets the script's time instead of the wall clock's.
 */
import { context as otelContext, trace, type Attributes, type Context, type Exception, type Link, type Span, type SpanAttributeValue, type SpanContext, type SpanOptions, type SpanStatus, type TimeInput, type Tracer } from '@opentelemetry/api';

export interface ScriptedClock {
  /** The scripted instant, in epoch milliseconds; set it before each recorder call. */
  now: number;
}

class ScriptedSpan implements Span {
  readonly #span: Span;
  readonly #clock: ScriptedClock;

  constructor(span: Span, clock: ScriptedClock) {
    this.#span = span;
    this.#clock = clock;
  }

  #time(t: TimeInput | undefined): TimeInput {
    return t ?? new Date(this.#clock.now);
  }

  spanContext(): SpanContext {
    return this.#span.spanContext();
  }
  setAttribute(key: string, value: SpanAttributeValue): this {
    this.#span.setAttribute(key, value);
    return this;
  }
  setAttributes(attributes: Attributes): this {
    this.#span.setAttributes(attributes);
    return this;
  }
  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    const isTime = attributesOrTime instanceof Date || typeof attributesOrTime === 'number' || Array.isArray(attributesOrTime);
    if (isTime) this.#span.addEvent(name, attributesOrTime);
    else this.#span.addEvent(name, attributesOrTime, this.#time(time));
    return this;
  }
  addLink(link: Link): this {
    this.#span.addLink(link);
    return this;
  }
  addLinks(links: Link[]): this {
    this.#span.addLinks(links);
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.#span.setStatus(status);
    return this;
  }
  updateName(name: string): this {
    this.#span.updateName(name);
    return this;
  }
  end(endTime?: TimeInput): void {
    this.#span.end(this.#time(endTime));
  }
  isRecording(): boolean {
    return this.#span.isRecording();
  }
  recordException(exception: Exception, time?: TimeInput): void {
    this.#span.recordException(exception, this.#time(time));
  }
}

/** `tracer`, with spans started, ended and stamped at `clock.now` unless a time is given. */
export function scriptedClockTracer(tracer: Tracer, clock: ScriptedClock): Tracer & { readonly started: number } {
  let started = 0;
  const startSpan = (name: string, options: SpanOptions = {}, ctx?: Context): Span => {
    started++;
    return new ScriptedSpan(tracer.startSpan(name, { ...options, startTime: options.startTime ?? new Date(clock.now) }, ctx), clock);
  };
  return {
    get started() {
      return started;
    },
    startSpan,
    startActiveSpan(name: string, ...rest: unknown[]) {
      // Overloads: (name, fn), (name, options, fn), (name, options, context, fn).
      const fn = rest.pop() as (span: Span) => unknown;
      const [options, ctx] = rest as [SpanOptions | undefined, Context | undefined];
      const parent = ctx ?? otelContext.active();
      const span = startSpan(name, options, parent);
      return otelContext.with(trace.setSpan(parent, span), fn, undefined, span);
    },
  };
}
