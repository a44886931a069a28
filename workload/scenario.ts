/**
 * The shape of a bundled workload scenario: plain data describing the spans one agent session
 * produces (what it saw, decided and touched, with timings), and small constructors that fill in
 * the semantic-convention attributes. Keeping scenarios as data means the same definitions can
 * later be driven through the instrumentation wrappers instead of the raw tracer.
 */
import type { Attributes } from '@opentelemetry/api';
import { createHash } from 'node:crypto';
import {
  Flightrec, GenAI, GenAIOperation, RecordKind,
  type ApprovalStatus, type Effect, type Outcome, type Risk, type Sensitivity, type SourceKind, type StepState, type TaskCompletion, type Trust, type Verdict,
} from '../instrumentation/semconv.ts';

/** Values of `flightrec.step` (the list documented on `Flightrec.step` in semconv.ts). */
export const Step = {
  agent: 'agent', modelCall: 'model_call', context: 'context', messageIn: 'message_in', policy: 'policy',
  approval: 'approval', tool: 'tool', send: 'send', task: 'task', taskStep: 'task_step',
} as const;

export interface SpanSpec {
  readonly name: string;
  /** Milliseconds after the session starts. */
  readonly at: number;
  /** Duration in milliseconds. */
  readonly ms: number;
  readonly attributes: Attributes;
  /** When set, the span ends with status ERROR and this message. */
  readonly error?: string;
  /** Saw spans: how long before the span's start the content was produced (becomes flightrec.content.produced_at). */
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
  /** Each turn is one root span, so one trace; a session may hold several. */
  readonly turns: readonly SpanSpec[];
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Canonical JSON (sorted keys) so equal arguments hash equally. */
export function argumentsHash(args: unknown): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, canon(x)])) : v;
  return sha256(JSON.stringify(canon(args)));
}

export function turn(agent: string, at: number, ms: number, children: readonly SpanSpec[]): SpanSpec {
  return { name: `${GenAIOperation.invokeAgent} ${agent}`, at, ms, attributes: { [GenAI.operationName]: GenAIOperation.invokeAgent, [Flightrec.step]: Step.agent }, children };
}

export interface SeenSpec {
  readonly at: number;
  readonly ms?: number;
  readonly source: SourceKind;
  readonly trust: Trust;
  readonly sensitivity?: Sensitivity;
  readonly text: string;
  readonly uri?: string;
  /** How long before the span the content was produced (for stale-context checks). */
  readonly ageMs?: number;
  readonly actor?: string;
  readonly channel?: string;
}

function seen(step: string, name: string, s: SeenSpec): SpanSpec {
  const attributes: Attributes = {
    [Flightrec.record]: RecordKind.saw,
    [Flightrec.step]: step,
    [Flightrec.sourceKind]: s.source,
    [Flightrec.sourceTrust]: s.trust,
    [Flightrec.contentSha256]: sha256(s.text),
  };
  if (s.sensitivity) attributes[Flightrec.sourceSensitivity] = s.sensitivity;
  if (s.uri) attributes[Flightrec.sourceUri] = s.uri;
  if (s.actor) attributes[Flightrec.actor] = s.actor;
  if (s.channel) attributes[Flightrec.channel] = s.channel;
  return { name, at: s.at, ms: s.ms ?? 0, attributes, contentAgeMs: s.ageMs ?? 0 };
}

export const inbound = (s: SeenSpec): SpanSpec => seen(Step.messageIn, `message_in ${s.channel ?? s.source}`, s);
export const context = (s: SeenSpec & { readonly name: string }): SpanSpec => seen(Step.context, `context ${s.name}`, s);

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
  const attributes: Attributes = {
    [GenAI.operationName]: GenAIOperation.chat,
    [GenAI.providerName]: m.model.startsWith('claude') ? 'anthropic' : 'openai',
    [GenAI.requestModel]: m.model,
    [GenAI.responseModel]: m.model,
    [GenAI.usageInputTokens]: m.inputTokens,
    [GenAI.usageOutputTokens]: m.outputTokens,
    [Flightrec.record]: RecordKind.decided,
    [Flightrec.step]: Step.modelCall,
  };
  if (m.toolCalls) attributes[Flightrec.decisionToolCalls] = JSON.stringify(m.toolCalls.map((name) => ({ name })));
  return { name: `${GenAIOperation.chat} ${m.model}`, at: m.at, ms: m.ms, attributes };
}

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
  const attributes: Attributes = {
    [Flightrec.record]: RecordKind.decided,
    [Flightrec.step]: Step.policy,
    [Flightrec.policyAction]: p.action,
    [Flightrec.policyName]: 'acme-agent-policy',
    [Flightrec.policyVerdict]: p.verdict,
    [Flightrec.policyRule]: p.rule,
  };
  if (p.reason) attributes[Flightrec.policyReason] = p.reason;
  if (p.effect) attributes[Flightrec.effect] = p.effect;
  if (p.targetSystem) attributes[Flightrec.targetSystem] = p.targetSystem;
  if (p.targetResource) attributes[Flightrec.targetResource] = p.targetResource;
  return { name: `policy ${p.action}`, at: p.at, ms: 2, attributes };
}

export function approval(a: { readonly at: number; readonly ms: number; readonly action: string; readonly status: ApprovalStatus; readonly approver: string; readonly subject: string }): SpanSpec {
  return {
    name: `approval ${a.action}`,
    at: a.at,
    ms: a.ms,
    attributes: {
      [Flightrec.record]: RecordKind.decided,
      [Flightrec.step]: Step.approval,
      [Flightrec.policyAction]: a.action,
      [Flightrec.approvalStatus]: a.status,
      [Flightrec.approvalApprover]: a.approver,
      [Flightrec.approvalSubjectSha256]: sha256(a.subject),
    },
  };
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
  readonly outcome?: Outcome;
  readonly error?: string;
  readonly callId: string;
  readonly children?: readonly SpanSpec[];
}

export function tool(t: ToolSpec): SpanSpec {
  const attributes: Attributes = {
    [GenAI.operationName]: GenAIOperation.executeTool,
    [GenAI.toolName]: t.name,
    [GenAI.toolCallId]: t.callId,
    [GenAI.toolType]: 'function',
    [Flightrec.record]: RecordKind.touched,
    [Flightrec.step]: t.effect === 'send' ? Step.send : Step.tool,
    [Flightrec.effect]: t.effect,
    [Flightrec.risk]: t.risk,
    [Flightrec.targetSystem]: t.targetSystem,
    [Flightrec.reversible]: t.reversible,
    [Flightrec.argumentsSha256]: argumentsHash(t.args),
    [Flightrec.outcome]: t.outcome ?? (t.error ? 'error' : 'ok'),
  };
  if (t.targetResource) attributes[Flightrec.targetResource] = t.targetResource;
  if (t.idempotencyKey) attributes[Flightrec.idempotencyKey] = t.idempotencyKey;
  if (t.error) attributes[GenAI.errorType] = 'ToolError';
  return { name: `${GenAIOperation.executeTool} ${t.name}`, at: t.at, ms: t.ms, attributes, error: t.error, children: t.children };
}

export function task(t: { readonly at: number; readonly ms: number; readonly id: string; readonly name: string; readonly steps: readonly string[]; readonly completion: TaskCompletion; readonly verifiedBy?: string; readonly error?: string; readonly children: readonly SpanSpec[] }): SpanSpec {
  const attributes: Attributes = {
    [Flightrec.step]: Step.task,
    [Flightrec.taskId]: t.id,
    [Flightrec.taskName]: t.name,
    [Flightrec.taskSteps]: [...t.steps],
    [Flightrec.taskCompletion]: t.completion,
  };
  return { name: `task ${t.name}`, at: t.at, ms: t.ms, attributes, error: t.error, children: t.children };
}

export function taskStep(s: { readonly at: number; readonly ms: number; readonly taskId: string; readonly step: string; readonly state: StepState; readonly error?: string; readonly children?: readonly SpanSpec[] }): SpanSpec {
  return {
    name: `task_step ${s.step}`,
    at: s.at,
    ms: s.ms,
    attributes: { [Flightrec.step]: Step.taskStep, [Flightrec.taskId]: s.taskId, [Flightrec.taskStep]: s.step, [Flightrec.taskStepState]: s.state },
    error: s.error,
    children: s.children,
  };
}
