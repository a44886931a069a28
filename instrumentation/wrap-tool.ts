/**
 * Wraps a tool function so that every call becomes an `execute_tool {name}` span with the OTel GenAI
 * attributes, without changing the function's types, results or errors.
 */
import { SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import { INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION } from './init.ts';
import { Flightrec, GenAI, GenAIOperation, RecordKind } from './semconv.ts';

export interface WrapToolOptions {
  readonly name: string;
  readonly tracer?: Tracer;
  /** Derive the call id from the arguments (e.g. the model's tool_call id); a UUID otherwise. */
  readonly callId?: (...args: never[]) => string | undefined;
}

function recordError(span: Span, err: unknown): void {
  try {
    const e = err instanceof Error ? err : new Error(String(err));
    span.recordException(e);
    span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
    span.setAttribute(GenAI.errorType, e.name || 'Error');
  } catch {
    // Telemetry never breaks the agent.
  }
}

export function wrapTool<A extends unknown[], R>(fn: (...args: A) => R, opts: WrapToolOptions): (...args: A) => R {
  const tracer = opts.tracer ?? trace.getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
  return function wrapped(this: unknown, ...args: A): R {
    let callId: string;
    try {
      callId = (opts.callId as ((...a: A) => string | undefined) | undefined)?.(...args) ?? randomUUID();
    } catch {
      callId = randomUUID();
    }
    return tracer.startActiveSpan(`${GenAIOperation.executeTool} ${opts.name}`, {
      kind: SpanKind.INTERNAL,
      attributes: {
        [GenAI.operationName]: GenAIOperation.executeTool,
        [GenAI.toolName]: opts.name,
        [GenAI.toolCallId]: callId,
        [Flightrec.record]: RecordKind.touched,
      },
    }, (span) => {
      let result: R;
      try {
        result = fn.apply(this, args);
      } catch (err) {
        recordError(span, err);
        span.end();
        throw err;
      }
      if (result instanceof Promise) {
        return result.then(
          (v) => { span.end(); return v; },
          (err) => { recordError(span, err); span.end(); throw err; },
        ) as R;
      }
      span.end();
      return result;
    });
  };
}
