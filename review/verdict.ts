/**
 * The verdict at the top of an incident: what happened in one or two sentences built from the
 * findings, how severe, which agent and when, what it touched and whether that can be undone
 * (irreversible first), what policy said and why, and who approved. The terminal and the HTML
 * report both render this one structure, so they say the same.
 */
import { approverText, formatDuration, reversibilityOf, type Reversibility } from './describe-span.ts';
import type { Finding, Severity } from './detections.ts';
import { timeMs, type IncidentReport } from './incident.ts';
import { instantMs } from './time-format.ts';

export interface TouchedItem {
  readonly action: string;
  readonly effect: string;
  readonly target: string;
  readonly risk: string;
  readonly reversibility: Reversibility;
  readonly outcome: string;
  readonly spanId: string;
  readonly timeMs: number;
}

export interface PolicyItem {
  readonly action: string;
  readonly verdict: string;
  readonly rule: string;
  readonly reason: string;
  /** What the checked action would have touched, when the policy span says. */
  readonly attempted: string;
  readonly spanId: string;
}

export interface ApprovalItem {
  readonly action: string;
  readonly status: string;
  readonly approver: string;
  readonly reason: string;
  readonly spanId: string;
}

export interface IncidentVerdict {
  readonly severity: Severity | 'none';
  /** One or two sentences. */
  readonly summary: string;
  readonly worst?: Finding;
  readonly agents: readonly string[];
  readonly startMs: number;
  readonly endMs: number;
  /** External effects, irreversible first, then unknown, then reversible; each group in time order. */
  readonly touched: readonly TouchedItem[];
  readonly policy: readonly PolicyItem[];
  readonly approvals: readonly ApprovalItem[];
}

const s = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const REVERSIBILITY_ORDER: readonly Reversibility[] = ['irreversible', 'unknown', 'reversible'];

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

export function buildVerdict(report: IncidentReport): IncidentVerdict {
  const findings = report.findings; // already most severe first
  const worst = findings[0];
  const touched: TouchedItem[] = report.effects
    .map((e) => ({
      action: s(e.Action), effect: s(e.Effect), target: s(e.TargetResource) || s(e.TargetSystem), risk: s(e.Risk),
      reversibility: reversibilityOf(e.Reversible), outcome: s(e.Outcome), spanId: s(e.SpanId), timeMs: instantMs(e.Timestamp),
    }))
    .sort((a, b) => REVERSIBILITY_ORDER.indexOf(a.reversibility) - REVERSIBILITY_ORDER.indexOf(b.reversibility) || a.timeMs - b.timeMs);
  const byTime = [...report.spans].sort((a, b) => timeMs(a) - timeMs(b));
  const policy: PolicyItem[] = byTime.filter((r) => s(r.Step) === 'policy').map((r) => ({
    action: s(r.Action), verdict: s(r.Verdict), rule: s(r.PolicyRule), reason: s(r.Reason),
    attempted: s(r.Effect) ? `${s(r.Effect)} → ${s(r.TargetResource) || s(r.TargetSystem)}` : '', spanId: s(r.SpanId),
  }));
  const approvals: ApprovalItem[] = byTime.filter((r) => s(r.Step) === 'approval').map((r) => ({
    action: s(r.Action), status: s(r.ApprovalStatus), approver: approverText(r.Approver), reason: s(r.Reason), spanId: s(r.SpanId),
  }));

  const agent = report.agents.join(', ') || 'The agent';
  const others = [...new Set(findings.map((f) => f.title))].filter((t) => t !== worst?.title);
  const first = worst
    ? `${agent} ${worst.summary} (${worst.title}, ${worst.severity})${others.length ? `; also ${listWords(others)}` : ''}.`
    : 'No detection fired on this session.';
  const irreversible = touched.filter((t) => t.reversibility === 'irreversible').length;
  const unknown = touched.filter((t) => t.reversibility === 'unknown').length;
  const denied = [...new Set(policy.filter((p) => p.verdict === 'deny').map((p) => p.action))];
  const undo = [irreversible && `${irreversible} irreversible`, unknown && `${unknown} of unknown reversibility`].filter(Boolean).join(', ');
  const second = `It made ${plural(touched.length, 'external effect')}${undo ? ` (${undo})` : ''}` +
    (denied.length ? `; policy denied ${listWords(denied)}` : '') + '.';
  return {
    severity: worst?.severity ?? 'none',
    summary: `${first} ${second}`,
    worst,
    agents: report.agents,
    startMs: report.startMs,
    endMs: report.endMs,
    touched,
    policy,
    approvals,
  };
}

export function durationText(v: IncidentVerdict): string {
  return formatDuration(v.endMs - v.startMs);
}
