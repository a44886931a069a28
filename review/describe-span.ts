/**
 * One line of plain words for a timeline span — what was seen, decided or touched — shared by the
 * terminal tree and the HTML report so both say the same thing.
 */
import type { Row } from './run-query.ts';

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
  // ContentProducedAt is in the store's time zone, like TimeMs's source; compare both as UTC.
  const producedMs = Date.parse(produced.replace(' ', 'T') + 'Z');
  const seenMs = Date.parse(s(row.Timestamp).slice(0, 23).replace(' ', 'T') + 'Z');
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

export function describeSpan(row: Row): SpanLine {
  const record = s(row.Record);
  const step = s(row.Step);
  const error = Number(row.IsError) === 1 ? s(row.StatusMessage) || 'error' : undefined;
  const target = s(row.TargetResource) || s(row.TargetSystem);
  if (record === 'saw') {
    // An inbound message's span name only repeats its channel, which `from <actor>` already says.
    const what = s(row.SourceUri) || (step === 'message_in' ? '' : s(row.SpanName));
    return { kind: 'saw', label: 'SAW', text: join(`${s(row.SourceKind) || step} ${what}`.trim(), s(row.Trust), s(row.Sensitivity), s(row.Actor) && `from ${s(row.Actor)}`, ageOf(row)), alert: error };
  }
  if (step === 'policy') {
    const verdict = s(row.Verdict);
    const text = join(`policy ${s(row.Action)}: ${verdict.toUpperCase()}`, s(row.PolicyRule) && `rule ${s(row.PolicyRule)}`, s(row.Effect) && `${s(row.Effect)} → ${target}`);
    return { kind: 'decided', label: 'DECIDED', text, alert: verdict === 'deny' ? 'denied' : error };
  }
  if (step === 'approval') {
    return { kind: 'decided', label: 'DECIDED', text: join(`approval ${s(row.Action)}: ${s(row.ApprovalStatus)}`, s(row.Approver) && `by ${s(row.Approver)}`, formatDuration(Number(row.DurationMs))), alert: error };
  }
  if (record === 'decided' || step === 'model_call') {
    const tokens = Number(row.InputTokens) || Number(row.OutputTokens) ? `${Number(row.InputTokens).toLocaleString('en-US')} in / ${Number(row.OutputTokens).toLocaleString('en-US')} out tokens` : '';
    const calls = toolCallsOf(row);
    return { kind: 'decided', label: 'DECIDED', text: join(`model ${s(row.Model) || s(row.SpanName)}`, tokens, calls && `asks for ${calls}`, formatDuration(Number(row.DurationMs))), alert: error };
  }
  if (record === 'touched') {
    const reversible = s(row.Reversible) === 'false' ? 'irreversible' : '';
    const text = join(`${s(row.Action) || s(row.SpanName)} ${s(row.Effect)} → ${target}`, s(row.Risk) && `${s(row.Risk)} risk`, reversible, s(row.Outcome), formatDuration(Number(row.DurationMs)));
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
