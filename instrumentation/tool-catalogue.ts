/**
 * What each tool does to the world, configured once per tool name rather than at every call:
 * effect, risk, target system, reversibility, and how to derive per-call facts (target resource,
 * idempotency key) from the call's arguments.
 */
import type { Effect, GenAIToolType, Risk } from './semconv.ts';

export interface ToolSpec<A extends unknown[] = never[]> {
  readonly effect: Effect;
  readonly risk: Risk;
  /** The system touched, e.g. "gmail", "postgres:orders", "stripe". */
  readonly targetSystem?: string;
  /** The resource touched, fixed or derived from the call's arguments. */
  readonly targetResource?: string | ((...args: A) => string | undefined);
  readonly reversible?: boolean;
  readonly idempotencyKey?: (...args: A) => string | undefined;
  readonly description?: string;
  readonly type?: GenAIToolType;
}

export type ToolCatalogue = Readonly<Record<string, ToolSpec<never[]>>>;

/** Typed helper: `defineTools({ send_email: { effect: 'send', risk: 'high', reversible: false } })`. */
export function defineTools<C extends Record<string, ToolSpec<never[]>>>(catalogue: C): C {
  return catalogue;
}
