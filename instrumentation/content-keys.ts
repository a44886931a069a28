/**
 * The one list of attribute keys that carry content — messages, prompts, instructions, tool
 * arguments and results, text seen or sent — as opposed to facts about an action. It is read by
 * the instrumentation (content capture writes content only under these keys), by the audit
 * export (`--content hashes` replaces their values by keyed hashes) and by erasure (which removes
 * their values). A key matches when it is on the exact list or starts with one of the prefixes
 * (flattened message lists of other instrumentations).
 */
import { Flightrec, ForeignContent, GenAI, OpenInference } from './semconv.ts';

/** Keys flightrec's own instrumentation writes content under (content-capture.ts). */
export const CAPTURED_CONTENT_KEYS = [
  GenAI.inputMessages,
  GenAI.outputMessages,
  GenAI.systemInstructions,
  GenAI.toolCallArguments,
  GenAI.toolCallResult,
  OpenInference.inputValue,
] as const;
export type CapturedContentKey = (typeof CAPTURED_CONTENT_KEYS)[number];

/** Every exact content key: flightrec's own and other producers'. */
export const CONTENT_KEYS: readonly string[] = [
  ...CAPTURED_CONTENT_KEYS,
  ForeignContent.openInferenceOutputValue,
  ForeignContent.prompt,
  ForeignContent.completion,
  ForeignContent.aiResponseText,
  ForeignContent.aiResponseObject,
  ForeignContent.aiResponseToolCalls,
  ForeignContent.aiToolCallArgs,
  ForeignContent.aiToolCallResult,
].sort();

/** Key prefixes under which other producers flatten content (`gen_ai.prompt.0.content`, …). */
export const CONTENT_KEY_PREFIXES: readonly string[] = [
  ForeignContent.openInferenceInputMessagesPrefix,
  ForeignContent.openInferenceOutputMessagesPrefix,
  ForeignContent.promptPrefix,
  ForeignContent.completionPrefix,
  ForeignContent.guardrailContentPrefix,
  ForeignContent.aiPromptPrefix,
].sort();

const EXACT: ReadonlySet<string> = new Set(CONTENT_KEYS);

export function isContentKey(key: string): boolean {
  if (EXACT.has(key)) return true;
  for (const p of CONTENT_KEY_PREFIXES) if (key.startsWith(p)) return true;
  return false;
}

/**
 * Keys that may hold personal data but are facts an audit record needs (who acted, where a message
 * went): kept in exports — pseudonymise them at the source — and blanked by `flightrec erase`.
 */
export const PERSONAL_KEYS: readonly string[] = [
  Flightrec.actor,
  Flightrec.targetResource,
  Flightrec.messageRecipients,
  Flightrec.sourceUri,
  Flightrec.approvalApprover,
].sort();
