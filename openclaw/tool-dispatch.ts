/**
 * OpenClaw's compact tool surface (2026.9.6): the model is offered a dozen tools directly and
 * reaches the other catalogued ones (web_fetch, message, goals, …) through the `tool_call`
 * dispatcher (`{ id, args }`). OBSERVED: the hooks then fire twice — for `tool_call` itself and,
 * inside it, for the real tool under its own name with the tool call id
 * `tool_search_code:<dispatcher call id>:<tool>:<n>`, which is what the policy and the records must
 * be about. The dispatcher is recorded only when it dispatched nothing (a failed lookup).
 */

/** Tools that only forward to another tool, whose own hooks fire for the forwarded call. */
export const DISPATCHER_TOOLS: ReadonlySet<string> = new Set(['tool_call']);

const NESTED_CALL_ID = /^tool_search_code:(.+):[^:]+:\d+$/;

/** The dispatcher call a nested tool call id came through, if it is one. */
export function dispatcherCallId(toolCallId: string | undefined): string | undefined {
  return toolCallId ? NESTED_CALL_ID.exec(toolCallId)?.[1] : undefined;
}
