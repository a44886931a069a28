/**
 * Attribute keys, span names and values that other agent instrumentations write, read by the
 * mapping in span-mapping.ts. flightrec's own names (and the GenAI names its wrappers write) are in
 * instrumentation/semconv.ts; only what other producers add is here, one object per dialect.
 * Each was read from that producer's own semantic-conventions package or source, at the versions
 * docs/instrumentations.md lists.
 */

/**
 * OTel GenAI names beyond the ones flightrec writes (those, guardrail and evaluation names included,
 * are in instrumentation/semconv.ts): the semantic-conventions-genai registry (memory, retrieval)
 * and names older instrumentations still send.
 */
export const GenAIMore = {
  /** Deprecated by gen_ai.provider.name; still sent by OpenLIT, OpenLLMetry, the Vercel AI SDK. */
  system: 'gen_ai.system',
  /** The token names before gen_ai.usage.input_tokens / output_tokens (OpenLLMetry, older OpenLIT). */
  usagePromptTokens: 'gen_ai.usage.prompt_tokens',
  usageCompletionTokens: 'gen_ai.usage.completion_tokens',
  usageReasoningOutputTokens: 'gen_ai.usage.reasoning.output_tokens',
  usageCacheCreationInputTokens: 'gen_ai.usage.cache_creation.input_tokens',
  guardrailSource: 'gen_ai.guardrail.source',
  guardrailPolicyVersion: 'gen_ai.guardrail.policy.version',
  dataSourceId: 'gen_ai.data_source.id',
  memoryStoreId: 'gen_ai.memory.store.id',
  retrievalQueryText: 'gen_ai.retrieval.query.text',
} as const;

/** Values of gen_ai.operation.name that flightrec maps (registry as of semantic-conventions-genai, 2026-12). */
export const GenAIOperations = {
  inference: ['chat', 'generate_content', 'text_completion'],
  tool: ['execute_tool'],
  guardrail: ['apply_guardrail'],
  retrieval: ['retrieval'],
  memoryRead: ['search_memory'],
  memoryWrite: ['create_memory', 'update_memory', 'upsert_memory'],
  memoryDelete: ['delete_memory', 'delete_memory_store'],
  agent: ['invoke_agent', 'create_agent', 'invoke_workflow'],
} as const;

/** MCP semantic conventions (semantic-conventions-genai model/mcp). */
export const Mcp = {
  methodName: 'mcp.method.name',
  sessionId: 'mcp.session.id',
  resourceUri: 'mcp.resource.uri',
  protocolVersion: 'mcp.protocol.version',
  jsonrpcRequestId: 'jsonrpc.request.id',
} as const;
export const McpMethods = { toolsCall: 'tools/call', resourcesRead: 'resources/read', promptsGet: 'prompts/get' } as const;

/** OpenInference (@arizeai/openinference-semantic-conventions), beyond what flightrec writes. */
export const OpenInferenceMore = {
  llmModelName: 'llm.model_name',
  llmTokenCountPrompt: 'llm.token_count.prompt',
  llmTokenCountCompletion: 'llm.token_count.completion',
  toolName: 'tool.name',
  toolId: 'tool.id',
  toolCallId: 'tool_call.id',
  outputValue: 'output.value',
  userId: 'user.id',
  agentName: 'agent.name',
} as const;

/** OpenLLMetry / Traceloop (@traceloop/ai-semantic-conventions). */
export const Traceloop = {
  spanKind: 'traceloop.span.kind',
  entityName: 'traceloop.entity.name',
  entityInput: 'traceloop.entity.input',
  entityOutput: 'traceloop.entity.output',
  workflowName: 'traceloop.workflow.name',
  /** Association properties are user-named: `traceloop.association.properties.<key>`. */
  sessionId: 'traceloop.association.properties.session_id',
  userId: 'traceloop.association.properties.user_id',
  llmRequestType: 'llm.request.type',
} as const;

/**
 * OpenLIT (openlit.semcov), beyond the GenAI names it shares. Read from its spans (openlit 1.45.0):
 * `gen_ai.tool.args` is written by its model-provider instrumentations on the *chat* span — the
 * arguments of the tool call the model asked for, beside `gen_ai.tool.name` / `.call.id` — not on
 * a tool's execution (its framework instrumentations write `gen_ai.tool.call.arguments` there), so
 * it is not read as a tool call's arguments.
 */
export const OpenLit = {
  toolArgs: 'gen_ai.tool.args',
} as const;
export const OpenLitOperations = { agent: ['agent', 'execute_task', 'framework'] } as const;

/** The Vercel AI SDK's `ai.*` spans (@ai-sdk/otel's LegacyOpenTelemetry; its OpenTelemetry integration writes GenAI names). */
export const VercelAI = {
  modelId: 'ai.model.id',
  modelProvider: 'ai.model.provider',
  toolCallName: 'ai.toolCall.name',
  toolCallId: 'ai.toolCall.id',
  toolCallArgs: 'ai.toolCall.args',
  toolCallResult: 'ai.toolCall.result',
  usageInputTokens: 'ai.usage.inputTokens',
  usageOutputTokens: 'ai.usage.outputTokens',
  /** ai@4 and older. */
  usagePromptTokens: 'ai.usage.promptTokens',
  usageCompletionTokens: 'ai.usage.completionTokens',
  functionId: 'ai.telemetry.functionId',
  /**
   * LegacyOpenTelemetry writes the runtime context an application lets through
   * (`telemetry.includeRuntimeContext`) as `ai.settings.context.<key>`: flightrec reads the key
   * `conversationId` as the session.
   */
  contextConversationId: 'ai.settings.context.conversationId',
} as const;
export const VercelAISpans = {
  modelCall: ['ai.generateText.doGenerate', 'ai.streamText.doStream', 'ai.generateObject.doGenerate', 'ai.streamObject.doStream'],
  toolCall: ['ai.toolCall'],
  agent: ['ai.generateText', 'ai.streamText', 'ai.generateObject', 'ai.streamObject'],
} as const;

/** Grafana's agent-observability SDK (agento11y): GenAI names plus these. */
export const Agento11y = {
  generationId: 'agento11y.generation.id',
  threadId: 'agento11y.framework.thread_id',
  runId: 'agento11y.framework.run_id',
} as const;
/**
 * agento11y's generation spans (`{operation} {model}`) name their operation after the generation
 * mode — `generateText` (sync) or `streamText` — not GenAI's `chat` (read from agento11y 0.21.0's
 * client and its spans); its tool spans are GenAI `execute_tool`.
 */
export const Agento11yOperations = { generation: ['generateText', 'streamText'] } as const;

/** Every foreign key above, for cross-checks against SQL and docs. */
export const ForeignAttributeKeys: ReadonlySet<string> = new Set<string>([
  ...Object.values(GenAIMore), ...Object.values(Mcp), ...Object.values(OpenInferenceMore), ...Object.values(Traceloop),
  ...Object.values(OpenLit), ...Object.values(VercelAI), ...Object.values(Agento11y),
]);
