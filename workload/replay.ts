/**
 * Replays scenarios as real OpenTelemetry spans through whatever tracer it is given (in the demo,
 * the one `init()` sets up with its OTLP/HTTP exporter), with the scenario's own timestamps so a
 * session that "ran" 40 minutes ago is recorded as such.
 */
import { context as otelContext, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Tracer } from '@opentelemetry/api';
import { randomBytes } from 'node:crypto';
import { Flightrec, GenAI } from '../instrumentation/semconv.ts';
import type { DetectionName, Scenario, SpanSpec } from './scenario.ts';

export interface ReplayedSession {
  readonly key: string;
  readonly title: string;
  readonly agent: string;
  readonly sessionId: string;
  readonly traceIds: readonly string[];
  readonly start: Date;
  readonly expect: readonly DetectionName[];
  readonly spans: number;
}

export interface ReplayOptions {
  /** The instant scenario offsets count back from; defaults to now. */
  readonly now?: Date;
  /** Appended to every session id so replays never collide; random unless given. */
  readonly runTag?: string;
}

function emit(tracer: Tracer, spec: SpanSpec, sessionStart: number, parent: Context, common: Record<string, string>): { traceId: string; count: number } {
  const start = sessionStart + spec.at;
  const attributes: Attributes = { ...common, ...spec.attributes };
  if (spec.contentAgeMs !== undefined) attributes[Flightrec.contentProducedAt] = new Date(start - spec.contentAgeMs).toISOString();
  const span = tracer.startSpan(spec.name, { kind: SpanKind.INTERNAL, startTime: new Date(start), attributes }, parent);
  const ctx = trace.setSpan(parent, span);
  let count = 1;
  for (const child of spec.children ?? []) count += emit(tracer, child, sessionStart, ctx, common).count;
  if (spec.error) {
    span.recordException({ name: 'ToolError', message: spec.error }, new Date(start + spec.ms));
    span.setStatus({ code: SpanStatusCode.ERROR, message: spec.error });
  }
  span.end(new Date(start + spec.ms));
  return { traceId: span.spanContext().traceId, count };
}

export function replay(tracer: Tracer, scenarios: readonly Scenario[], opts: ReplayOptions = {}): ReplayedSession[] {
  const now = (opts.now ?? new Date()).getTime();
  const tag = opts.runTag ?? randomBytes(3).toString('hex');
  return otelContext.with(ROOT_CONTEXT, () =>
    scenarios.map((s) => {
      const sessionId = `${s.key}-${tag}`;
      const start = now - s.minutesAgo * 60_000;
      const common = { [GenAI.conversationId]: sessionId, [GenAI.agentName]: s.agent };
      const traceIds: string[] = [];
      let spans = 0;
      for (const t of s.turns) {
        const r = emit(tracer, t, start, ROOT_CONTEXT, common);
        traceIds.push(r.traceId);
        spans += r.count;
      }
      return { key: s.key, title: s.title, agent: s.agent, sessionId, traceIds, start: new Date(start), expect: s.expect, spans };
    }),
  );
}
