/**
 * The shape of a bundled workload scenario: plain data describing one agent session as the calls
 * its runtime makes to flightrec's recorders (what it saw, decided and touched, with timings), and
 * small constructors for them. A scenario holds the recorders' inputs, never span attributes: the
 * replayer (replay.ts) drives the real instrumentation with them, so the demo records exactly what
 * an instrumented agent would.
 */
import type { Outcome } from '../instrumentation/semconv.ts';
import type { ApprovalOutcome, ApprovalRequest } from '../instrumentation/record-approval.ts';
import type { SeenContent, SourceInfo } from '../instrumentation/record-context.ts';
import type { ModelCallInfo, ModelCallResult } from '../instrumentation/record-model.ts';
import type { PolicyCheckInfo, PolicyDecision } from '../instrumentation/record-policy.ts';
import type { CompletionReport, TaskInfo } from '../instrumentation/record-task.ts';
import type { ToolCallInfo } from '../instrumentation/record-tool.ts';
import type { Effect, Risk, StepState, TaskCompletion, Verdict, ApprovalStatus, Sensitivity, SourceKind, Trust } from '../instrumentation/semconv.ts';

/** One recorder call, with the inputs an instrumented runtime would pass it. */
export type RecorderCall =
  | { readonly recorder: 'agent'; readonly agentName: string }
  | { readonly recorder: 'inbound' | 'seen'; readonly source: SourceInfo; readonly content: string }
  | { readonly recorder: 'model'; readonly call: ModelCallInfo; readonly result: ModelCallResult }
  | { readonly recorder: 'policy'; readonly check: PolicyCheckInfo; readonly decision: PolicyDecision }
  | { readonly recorder: 'approval'; readonly request: ApprovalRequest; readonly outcome: ApprovalOutcome }
  | { readonly recorder: 'tool'; readonly call: ToolCallInfo; readonly outcome?: Outcome }
  | { readonly recorder: 'task'; readonly info: TaskInfo; readonly report: CompletionReport }
  | { readonly recorder: 'task_step'; readonly taskId: string; readonly step: string; readonly state: StepState };

export interface SpanSpec {
  /** Milliseconds after the session starts. */
  readonly at: number;
  /** Duration in milliseconds. */
  readonly ms: number;
  readonly call: RecorderCall;
  /** When set, the step fails with this message (the recorder's `fail`). */
  readonly error?: string;
  /** Saw steps: how long before the step the content was produced (stale-context checks). */
  readonly contentAgeMs?: number;
  readonly children?: readonly SpanSpec[];
}

/** Names of the detection queries (queries/detect_*.sql) a scenario is written to trigger. */
export type DetectionName =
  | 'detect_toxic_flow' | 'detect_partial_completion' | 'detect_duplicate_side_effects' | 'detect_runaway'
  | 'detect_unapproved_risky_action' | 'detect_denied_then_retried' | 'detect_stale_context';

export interface Scenario {
  /** Short stable name; the replayed session id is `<key>-<run tag>`. */
  readonly key: string;
  readonly title: string;
  readonly agent: string;
  /** How long before "now" the session starts. */
  readonly minutesAgo: number;
  /** The detections this session should trigger (empty for a good session). */
  readonly expect: readonly DetectionName[];
  /** Each turn is one agent invocation, so one trace; a session may hold several. */
  readonly turns: readonly SpanSpec[];
}

export function turn(agent: string, at: number, ms: number, children: readonly SpanSpec[]): SpanSpec {
  return { at, ms, call: { recorder: 'agent', agentName: agent }, children };
}

export interface SeenSpec {
  readonly at: number;
  readonly source: SourceKind;
  readonly trust: Trust;
  readonly sensitivity?: Sensitivity;
  readonly text: string;
  readonly uri?: string;
  /** How long before the step the content was produced (for stale-context checks). */
  readonly ageMs?: number;
  readonly actor?: string;
  readonly channel?: string;
}

function seen(recorder: 'inbound' | 'seen', s: SeenSpec, name?: string): SpanSpec {
  const source: SourceInfo = { source: s.source, trust: s.trust, sensitivity: s.sensitivity, uri: s.uri, actor: s.actor, channel: s.channel, name };
  return { at: s.at, ms: 0, call: { recorder, source, content: s.text }, contentAgeMs: s.ageMs ?? 0 };
}

/** An inbound message (recordInbound). */
export const inbound = (s: SeenSpec): SpanSpec => seen('inbound', s);
/** Content that entered the context without a load step of its own: a tool result read back, memory, a page (recordSeen). */
export const context = (s: SeenSpec & { readonly name: string }): SpanSpec => seen('seen', s, s.name);

export interface ModelSpec {
  readonly at: number;
  readonly ms: number;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** The tool calls the model asked for. */
  readonly toolCalls?: readonly string[];
}

export function model(m: ModelSpec): SpanSpec {
  return {
    at: m.at,
    ms: m.ms,
    call: {
      recorder: 'model',
      call: { provider: m.model.startsWith('claude') ? 'anthropic' : 'openai', model: m.model },
      result: { responseModel: m.model, inputTokens: m.inputTokens, outputTokens: m.outputTokens, toolCalls: m.toolCalls?.map((name) => ({ name })) },
    },
  };
}

/** The policy set every scenario's checks come from. */
const POLICY = 'acme-agent-policy';

export interface PolicySpec {
  readonly at: number;
  /** The tool or action the check is about. */
  readonly action: string;
  readonly verdict: Verdict;
  readonly rule: string;
  readonly reason?: string;
  /** The effect and target of the attempted action, so a denied attempt still says what it would have touched. */
  readonly effect?: Effect;
  readonly targetSystem?: string;
  readonly targetResource?: string;
}

export function policy(p: PolicySpec): SpanSpec {
  return {
    at: p.at,
    ms: 2,
    call: {
      recorder: 'policy',
      check: { action: p.action, policy: POLICY, effect: p.effect, targetSystem: p.targetSystem, targetResource: p.targetResource },
      decision: { verdict: p.verdict, rule: p.rule, reason: p.reason },
    },
  };
}

export function approval(a: { readonly at: number; readonly ms: number; readonly action: string; readonly status: ApprovalStatus; readonly approver: string; readonly subject: string }): SpanSpec {
  return { at: a.at, ms: a.ms, call: { recorder: 'approval', request: { action: a.action, subject: a.subject }, outcome: { status: a.status, approver: a.approver } } };
}

export interface ToolSpec {
  readonly at: number;
  readonly ms: number;
  readonly name: string;
  readonly effect: Effect;
  readonly risk: Risk;
  readonly targetSystem: string;
  readonly targetResource?: string;
  readonly reversible: boolean;
  readonly args: Record<string, unknown>;
  readonly idempotencyKey?: string;
  /** How the call ended; `ok` (or `error` with `error`) unless given. */
  readonly outcome?: Outcome;
  readonly error?: string;
  readonly callId: string;
  readonly children?: readonly SpanSpec[];
}

export function tool(t: ToolSpec): SpanSpec {
  return {
    at: t.at,
    ms: t.ms,
    call: {
      recorder: 'tool',
      call: {
        name: t.name, callId: t.callId, arguments: t.args, idempotencyKey: t.idempotencyKey, targetResource: t.targetResource,
        // Per call rather than from a catalogue: each scenario names its tools' effect and risk where it uses them.
        spec: { effect: t.effect, risk: t.risk, targetSystem: t.targetSystem, reversible: t.reversible },
      },
      outcome: t.outcome,
    },
    error: t.error,
    children: t.children,
  };
}

export function task(t: { readonly at: number; readonly ms: number; readonly id: string; readonly name: string; readonly steps: readonly string[]; readonly completion: TaskCompletion; readonly verifiedBy?: string; readonly error?: string; readonly children: readonly SpanSpec[] }): SpanSpec {
  // A verified_complete without a verifier is the caller's mistake; the recorder then records `unknown`.
  const report = { completion: t.completion, verifiedBy: t.verifiedBy } as CompletionReport;
  return { at: t.at, ms: t.ms, call: { recorder: 'task', info: { id: t.id, name: t.name, steps: t.steps }, report }, error: t.error, children: t.children };
}

/** A step of the task it is nested under (its `taskId` must be that task's). */
export function taskStep(s: { readonly at: number; readonly ms: number; readonly taskId: string; readonly step: string; readonly state: StepState; readonly error?: string; readonly children?: readonly SpanSpec[] }): SpanSpec {
  return { at: s.at, ms: s.ms, call: { recorder: 'task_step', taskId: s.taskId, step: s.step, state: s.state }, error: s.error, children: s.children };
}
