/**
 * The agent invocation in scope: conversation id and agent identity travel in the OTel context,
 * and are copied onto every span started under it — flightrec's own spans at start, and any other
 * library's spans by `AgentScopeSpanProcessor` — so "everything in conversation X" is one filter.
 */
import { createContextKey, type Attributes, type Context } from '@opentelemetry/api';
import type { Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { GenAI } from './semconv.ts';
import { noteTelemetryError } from './telemetry-errors.ts';

export interface AgentScope {
  readonly conversationId?: string;
  readonly agentName?: string;
  readonly agentId?: string;
}

const AGENT_SCOPE = createContextKey('flightrec.agent_scope');

export function withAgentScope(ctx: Context, scope: AgentScope): Context {
  return ctx.setValue(AGENT_SCOPE, scope);
}

export function agentScopeOf(ctx: Context): AgentScope | undefined {
  return ctx.getValue(AGENT_SCOPE) as AgentScope | undefined;
}

/** The scope's attributes, for spans that do not already carry them. */
export function scopeAttributes(scope: AgentScope | undefined): Attributes {
  const out: Attributes = {};
  if (!scope) return out;
  if (scope.conversationId) out[GenAI.conversationId] = scope.conversationId;
  if (scope.agentName) out[GenAI.agentName] = scope.agentName;
  if (scope.agentId) out[GenAI.agentId] = scope.agentId;
  return out;
}

/** Copies gen_ai.conversation.id / agent name / agent id from the parent context onto every span. */
export class AgentScopeSpanProcessor implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    // try/catch rather than contain(): this runs for every span, and most have no scope.
    try {
      const scope = agentScopeOf(parentContext);
      if (!scope) return;
      const attrs = scopeAttributes(scope);
      for (const key of Object.keys(attrs)) {
        if (span.attributes[key] === undefined) span.setAttribute(key, attrs[key]!);
      }
    } catch (err) {
      noteTelemetryError('agent-scope.onStart', err);
    }
  }
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
