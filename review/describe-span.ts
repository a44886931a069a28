/**
 * One line of plain words for a timeline span — what was seen, decided or touched — shared by the
 * terminal tree and the HTML report so both say the same thing.
 */
import type { Row } from './run-query.ts';
import { instantMs } from './time-format.ts';

export type Kind = 'saw' | 'decided' | 'touched' | 'task' | 'agent' | 'other';

export interface SpanLine {
  readonly kind: Kind;
  /** SAW / DECIDED / TOUCHED / TASK / STEP / AGENT, or '' for plumbing spans. */
  readonly label: string;
  readonly text: string;
  /** Set when the span ended in error or was denied: the part a reviewer must not miss. */
  readonly alert?: string;
}

const s = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms < 172_800_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} days`;
}

function ageOf(row: Row): string {
  const produced = s(row.ContentProducedAt);
  if (!produced) return '';
  // Both as the store wrote them (ISO 8601 in UTC when run with isoTimes).
  const producedMs = instantMs(produced);
  const seenMs = Number.isFinite(Number(row.TimeMs)) ? Number(row.TimeMs) : instantMs(row.Timestamp);
  // Content produced within the last second is simply current; saying "0 ms old" is noise.
  return Number.isFinite(producedMs) && Number.isFinite(seenMs) && seenMs - producedMs >= 1000 ? `${formatDuration(seenMs - producedMs)} old` : '';
}

/** DecisionToolCalls holds `flightrec.decision.tool_calls`: a JSON list of { name, … }. */
function toolCallsOf(row: Row): string {
  const raw = s(row.DecisionToolCalls);
  if (!raw) return '';
  try {
    const calls = JSON.parse(raw) as { name?: string }[];
    return calls.map((c) => c.name).filter(Boolean).join(', ');
  } catch {
    return '';
  }
}

const join = (...parts: string[]): string => parts.filter(Boolean).join(' · ');

export type Reversibility = 'reversible' | 'irreversible' | 'unknown';

/** `flightrec.reversible` as stored ('true' / 'false' / '') or as session_effects says it ('yes' / 'no' / 'unknown'). */
export function reversibilityOf(value: unknown): Reversibility {
  const v = s(value);
  if (v === 'true' || v === 'yes') return 'reversible';
  if (v === 'false' || v === 'no') return 'irreversible';
  return 'unknown';
}

/** The words shown for a reversibility: always one of three, so "not recorded" never reads as "reversible". */
export function reversibilityText(r: Reversibility): string {
  return r === 'unknown' ? 'reversibility unknown' : r;
}

/**
 * Who approved, as the store has it. Redaction replaces an e-mail address or phone number with
 * `[REDACTED:email]`, or — when the agent had a redaction key — with a keyed pseudonym
 * `[REDACTED:email:3f9a0c1d2b7e]`, the same for the same person: shown as that pseudonym, and the
 * plain form says that approvers cannot be told apart.
 */
export function approverText(value: unknown): string {
  const v = s(value);
  if (!v) return 'approver not recorded';
  const keyed = /^\[REDACTED:(\w+):([0-9a-f]{6,})\]$/.exec(v);
  if (keyed) return `${keyed[1]} pseudonym ${keyed[2]}`;
  const plain = /^\[REDACTED:(\w+)\]$/.exec(v);
  if (plain) return `a redacted ${plain[1]} (no pseudonym: the agent had no redaction key)`;
  return v;
}

/** What a saw span's content was and where it came from. */
function seenText(row: Row, step: string): string {
  const uri = s(row.SourceUri);
  const kind = s(row.SourceKind) || step;
  // An inbound message has no URI; its sender is its source.
  const where = uri || (step === 'message_in' ? '' : `${s(row.SpanName)} (no source URI recorded)`);
  return `${kind} ${where}`.trim();
}

export function describeSpan(row: Row): SpanLine {
  const record = s(row.Record);
  const step = s(row.Step);
  const error = Number(row.IsError) === 1 ? s(row.StatusMessage) || 'error' : undefined;
  const target = s(row.TargetResource) || s(row.TargetSystem);
  if (record === 'saw') {
    const text = join(seenText(row, step), s(row.Actor) && `from ${s(row.Actor)}`, `trust ${s(row.Trust) || 'not recorded'}`, `sensitivity ${s(row.Sensitivity) || 'not recorded'}`, ageOf(row));
    return { kind: 'saw', label: 'SAW', text, alert: error };
  }
  if (step === 'policy') {
    const verdict = s(row.Verdict);
    const text = join(`policy ${s(row.Action)}: ${verdict.toUpperCase() || 'no verdict recorded'}`, `rule ${s(row.PolicyRule) || 'not recorded'}`, s(row.Reason) && `reason: ${s(row.Reason)}`, s(row.Effect) && `${s(row.Effect)} → ${target}`);
    return { kind: 'decided', label: 'DECIDED', text, alert: verdict === 'deny' ? 'denied' : error };
  }
  if (step === 'approval') {
    const status = s(row.ApprovalStatus);
    const text = join(`approval ${s(row.Action)}: ${status.toUpperCase() || 'no status recorded'}`, `by ${approverText(row.Approver)}`, s(row.Reason) && `reason: ${s(row.Reason)}`, formatDuration(Number(row.DurationMs)));
    return { kind: 'decided', label: 'DECIDED', text, alert: status === 'denied' || status === 'expired' ? status : error };
  }
  if (record === 'decided' || step === 'model_call') {
    const tokens = Number(row.InputTokens) || Number(row.OutputTokens) ? `${Number(row.InputTokens).toLocaleString('en-US')} in / ${Number(row.OutputTokens).toLocaleString('en-US')} out tokens` : '';
    const calls = toolCallsOf(row);
    return { kind: 'decided', label: 'DECIDED', text: join(`model ${s(row.Model) || s(row.SpanName)}`, tokens, calls && `asks for ${calls}`, formatDuration(Number(row.DurationMs))), alert: error };
  }
  if (record === 'touched') {
    const text = join(`${s(row.Action) || s(row.SpanName)} ${s(row.Effect)} → ${target}`, s(row.Risk) && `${s(row.Risk)} risk`, reversibilityText(reversibilityOf(row.Reversible)), s(row.Outcome), formatDuration(Number(row.DurationMs)));
    return { kind: 'touched', label: 'TOUCHED', text, alert: error };
  }
  if (step === 'task') {
    return { kind: 'task', label: 'TASK', text: join(s(row.SpanName), `completion ${s(row.TaskCompletion) || 'not reported'}`, formatDuration(Number(row.DurationMs))), alert: error };
  }
  if (step === 'task_step') {
    return { kind: 'task', label: 'STEP', text: join(s(row.TaskStep) || s(row.SpanName), s(row.TaskStepState)), alert: error };
  }
  if (step === 'agent' || s(row.SpanName).startsWith('invoke_agent')) {
    return { kind: 'agent', label: 'AGENT', text: join(s(row.SpanName), formatDuration(Number(row.DurationMs))), alert: error };
  }
  return { kind: 'other', label: '', text: join(s(row.SpanName), formatDuration(Number(row.DurationMs))), alert: error };
}
