/**
 * OpenClaw hands hooks its own W3C trace context (`ctx.trace`). Parenting the plugin's spans on it
 * puts them in OpenClaw's trace — one trace per agent run — so they join the spans OpenClaw's
 * diagnostics-otel plugin exports for the same run, when that plugin is on too.
 */
import { isSpanContextValid, ROOT_CONTEXT, trace, TraceFlags, type Context } from '@opentelemetry/api';
import type { TraceContext } from './hook-types.ts';

export function openclawParent(t: TraceContext | undefined): Context | undefined {
  if (!t?.traceId || !t.spanId) return undefined;
  const spanContext = {
    traceId: t.traceId.toLowerCase(),
    spanId: t.spanId.toLowerCase(),
    // Always sampled: an audit trail does not follow OpenClaw's sampling decision.
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : undefined;
}
