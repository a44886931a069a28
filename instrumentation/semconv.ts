/**
 * The one place for every span attribute name and enumerated value flightrec writes or reads.
 *
 * OpenTelemetry GenAI semantic-convention names are used where they exist (still "Development"
 * stability, see docs/semantic-conventions.md); `flightrec.*` names fill the gaps the conventions
 * leave open (provenance, policy verdicts, approvals, effect and risk, task completion).
 * SQL refers to these same strings: test/semconv-sql.test.ts checks that every attribute key the
 * saved queries read is declared here; storage/derived-columns.ts takes its keys from here and from
 * conventions/.
 */

/** OTel GenAI semantic-convention attribute names. */
export const GenAI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  usageInputTokens: 'gen_ai.usage.input_tokens',
  usageOutputTokens: 'gen_ai.usage.output_tokens',
  usageCacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  agentId: 'gen_ai.agent.id',
  agentName: 'gen_ai.agent.name',
  agentVersion: 'gen_ai.agent.version',
  conversationId: 'gen_ai.conversation.id',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
  toolDescription: 'gen_ai.tool.description',
  toolCallArguments: 'gen_ai.tool.call.arguments',
  toolCallResult: 'gen_ai.tool.call.result',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  systemInstructions: 'gen_ai.system_instructions',
  errorType: 'error.type',
  responseId: 'gen_ai.response.id',
  agentDescription: 'gen_ai.agent.description',
} as const;

/** Values of `gen_ai.operation.name` that flightrec emits. */
export const GenAIOperation = {
  chat: 'chat',
  executeTool: 'execute_tool',
  invokeAgent: 'invoke_agent',
  retrieval: 'retrieval',
} as const;

/** Values of `gen_ai.tool.type`. */
export const GenAIToolTypes = ['function', 'extension', 'datastore'] as const;
export type GenAIToolType = (typeof GenAIToolTypes)[number];

/** flightrec's own attribute names, for what the GenAI conventions do not (yet) cover. */
export const Flightrec = {
  record: 'flightrec.record',
  /** The kind of step within its record: model_call, context, message_in, policy, approval, tool, write, send, task, task_step. */
  step: 'flightrec.step',
  sessionId: 'flightrec.session.id',
  actor: 'flightrec.actor',
  channel: 'flightrec.channel',

  // SAW
  sourceKind: 'flightrec.source.kind',
  sourceTrust: 'flightrec.source.trust',
  sourceSensitivity: 'flightrec.source.sensitivity',
  sourceUri: 'flightrec.source.uri',
  contentSha256: 'flightrec.content.sha256',
  contentProducedAt: 'flightrec.content.produced_at',
  contentRef: 'flightrec.content.ref',
  contentCapture: 'flightrec.content.capture',
  contentRedacted: 'flightrec.content.redacted',

  // DECIDED
  decisionToolCalls: 'flightrec.decision.tool_calls',
  policyName: 'flightrec.policy.name',
  policyVerdict: 'flightrec.policy.verdict',
  policyRule: 'flightrec.policy.rule',
  policyReason: 'flightrec.policy.reason',
  approvalStatus: 'flightrec.approval.status',
  approvalApprover: 'flightrec.approval.approver',
  approvalSubjectSha256: 'flightrec.approval.subject_sha256',

  // TOUCHED
  effect: 'flightrec.effect',
  targetSystem: 'flightrec.target.system',
  targetResource: 'flightrec.target.resource',
  risk: 'flightrec.risk',
  reversible: 'flightrec.reversible',
  idempotencyKey: 'flightrec.idempotency_key',
  argumentsSha256: 'flightrec.arguments.sha256',
  outcome: 'flightrec.outcome',

  // Tasks
  taskId: 'flightrec.task.id',
  taskName: 'flightrec.task.name',
  taskSteps: 'flightrec.task.steps',
  taskStep: 'flightrec.task.step',
  taskStepState: 'flightrec.task.step.state',
  taskCompletion: 'flightrec.task.completion',

  /** Keys whose values the redactor replaced, comma-separated, so an auditor can tell "removed" from "absent". */
  redactedKeys: 'flightrec.redacted_keys',

  // Added with issue 3 (instrumentation API); append-only below this line.
  /** Span-local content hashes in `hash` capture mode (and alongside content in redacted/full). */
  inputMessagesSha256: 'flightrec.input.messages.sha256',
  outputMessagesSha256: 'flightrec.output.messages.sha256',
  resultSha256: 'flightrec.result.sha256',
  /** Size in bytes (UTF-8) of the content that was hashed, so a reviewer can tell an empty read from a large one. */
  contentSize: 'flightrec.content.size',
  /** The tool/action a policy check or approval is about. */
  policyAction: 'flightrec.policy.action',
  approvalReason: 'flightrec.approval.reason',
  /** Streams: chunks the consumer read, and whether it stopped before the end. */
  streamChunks: 'flightrec.stream.chunks',
  streamAborted: 'flightrec.stream.aborted',
  /** Who verified task completion (a person, a check, a test) — completion is never inferred. */
  taskVerifiedBy: 'flightrec.task.verified_by',
  taskStepIndex: 'flightrec.task.step.index',
  /** Message sends: recipients as the agent addressed them (redaction applies). */
  messageRecipients: 'flightrec.message.recipients',
  /** Keys whose values could not be redacted and were dropped (fail closed). */
  droppedKeys: 'flightrec.dropped_keys',
} as const;

/** Values of `flightrec.step`: the kind of step within its record. */
export const StepKinds = {
  agent: 'agent',
  modelCall: 'model_call',
  context: 'context',
  messageIn: 'message_in',
  policy: 'policy',
  approval: 'approval',
  tool: 'tool',
  write: 'write',
  send: 'send',
  task: 'task',
  taskStep: 'task_step',
} as const;
export type StepKind = (typeof StepKinds)[keyof typeof StepKinds];

/** OpenInference (Arize Phoenix) names flightrec also writes, so tools that read OpenInference classify our spans. */
export const OpenInference = {
  spanKind: 'openinference.span.kind',
  sessionId: 'session.id',
  inputValue: 'input.value',
} as const;

/**
 * Content keys of other instrumentations (instrumentation-dialects notes): flightrec never writes
 * them, but a store fed by these producers holds content under them, so the audit export and
 * erasure must treat them as content (instrumentation/content-keys.ts).
 */
export const ForeignContent = {
  /** OpenInference: the output twin of `input.value`, and flattened message lists (`llm.input_messages.0.message.content`). */
  openInferenceOutputValue: 'output.value',
  openInferenceInputMessagesPrefix: 'llm.input_messages.',
  openInferenceOutputMessagesPrefix: 'llm.output_messages.',
  /** Older GenAI conventions / OpenLLMetry: `gen_ai.prompt.0.content`, `gen_ai.completion.0.content`. */
  promptPrefix: 'gen_ai.prompt.',
  completionPrefix: 'gen_ai.completion.',
  prompt: 'gen_ai.prompt',
  completion: 'gen_ai.completion',
  /** GenAI guardrail spans (opt-in): `gen_ai.guardrail.content.input.value` / `.output.value`. */
  guardrailContentPrefix: 'gen_ai.guardrail.content.',
  /** Vercel AI SDK. */
  aiPromptPrefix: 'ai.prompt',
  aiResponseText: 'ai.response.text',
  aiResponseObject: 'ai.response.object',
  aiResponseToolCalls: 'ai.response.toolCalls',
  aiToolCallArgs: 'ai.toolCall.args',
  aiToolCallResult: 'ai.toolCall.result',
} as const;
export const OpenInferenceSpanKinds = { llm: 'LLM', tool: 'TOOL', agent: 'AGENT', chain: 'CHAIN', retriever: 'RETRIEVER', guardrail: 'GUARDRAIL' } as const;

/** Content capture modes; `none` is the default, as the GenAI conventions ask. */
export const CaptureModes = ['none', 'hash', 'redacted', 'full'] as const;
export type CaptureMode = (typeof CaptureModes)[number];

export const RecordKind = { saw: 'saw', decided: 'decided', touched: 'touched' } as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

export const SourceKinds = ['user_message', 'channel_message', 'tool_result', 'retrieval', 'memory', 'web', 'file', 'system'] as const;
export type SourceKind = (typeof SourceKinds)[number];

export const Trust = ['trusted', 'untrusted'] as const;
export type Trust = (typeof Trust)[number];

export const Sensitivities = ['public', 'internal', 'confidential', 'secret', 'pii'] as const;
export type Sensitivity = (typeof Sensitivities)[number];

export const Verdicts = ['allow', 'deny', 'require_approval', 'read_only'] as const;
export type Verdict = (typeof Verdicts)[number];

export const ApprovalStatuses = ['pending', 'approved', 'denied', 'modified', 'expired'] as const;
export type ApprovalStatus = (typeof ApprovalStatuses)[number];

export const Effects = ['read', 'write', 'send', 'delete', 'execute', 'payment'] as const;
export type Effect = (typeof Effects)[number];
/** The effects that change something outside the agent: what the totals and a session's figures count as side effects. */
export const SideEffectEffects: readonly Effect[] = Effects.filter((e) => e !== 'read');

/** Ordered from least to most severe; the order is used by detections (risk >= high). */
export const Risks = ['low', 'medium', 'high', 'critical'] as const;
export type Risk = (typeof Risks)[number];

export const Outcomes = ['ok', 'error', 'partial', 'unknown'] as const;
export type Outcome = (typeof Outcomes)[number];

export const StepStates = ['pending', 'running', 'completed', 'failed', 'skipped'] as const;
export type StepState = (typeof StepStates)[number];

export const TaskCompletions = ['verified_complete', 'incomplete', 'failed', 'unknown'] as const;
export type TaskCompletion = (typeof TaskCompletions)[number];

/**
 * OpenClaw's names (issue 8). The `openclaw.*` keys OpenClaw's own diagnostics-otel plugin writes
 * (read by storage/derived-columns.ts to map its spans onto saw/decided/touched), and the ids the
 * flightrec OpenClaw plugin adds (diagnostics-otel deliberately drops run/session/call ids).
 */
export const OpenClaw = {
  // Written by diagnostics-otel (extensions/diagnostics-otel); the flightrec plugin reuses them for the same facts.
  toolName: 'openclaw.toolName',
  outcome: 'openclaw.outcome',
  deniedReason: 'openclaw.deniedReason',
  channel: 'openclaw.channel',
  provider: 'openclaw.provider',
  model: 'openclaw.model',
  api: 'openclaw.api',
  transport: 'openclaw.transport',
  trigger: 'openclaw.trigger',
  errorCategory: 'openclaw.errorCategory',
  failureKind: 'openclaw.failureKind',
  tokensInput: 'openclaw.tokens.input',
  tokensOutput: 'openclaw.tokens.output',
  toolSource: 'openclaw.tool.source',
  execTarget: 'openclaw.exec.target',
  execExitCode: 'openclaw.exec.exit_code',
  deliveryKind: 'openclaw.delivery.kind',
  messageSource: 'openclaw.source',
  skillName: 'openclaw.skill.name',
  requestBytes: 'openclaw.model_call.request_bytes',
  responseBytes: 'openclaw.model_call.response_bytes',
  agent: 'openclaw.agent',
  blockedBy: 'openclaw.blocked_by',
  loopAction: 'openclaw.loop.action',
  // Added by the flightrec OpenClaw plugin only.
  runId: 'openclaw.run.id',
  sessionKey: 'openclaw.session.key',
  sessionId: 'openclaw.session.id',
  callId: 'openclaw.call.id',
  agentId: 'openclaw.agent.id',
  durationMs: 'openclaw.duration_ms',
  messageCount: 'openclaw.message_count',
  sessionReason: 'openclaw.session.reason',
  compactedCount: 'openclaw.compaction.compacted_count',
  compactionTokens: 'openclaw.compaction.token_count',
  toolsOffered: 'openclaw.tools.offered',
  /** A session goal's status as OpenClaw last reported it in the run (`complete` is the model's claim). */
  goalStatus: 'openclaw.goal.status',
  /** SHA-256 of the status note the model gave with `update_goal` (content, so hashed). */
  goalNoteSha256: 'openclaw.goal.note_sha256',
} as const;

/**
 * Issue 21: the GenAI conventions' guardrail and evaluation names, which flightrec's wrappers write
 * beside their flightrec.* attributes (which stay the source of truth for verdicts and completion).
 */
export const GenAIGuardrail = {
  componentName: 'gen_ai.guardrail.component.name',
  policyId: 'gen_ai.guardrail.policy.id',
  resultType: 'gen_ai.guardrail.result.type',
  resultValue: 'gen_ai.guardrail.result.value',
  resultReason: 'gen_ai.guardrail.result.reason',
} as const;
export const GenAIEvaluation = {
  name: 'gen_ai.evaluation.name',
  scoreValue: 'gen_ai.evaluation.score.value',
  scoreLabel: 'gen_ai.evaluation.score.label',
  explanation: 'gen_ai.evaluation.explanation',
} as const;
/** GenAI event names (on a span). */
export const GenAIEvents = { guardrailResult: 'gen_ai.guardrail.result', evaluationResult: 'gen_ai.evaluation.result' } as const;
export const GenAIOperationApplyGuardrail = 'apply_guardrail';

/** Every attribute key flightrec declares, for cross-checks against SQL and docs. */
export const AllAttributeKeys: ReadonlySet<string> = new Set<string>([...Object.values(GenAI), ...Object.values(Flightrec), ...Object.values(OpenInference), ...Object.values(OpenClaw), ...Object.values(GenAIGuardrail), ...Object.values(GenAIEvaluation)]);
