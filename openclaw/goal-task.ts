/**
 * OpenClaw session goals as flightrec task state. OpenClaw 2026.9.6 keeps one goal per session
 * (`create_goal`, `update_goal`, `get_goal` tools; `/goal` commands); each tool returns the goal
 * as JSON in `result.details` = `{ status: "created" | "updated" | "found", goal: { id, status, … } }`.
 *
 * The model marks its own goal `complete` through `update_goal`. flightrec never takes that claim
 * as verified (an agent reporting success after failing is the failure it exists to catch), so
 * the claim is kept as `openclaw.goal.status` and the task's completion stays `unknown`.
 */
import type { TaskCompletion } from '../instrumentation/semconv.ts';

export interface GoalState {
  readonly id: string;
  /** active, paused, blocked, usage_limited, budget_limited or complete (2026.9.6). */
  readonly status: string;
  /** The status note the model gave with `update_goal` (`lastStatusNote`). */
  readonly note?: string;
}

const GOAL_TOOLS = new Set(['create_goal', 'update_goal', 'get_goal']);

/** The goal a goal tool's result reports, or undefined for any other tool or result. */
export function goalFromToolResult(toolName: string, result: unknown): GoalState | undefined {
  if (!GOAL_TOOLS.has(toolName)) return undefined;
  const details = (result as { details?: { goal?: unknown } } | undefined)?.details;
  const goal = details?.goal as { id?: unknown; status?: unknown; lastStatusNote?: unknown } | undefined;
  if (typeof goal?.id !== 'string' || typeof goal.status !== 'string') return undefined;
  return { id: goal.id, status: goal.status, ...(typeof goal.lastStatusNote === 'string' ? { note: goal.lastStatusNote } : {}) };
}

/**
 * What a goal's status at the end of a run says about the task. Stopped goals (blocked, paused,
 * out of budget) are reported incomplete; an active goal continues in later turns and a
 * self-declared `complete` is unverified, so both are `unknown`.
 */
export function completionOfGoal(status: string): Exclude<TaskCompletion, 'verified_complete'> {
  switch (status) {
    case 'blocked':
    case 'paused':
    case 'usage_limited':
    case 'budget_limited':
      return 'incomplete';
    default:
      return 'unknown';
  }
}
