/**
 * The one mapping from agent-instrumentation dialects onto flightrec's model: which spans are
 * *saw* / *decided* / *touched* (and which step within it), and where each field (session, tool,
 * model, tokens, content, call id …) comes from in each dialect. Declarative data only; storage
 * compiles it into the MATERIALIZED columns and the flightrec_spans view
 * (storage/derived-columns.ts), so rows written by flightrec's receiver and by the contrib
 * collector are mapped the same way.
 *
 * Precedence, which is also the rule that keeps one span from being read twice:
 *  1. flightrec's own `flightrec.*` attributes, when present, win over everything;
 *  2. otherwise the first rule below that matches the span decides its record and step — so a span
 *     carrying two vocabularies (OpenLLMetry's `traceloop.*` beside GenAI names, the Vercel AI SDK's
 *     `ai.*` beside `gen_ai.*`, OpenInference beside GenAI) is one record, never two.
 * Two instrumentations that each make a span for the same tool call (OpenInference and the GenAI
 * instrumentation of one framework, MCP client and server) are told apart by the call id
 * (`ToolCallId`): detections count a (session, tool call id) once. See docs/instrumentations.md.
 */
import { Flightrec, GenAI, GenAIGuardrail, OpenClaw, OpenInference, OpenInferenceSpanKinds, type RecordKind, type SourceKind, type StepKind, type Trust } from '../instrumentation/semconv.ts';
import { Agento11y, Agento11yOperations, GenAIMore, GenAIOperations, Mcp, McpMethods, OpenInferenceMore, OpenLitOperations, Traceloop, VercelAI, VercelAISpans } from './dialects.ts';

/** A test on one span, compiled to SQL by storage. */
export type SpanCondition =
  | { readonly attr: string; readonly in: readonly string[] }
  | { readonly attr: string; readonly present: true }
  | { readonly spanName: readonly string[] }
  | { readonly spanNamePrefix: string }
  | { readonly scope: string }
  | { readonly all: readonly SpanCondition[] }
  | { readonly any: readonly SpanCondition[] }
  | { readonly not: SpanCondition };

export type DialectId = 'openclaw-diagnostics' | 'mcp' | 'genai' | 'openinference' | 'openllmetry' | 'openlit' | 'vercel-ai' | 'agento11y';

export interface SpanRule {
  readonly dialect: DialectId;
  readonly when: SpanCondition;
  /** '' = plumbing (kept, but not a saw/decided/touched record). */
  readonly record: RecordKind | '';
  readonly step: StepKind | 'evaluation' | '';
  /** For saw records: where the content came from, and how far to trust it. */
  readonly sourceKind?: SourceKind;
  readonly trust?: Trust;
  /** For touched records whose effect the dialect itself says (a memory write), before the tool catalogue. */
  readonly effect?: 'write' | 'delete' | 'send';
  /** gen_ai.operation.name for dialects that do not write it. */
  readonly operation?: 'chat' | 'execute_tool';
}

const op = (values: readonly string[]): SpanCondition => ({ attr: GenAI.operationName, in: values });
const oiKind = (...kinds: string[]): SpanCondition => ({ attr: OpenInference.spanKind, in: kinds });
const openclawScope: SpanCondition = { scope: 'openclaw' };
const ocBlocked: SpanCondition = { attr: OpenClaw.outcome, in: ['blocked'] };
const ocLoopBlock: SpanCondition = { all: [{ spanName: ['openclaw.tool.loop'] }, { attr: OpenClaw.loopAction, in: ['block'] }] };
/**
 * OpenClaw's model call under OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental is named
 * `{operation} {model}`; openclaw.model.usage carries the same operation but reports a call already
 * recorded, so only spans outside the `openclaw.` names count.
 */
const ocRenamedModelCall: SpanCondition = { all: [openclawScope, { not: { spanNamePrefix: 'openclaw.' } }, op(GenAIOperations.inference)] };

/**
 * OpenClaw's diagnostics-otel plugin (scope `openclaw`; span and attribute names from its source,
 * table in docs/openclaw.md). Runs, usage, exec-process details and health spans stay plumbing,
 * as flightrec's own invoke_agent spans do: the exec *tool call* is the touched record.
 */
const openclawRules: readonly SpanRule[] = [
  { dialect: 'openclaw-diagnostics', when: { spanName: ['openclaw.message.processed'] }, record: 'saw', step: 'message_in' },
  { dialect: 'openclaw-diagnostics', when: { spanName: ['openclaw.context.assembled', 'openclaw.skill.used'] }, record: 'saw', step: 'context' },
  { dialect: 'openclaw-diagnostics', when: { all: [{ spanName: ['openclaw.tool.execution'] }, ocBlocked] }, record: 'decided', step: 'policy', operation: 'execute_tool' },
  { dialect: 'openclaw-diagnostics', when: ocLoopBlock, record: 'decided', step: 'policy' },
  { dialect: 'openclaw-diagnostics', when: { all: [{ spanName: ['openclaw.run', 'openclaw.harness.run'] }, { any: [ocBlocked, { attr: OpenClaw.blockedBy, present: true }] }] }, record: 'decided', step: '' },
  { dialect: 'openclaw-diagnostics', when: { spanName: ['openclaw.model.call'] }, record: 'decided', step: 'model_call' },
  { dialect: 'openclaw-diagnostics', when: ocRenamedModelCall, record: 'decided', step: 'model_call' },
  { dialect: 'openclaw-diagnostics', when: { spanName: ['openclaw.tool.execution'] }, record: 'touched', step: 'tool', operation: 'execute_tool' },
  { dialect: 'openclaw-diagnostics', when: { spanName: ['openclaw.message.delivery'] }, record: 'touched', step: 'send', effect: 'send' },
  // Everything else OpenClaw sends is plumbing: no later (GenAI) rule may classify openclaw.model.usage.
  { dialect: 'openclaw-diagnostics', when: openclawScope, record: '', step: '' },
];

/**
 * Rules of these dialects apply only to spans of that instrumentation scope: OpenClaw's span names
 * (`openclaw.tool.execution`, …) and its catch-all would otherwise classify any producer's spans.
 */
export const RULE_SCOPES: Readonly<Partial<Record<DialectId, string>>> = { 'openclaw-diagnostics': 'openclaw' };

/** First match wins; see the header for why the order is the dedupe rule within a span. */
export const SPAN_RULES: readonly SpanRule[] = [
  ...openclawRules,
  // MCP (spans `{mcp.method.name} {target}`, client and server side).
  { dialect: 'mcp', when: { attr: Mcp.methodName, in: [McpMethods.toolsCall] }, record: 'touched', step: 'tool', operation: 'execute_tool' },
  { dialect: 'mcp', when: { attr: Mcp.methodName, in: [McpMethods.resourcesRead] }, record: 'saw', step: 'context', sourceKind: 'retrieval', trust: 'untrusted' },
  { dialect: 'mcp', when: { attr: Mcp.methodName, in: [McpMethods.promptsGet] }, record: 'saw', step: 'context', sourceKind: 'system' },
  { dialect: 'mcp', when: { attr: Mcp.methodName, present: true }, record: '', step: '' },
  // OTel GenAI semantic conventions (also OpenLIT, agento11y, the Vercel AI SDK's OpenTelemetry integration,
  // opentelemetry-instrumentation-openai(-v2), openai-agents' OTel instrumentation).
  { dialect: 'genai', when: op(GenAIOperations.inference), record: 'decided', step: 'model_call' },
  { dialect: 'genai', when: op(GenAIOperations.guardrail), record: 'decided', step: 'policy' },
  { dialect: 'genai', when: op(GenAIOperations.tool), record: 'touched', step: 'tool' },
  { dialect: 'genai', when: op(GenAIOperations.retrieval), record: 'saw', step: 'context', sourceKind: 'retrieval', trust: 'untrusted' },
  { dialect: 'genai', when: op(GenAIOperations.memoryRead), record: 'saw', step: 'context', sourceKind: 'memory', trust: 'untrusted' },
  { dialect: 'genai', when: op(GenAIOperations.memoryWrite), record: 'touched', step: 'write', effect: 'write' },
  { dialect: 'genai', when: op(GenAIOperations.memoryDelete), record: 'touched', step: 'write', effect: 'delete' },
  { dialect: 'genai', when: op(GenAIOperations.agent), record: '', step: 'agent' },
  { dialect: 'openlit', when: op(OpenLitOperations.agent), record: '', step: 'agent' },
  { dialect: 'agento11y', when: op(Agento11yOperations.generation), record: 'decided', step: 'model_call' },
  // OpenInference.
  { dialect: 'openinference', when: oiKind(OpenInferenceSpanKinds.llm), record: 'decided', step: 'model_call', operation: 'chat' },
  { dialect: 'openinference', when: oiKind(OpenInferenceSpanKinds.tool), record: 'touched', step: 'tool', operation: 'execute_tool' },
  { dialect: 'openinference', when: oiKind(OpenInferenceSpanKinds.retriever), record: 'saw', step: 'context', sourceKind: 'retrieval', trust: 'untrusted' },
  { dialect: 'openinference', when: oiKind(OpenInferenceSpanKinds.guardrail), record: 'decided', step: 'policy' },
  { dialect: 'openinference', when: oiKind('EVALUATOR'), record: 'decided', step: 'evaluation' },
  { dialect: 'openinference', when: oiKind(OpenInferenceSpanKinds.agent), record: '', step: 'agent' },
  // OpenLLMetry (Traceloop): its LLM spans also carry GenAI names, matched above when they name the operation.
  { dialect: 'openllmetry', when: { attr: Traceloop.spanKind, in: ['tool'] }, record: 'touched', step: 'tool', operation: 'execute_tool' },
  { dialect: 'openllmetry', when: { attr: Traceloop.spanKind, in: ['agent'] }, record: '', step: 'agent' },
  { dialect: 'openllmetry', when: { attr: Traceloop.llmRequestType, in: ['chat', 'completion'] }, record: 'decided', step: 'model_call', operation: 'chat' },
  // The Vercel AI SDK's `ai.*` spans (LegacyOpenTelemetry, and ai@4–6's built-in telemetry).
  { dialect: 'vercel-ai', when: { spanName: VercelAISpans.modelCall }, record: 'decided', step: 'model_call', operation: 'chat' },
  { dialect: 'vercel-ai', when: { spanName: VercelAISpans.toolCall }, record: 'touched', step: 'tool', operation: 'execute_tool' },
  { dialect: 'vercel-ai', when: { spanName: VercelAISpans.agent }, record: '', step: 'agent' },
];

/** Where a field's value comes from: a span attribute (first non-empty wins), a resource attribute or a row column. */
export type FieldSource =
  | string
  | { readonly attr: string; readonly when: SpanCondition }
  | { readonly resource: string }
  | { readonly column: 'TraceId' | 'ServiceName' | 'SpanName'; readonly when?: SpanCondition }
  /** The part of the span name after `after` (empty when the name lacks it). */
  | { readonly spanNameAfter: string; readonly when: SpanCondition };

const oiTool = oiKind(OpenInferenceSpanKinds.tool);
const traceloopTool: SpanCondition = { attr: Traceloop.spanKind, in: ['tool'] };
const mcpToolsCall: SpanCondition = { attr: Mcp.methodName, in: [McpMethods.toolsCall] };

/** Per field, its sources in order. flightrec's own key comes first wherever it has one. */
export const FIELD_SOURCES = {
  SessionId: [GenAI.conversationId, Flightrec.sessionId, 'openclaw.sessionKey', OpenInference.sessionId, OpenClaw.sessionId, Traceloop.sessionId, VercelAI.contextConversationId, Agento11y.threadId, { column: 'TraceId' }],
  Tool: [GenAI.toolName, OpenClaw.toolName, { attr: OpenInferenceMore.toolName, when: oiTool }, VercelAI.toolCallName, { attr: Traceloop.entityName, when: traceloopTool },
    // OpenInference's traceTool names the span after the function and sets no tool.name.
    { column: 'SpanName', when: oiTool },
    // MCP spans are named `{mcp.method.name} {target}`; the Python MCP SDK's client span
    // (`MCP send tools/call {tool}`) names its tool only there, with no gen_ai.tool.name.
    { spanNameAfter: `${McpMethods.toolsCall} `, when: mcpToolsCall }],
  ToolCallId: [GenAI.toolCallId, { attr: OpenInferenceMore.toolCallId, when: oiTool }, { attr: OpenInferenceMore.toolId, when: oiTool }, VercelAI.toolCallId],
  Model: [GenAI.responseModel, GenAI.requestModel, OpenInferenceMore.llmModelName, VercelAI.modelId, OpenClaw.model],
  InputTokens: [GenAI.usageInputTokens, GenAIMore.usagePromptTokens, OpenInferenceMore.llmTokenCountPrompt, VercelAI.usageInputTokens, VercelAI.usagePromptTokens],
  OutputTokens: [GenAI.usageOutputTokens, GenAIMore.usageCompletionTokens, OpenInferenceMore.llmTokenCountCompletion, VercelAI.usageOutputTokens, VercelAI.usageCompletionTokens],
  Agent: [GenAI.agentName, { resource: GenAI.agentName }, GenAI.agentId, OpenClaw.agent, OpenInferenceMore.agentName, { column: 'ServiceName' }],
  Actor: [Flightrec.actor, OpenInferenceMore.userId, Traceloop.userId],
  /** Tool-call arguments as sent, when content capture is on: hashed at insert, never stored twice. */
  ArgumentsContent: [GenAI.toolCallArguments, { attr: OpenInference.inputValue, when: oiTool }, VercelAI.toolCallArgs, { attr: Traceloop.entityInput, when: traceloopTool }],
  ResultContent: [GenAI.toolCallResult, { attr: OpenInferenceMore.outputValue, when: oiTool }, VercelAI.toolCallResult, { attr: Traceloop.entityOutput, when: traceloopTool }],
  SourceUri: [Flightrec.sourceUri, Mcp.resourceUri, GenAIMore.dataSourceId, GenAIMore.memoryStoreId],
  /** The subject of a guardrail verdict when no flightrec policy action names one. */
  GuardrailSubject: [GenAIGuardrail.componentName],
  GuardrailRule: [GenAIGuardrail.policyId, GenAIGuardrail.resultReason],
} as const satisfies Record<string, readonly FieldSource[]>;

/**
 * Provider-native guardrail results that mean the content was blocked. The conventions ask
 * instrumentations not to turn results into allow/deny; flightrec, a reader, maps only these
 * documented values onto its `deny` verdict and keeps the native ones (`gen_ai.guardrail.result.*`) as they are.
 */
export const GUARDRAIL_BLOCKING_RESULTS: readonly { readonly type: string; readonly value: string }[] = [
  { type: 'tripwire_triggered', value: 'true' }, // OpenAI Agents SDK guardrails
  { type: 'action', value: 'GUARDRAIL_INTERVENED' }, // Amazon Bedrock Guardrails
  { type: 'action', value: 'BLOCKED' },
];

/**
 * One model call recorded by two instrumentations (OpenInference's and the GenAI openai
 * instrumentation on one client; a framework's LLM span around the client library's): they share no
 * id, but the second wraps the first, so the inner span's parent is the outer one. A model call
 * makes no model call of its own, so a model-call span whose parent span (same trace) is a
 * model-call span is that call's *shadow*: it stays in the timeline (flagged with the call it
 * repeats) and is not counted again — calls and tokens in *runaway* and in every total. The model is not compared:
 * instrumentations name it differently (the request's alias, the response's dated name).
 * Applied at read time, over the parent link in flightrec_calls / flightrec_spans, by the one SQL text
 * queries/fragments/model_call_shadows.sql, because the outer span ends, and is exported, after the inner one.
 */
export const MODEL_CALL_SHADOW = { step: 'model_call', parentStep: 'model_call', link: 'ParentSpanId' } as const satisfies { readonly step: StepKind; readonly parentStep: StepKind; readonly link: 'ParentSpanId' };
