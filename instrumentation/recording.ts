/**
 * One recorded step = one span, started and ended safely. Every wrapper and every explicit
 * start/end recorder goes through here, so "telemetry never breaks the agent" is enforced in one
 * place: span calls are contained, and when the tracer itself fails the step runs unrecorded.
 */
import {
  context as otelContext,
  INVALID_SPAN_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TimeInput,
  type Tracer,
} from '@opentelemetry/api';
import { agentScopeOf, scopeAttributes, withAgentScope, type AgentScope } from './agent-scope.ts';
import { tracerFor } from './settings.ts';
import { Flightrec, GenAI } from './semconv.ts';
import { contain, noteTelemetryError } from './telemetry-errors.ts';

/** Anything that carries an OTel context: a Context, or a handle returned by a `start…` recorder. */
export interface HasContext {
  readonly context: Context;
}
export type Parent = Context | HasContext;

export interface RecordingOptions {
  readonly tracer?: Tracer;
  /** Parent of the span; the active context when omitted. Pass a handle when events arrive out of band. */
  readonly parent?: Parent;
  readonly kind?: SpanKind;
  readonly startTime?: TimeInput;
  /** Put an agent scope (conversation id, agent identity) in the child context — invoke_agent does. */
  readonly scope?: AgentScope;
}

export type LazyAttributes = Attributes | (() => Attributes | undefined) | undefined;

export interface Recording extends HasContext {
  readonly span: Span;
  readonly ended: boolean;
  /** Add attributes; computing them is contained too. */
  set(attrs: LazyAttributes): void;
  /** End successfully, adding attributes. A second end is ignored. */
  finish(attrs?: LazyAttributes, endTime?: TimeInput): void;
  /** End with an error: exception event, ERROR status, error.type. */
  fail(err: unknown, attrs?: LazyAttributes, endTime?: TimeInput): void;
}

function isContext(p: Parent): p is Context {
  return typeof (p as Context).getValue === 'function' && typeof (p as Context).setValue === 'function';
}

export function parentContext(parent: Parent | undefined): Context {
  if (parent === undefined) return otelContext.active();
  return isContext(parent) ? parent : parent.context;
}

/** Attributes, computing lazy ones; a throw is noted against `<span name>.attributes` and gives none. */
function resolve(attrs: LazyAttributes, spanName: string): Attributes | undefined {
  if (attrs === undefined) return undefined;
  if (typeof attrs !== 'function') return attrs;
  try {
    return attrs();
  } catch (err) {
    noteTelemetryError(`${spanName}.attributes`, err);
    return undefined;
  }
}

export function errorType(err: unknown): string {
  if (err instanceof Error) return err.name || 'Error';
  return err === null ? 'null' : typeof err;
}

const NON_RECORDING = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * A class rather than an object of closures: a wrapped call is on the agent's hot path, and the
 * per-call allocations showed up as garbage-collection time in bench/instrumentation-overhead.ts.
 */
class SpanRecording implements Recording {
  readonly span: Span;
  readonly context: Context;
  readonly #name: string;
  #ended = false;

  constructor(name: string, span: Span, ctx: Context) {
    this.#name = name;
    this.span = span;
    this.context = ctx;
  }

  get ended(): boolean {
    return this.#ended;
  }

  set(a: LazyAttributes): void {
    const resolved = resolve(a, this.#name);
    if (resolved) {
      try {
        this.span.setAttributes(resolved);
      } catch (err) {
        noteTelemetryError('recording.set', err);
      }
    }
  }

  finish(a?: LazyAttributes, endTime?: TimeInput): void {
    if (this.#ended) return;
    this.#ended = true;
    this.set(a);
    this.#end(endTime);
  }

  fail(err: unknown, a?: LazyAttributes, endTime?: TimeInput): void {
    if (this.#ended) return;
    this.#ended = true;
    try {
      const e = err instanceof Error ? err : new Error(String(err));
      this.span.recordException(e);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
      this.span.setAttribute(GenAI.errorType, errorType(err));
    } catch (telemetryErr) {
      noteTelemetryError('recording.error', telemetryErr);
    }
    this.set(a);
    this.#end(endTime);
  }

  #end(endTime: TimeInput | undefined): void {
    try {
      this.span.end(endTime);
    } catch (err) {
      noteTelemetryError('recording.end', err);
    }
  }
}

export function startRecording(name: string, attrs: LazyAttributes, opts: RecordingOptions = {}): Recording {
  let parentCtx: Context;
  try {
    parentCtx = parentContext(opts.parent);
  } catch (err) {
    noteTelemetryError('recording.parent', err);
    parentCtx = otelContext.active();
  }
  let span: Span = NON_RECORDING;
  let ctx: Context = parentCtx;
  try {
    const scope = opts.scope ?? agentScopeOf(parentCtx);
    const own = resolve(attrs, name);
    // The SDK copies the attributes it is given: merge into a new object only when there is a scope to merge.
    const initial: Attributes | undefined = scope ? { ...scopeAttributes(scope), ...own } : own;
    span = tracerFor(opts.tracer).startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: initial, startTime: opts.startTime }, parentCtx);
    ctx = trace.setSpan(parentCtx, span);
    if (opts.scope) ctx = withAgentScope(ctx, { ...agentScopeOf(parentCtx), ...opts.scope });
  } catch (err) {
    // The tracer or a span processor threw: the step still runs, unrecorded.
    noteTelemetryError('recording.start', err);
    span = NON_RECORDING;
  }
  return new SpanRecording(name, span, ctx);
}

/** Tells a recording how to describe what the wrapped call produced. */
export interface Settlement {
  /** Attributes for a value returned or resolved (not for streams: see streamDone). */
  ok?(value: unknown): Attributes | undefined;
  /** Attributes for an error thrown or rejected. */
  error?(err: unknown): Attributes | undefined;
  /** Attributes when a stream result was consumed to its end. */
  streamDone?(): Attributes | undefined;
  /** Called with each chunk of a stream result; keep it cheap. */
  chunk?(value: unknown): void;
  /** Attributes when the consumer stopped a stream early. */
  aborted?(): Attributes | undefined;
  /** Treat async-iterable results as streams (default true). */
  readonly streams?: boolean;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

/**
 * Run `call` with the recording's span active and settle the recording from what it produces:
 * sync values, promises, async-iterable streams (the span ends when the stream is consumed,
 * fails, or is stopped early) and throws. Values and errors pass through unchanged (same object);
 * a stream comes back as a Proxy of the same object whose async iterator is observed.
 */
/** What runRecorded needs from a recording; task handles supply it too. */
export type Settleable = Pick<Recording, 'context' | 'finish' | 'fail'>;

export function runRecorded<R>(rec: Settleable, call: () => R, settle: Settlement = {}): R {
  let entered = false;
  let returned = false;
  let result!: R;
  try {
    otelContext.with(rec.context, () => {
      entered = true;
      result = call();
      returned = true;
    });
  } catch (err) {
    if (!entered) {
      // The context manager failed before the call: run it unrecorded, once.
      noteTelemetryError('recording.context', err);
      rec.finish();
      return call();
    }
    if (!returned) {
      rec.fail(err, () => settle.error?.(err));
      throw err;
    }
    // The call returned and the context manager failed afterwards: the result is the agent's.
    noteTelemetryError('recording.context', err);
  }
  return settleResult(rec, result, settle);
}

function settleResult<R>(rec: Settleable, result: R, settle: Settlement): R {
  if (isThenable(result)) {
    return result.then(
      (value) => settleValue(rec, value, settle),
      (err: unknown) => {
        rec.fail(err, () => settle.error?.(err));
        throw err;
      },
    ) as R;
  }
  return settleValue(rec, result, settle);
}

function settleValue<V>(rec: Settleable, value: V, settle: Settlement): V {
  if (settle.streams !== false && isAsyncIterable(value)) {
    const observed = contain('recording.stream', () => observeStream(rec, value, settle), undefined);
    if (observed !== undefined) return observed as V;
  }
  rec.finish(() => settle.ok?.(value));
  return value;
}

function observeStream<S extends AsyncIterable<unknown>>(rec: Settleable, stream: S, settle: Settlement): S {
  let chunks = 0;
  const streamAttrs = (aborted: boolean): Attributes => ({ [Flightrec.streamChunks]: chunks, [Flightrec.streamAborted]: aborted });
  const instrument = (it: AsyncIterator<unknown>): AsyncIterator<unknown> & AsyncIterable<unknown> => {
    const observed: AsyncIterator<unknown> & AsyncIterable<unknown> = {
      async next(...args: [] | [unknown]) {
        let r: IteratorResult<unknown>;
        try {
          r = await it.next(...args);
        } catch (err) {
          rec.fail(err, () => ({ ...streamAttrs(false), ...settle.error?.(err) }));
          throw err;
        }
        if (r.done) {
          rec.finish(() => ({ ...streamAttrs(false), ...settle.streamDone?.() }));
        } else {
          chunks++;
          if (settle.chunk) contain('recording.chunk', () => settle.chunk!(r.value), undefined);
        }
        return r;
      },
      async return(value?: unknown) {
        rec.finish(() => ({ ...streamAttrs(true), ...settle.aborted?.() }));
        return it.return ? it.return(value) : { done: true, value };
      },
      async throw(err?: unknown) {
        rec.fail(err, () => streamAttrs(true));
        if (it.throw) return it.throw(err);
        throw err;
      },
      [Symbol.asyncIterator]() {
        return observed;
      },
    };
    return observed;
  };
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === Symbol.asyncIterator) {
        return () => instrument((target[Symbol.asyncIterator] as () => AsyncIterator<unknown>).call(target));
      }
      const v: unknown = Reflect.get(target, prop, target);
      // Methods run against the real object, so private fields and brand checks keep working.
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
