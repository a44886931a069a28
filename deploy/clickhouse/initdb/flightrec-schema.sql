-- flightrec schema for a ClickHouse server
-- database otel, retention 180 days.
-- otel_traces and its trace-id lookup match the OpenTelemetry Collector contrib clickhouse exporter:
-- run this before the collector (or set create_schema: false on the exporter). Idempotent.

CREATE DATABASE IF NOT EXISTS `otel`;

CREATE TABLE IF NOT EXISTS `otel`.otel_traces (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(T64, ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    ResourceAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(ResourceAttributes, 'Array(Tuple(String, String))')),
    SpanAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(SpanAttributes, 'Array(Tuple(String, String))')),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
    INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
) ENGINE = MergeTree()
PARTITION BY toDate(Timestamp)
PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)
TTL toDateTime(Timestamp) + toIntervalDay(180)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS `otel`.otel_traces_trace_id_ts (
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))
) ENGINE = AggregatingMergeTree()
PARTITION BY toStartOfWeek(Start)
ORDER BY (TraceId)
TTL toDateTime(Start) + toIntervalDay(180)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS `otel`.otel_traces_trace_id_ts_mv
TO `otel`.otel_traces_trace_id_ts
AS SELECT
    TraceId,
    min(toDateTime(Timestamp)) AS Start,
    max(toDateTime(Timestamp)) AS End
FROM `otel`.otel_traces
WHERE TraceId != ''
GROUP BY TraceId;

ALTER TABLE `otel`.otel_traces
    ADD COLUMN IF NOT EXISTS FrRule UInt8 MATERIALIZED if(SpanAttributes['flightrec.record'] != '' OR SpanAttributes['flightrec.step'] != '', 0, least(
      if(ScopeName = 'openclaw', least(transform(SpanName, ['', 'openclaw.message.processed', 'openclaw.context.assembled', 'openclaw.skill.used'], [255, 1, 2, 2], 255), if((SpanName = 'openclaw.tool.execution' AND SpanAttributes['openclaw.outcome'] = 'blocked'), 3, 255), if((SpanName = 'openclaw.tool.loop' AND SpanAttributes['openclaw.loop.action'] = 'block'), 4, 255), if((SpanName IN ('openclaw.run', 'openclaw.harness.run') AND (SpanAttributes['openclaw.outcome'] = 'blocked' OR SpanAttributes['openclaw.blocked_by'] != '')), 5, 255), transform(SpanName, ['', 'openclaw.model.call'], [255, 6], 255), if((NOT startsWith(SpanName, 'openclaw.') AND SpanAttributes['gen_ai.operation.name'] IN ('chat', 'generate_content', 'text_completion')), 7, 255), transform(SpanName, ['', 'openclaw.tool.execution', 'openclaw.message.delivery'], [255, 8, 9], 255), 10), 255),
      transform(SpanAttributes['mcp.method.name'], ['', 'tools/call', 'resources/read', 'prompts/get'], [255, 11, 12, 13], 14),
      transform(SpanAttributes['gen_ai.operation.name'], ['', 'chat', 'generate_content', 'text_completion', 'apply_guardrail', 'execute_tool', 'retrieval', 'search_memory', 'create_memory', 'update_memory', 'upsert_memory', 'delete_memory', 'delete_memory_store', 'invoke_agent', 'create_agent', 'invoke_workflow', 'agent', 'execute_task', 'framework', 'generateText', 'streamText'], [255, 15, 15, 15, 16, 17, 18, 19, 20, 20, 20, 21, 21, 22, 22, 22, 23, 23, 23, 24, 24], 255),
      transform(SpanAttributes['openinference.span.kind'], ['', 'LLM', 'TOOL', 'RETRIEVER', 'GUARDRAIL', 'EVALUATOR', 'AGENT'], [255, 25, 26, 27, 28, 29, 30], 255),
      transform(SpanAttributes['traceloop.span.kind'], ['', 'tool', 'agent'], [255, 31, 32], 255),
      transform(SpanAttributes['llm.request.type'], ['', 'chat', 'completion'], [255, 33, 33], 255),
      transform(SpanName, ['', 'ai.generateText.doGenerate', 'ai.streamText.doStream', 'ai.generateObject.doGenerate', 'ai.streamObject.doStream', 'ai.toolCall', 'ai.generateText', 'ai.streamText', 'ai.generateObject', 'ai.streamObject'], [255, 34, 34, 34, 34, 35, 36, 36, 36, 36], 255)) % 255) CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrSessionId String MATERIALIZED coalesce(nullIf(SpanAttributes['gen_ai.conversation.id'], ''), nullIf(SpanAttributes['flightrec.session.id'], ''), nullIf(SpanAttributes['openclaw.sessionKey'], ''), nullIf(SpanAttributes['session.id'], ''), nullIf(SpanAttributes['openclaw.session.id'], ''), nullIf(SpanAttributes['traceloop.association.properties.session_id'], ''), nullIf(SpanAttributes['ai.settings.context.conversationId'], ''), nullIf(SpanAttributes['agento11y.framework.thread_id'], ''), nullIf(TraceId, ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrRecord LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.record'], ''), nullIf(arrayElement(['saw', 'saw', 'decided', 'decided', 'decided', 'decided', 'decided', 'touched', 'touched', '', 'touched', 'saw', 'saw', '', 'decided', 'decided', 'touched', 'saw', 'saw', 'touched', 'touched', '', '', 'decided', 'decided', 'touched', 'saw', 'decided', 'decided', '', 'touched', '', 'decided', 'decided', 'touched', ''], FrRule), ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrStep LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.step'], ''), nullIf(arrayElement(['message_in', 'context', 'policy', 'policy', '', 'model_call', 'model_call', 'tool', 'send', '', 'tool', 'context', 'context', '', 'model_call', 'policy', 'tool', 'context', 'context', 'write', 'write', 'agent', 'agent', 'model_call', 'model_call', 'tool', 'context', 'policy', 'evaluation', 'agent', 'tool', 'agent', 'model_call', 'model_call', 'tool', 'agent'], FrRule), ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrAgent LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['gen_ai.agent.name'], ''), nullIf(ResourceAttributes['gen_ai.agent.name'], ''), nullIf(SpanAttributes['gen_ai.agent.id'], ''), nullIf(SpanAttributes['openclaw.agent'], ''), nullIf(SpanAttributes['agent.name'], ''), nullIf(ServiceName, ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrActor LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.actor'], ''), nullIf(SpanAttributes['user.id'], ''), nullIf(SpanAttributes['traceloop.association.properties.user_id'], ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrTool LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['gen_ai.tool.name'], ''), nullIf(SpanAttributes['openclaw.toolName'], ''), nullIf(if(SpanAttributes['openinference.span.kind'] = 'TOOL', SpanAttributes['tool.name'], ''), ''), nullIf(SpanAttributes['ai.toolCall.name'], ''), nullIf(if(SpanAttributes['traceloop.span.kind'] = 'tool', SpanAttributes['traceloop.entity.name'], ''), ''), nullIf(if(SpanAttributes['openinference.span.kind'] = 'TOOL', SpanName, ''), ''), nullIf(if(SpanAttributes['mcp.method.name'] = 'tools/call' AND position(SpanName, 'tools/call ') > 0, substring(SpanName, position(SpanName, 'tools/call ') + 11), ''), ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrToolEntry UInt16 MATERIALIZED if(arrayElement([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0], FrRule) = 0 OR FrTool = '', 0, arrayMin(multiMatchAllIndices(lower(FrTool), ['secret', 'password', 'credential', 'api_key', 'apikey', '^vault_', 'payment', 'charge', 'refund', 'payout', '^transfer_funds\\z', 'wire_transfer', '^stripe_', '^delete_', '^remove_', '_delete\\z', '^drop_', '^rm\\z', '^exec\\z', '^shell\\z', '^bash\\z', '^sh\\z', '^terminal\\z', '^run_command\\z', '^run_shell', '^execute_command\\z', 'shell_command', '^run_code\\z', '^code_interpreter\\z', '^python\\z', '^execute_code\\z', '^read_.*mail', '^get_.*mail', '^list_.*mail', '^search_.*mail', 'inbox', '^read_message', '^get_message', '^send_', 'email', '_mail\\z', '^mail_', '^post_message\\z', '^reply', '^notify', '^sms', '^slack_post', '^message\\z', '^http_post\\z', '^http_put\\z', '^http_patch\\z', '^post_', '^put_', 'webhook', '^http_request\\z', '^curl\\z', '^upload', '^write', 'write_file', '^edit', '^create_file\\z', '^save_', '^append_', '^apply_patch\\z', '^str_replace', '^move_file\\z', '^rename_file\\z', '^mkdir\\z', '^fetch', '^http_get\\z', '^web_', '^browse', '^scrape', 'search', '^open_url\\z', '^visit', '^read', '^get_', '^list_', '^cat\\z', '^ls\\z', 'lookup', '^query', '^describe_']))) CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrToolCallId String MATERIALIZED coalesce(nullIf(SpanAttributes['gen_ai.tool.call.id'], ''), nullIf(if(SpanAttributes['openinference.span.kind'] = 'TOOL', SpanAttributes['tool_call.id'], ''), ''), nullIf(if(SpanAttributes['openinference.span.kind'] = 'TOOL', SpanAttributes['tool.id'], ''), ''), nullIf(SpanAttributes['ai.toolCall.id'], ''), nullIf(if(SpanAttributes['mcp.method.name'] = 'tools/call' AND SpanAttributes['jsonrpc.request.id'] != '', concat('mcp:', TraceId, ':', SpanAttributes['mcp.session.id'], ':', SpanAttributes['jsonrpc.request.id']), ''), ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrModel LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['gen_ai.response.model'], ''), nullIf(SpanAttributes['gen_ai.request.model'], ''), nullIf(SpanAttributes['llm.model_name'], ''), nullIf(SpanAttributes['ai.model.id'], ''), nullIf(SpanAttributes['openclaw.model'], ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrInputTokens UInt64 MATERIALIZED toUInt64OrZero(coalesce(nullIf(SpanAttributes['gen_ai.usage.input_tokens'], ''), nullIf(SpanAttributes['gen_ai.usage.prompt_tokens'], ''), nullIf(SpanAttributes['llm.token_count.prompt'], ''), nullIf(SpanAttributes['ai.usage.inputTokens'], ''), nullIf(SpanAttributes['ai.usage.promptTokens'], ''), '')) CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrOutputTokens UInt64 MATERIALIZED toUInt64OrZero(coalesce(nullIf(SpanAttributes['gen_ai.usage.output_tokens'], ''), nullIf(SpanAttributes['gen_ai.usage.completion_tokens'], ''), nullIf(SpanAttributes['llm.token_count.completion'], ''), nullIf(SpanAttributes['ai.usage.outputTokens'], ''), nullIf(SpanAttributes['ai.usage.completionTokens'], ''), '')) CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrSourceKind LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.source.kind'], ''), nullIf(arrayElement(['', '', '', '', '', '', '', '', '', '', '', 'retrieval', 'system', '', '', '', '', 'retrieval', 'memory', '', '', '', '', '', '', '', 'retrieval', '', '', '', '', '', '', '', '', ''], FrRule), ''), nullIf(if(if(FrRecord = 'touched', arrayElement(['trusted', 'trusted', 'trusted', 'trusted', 'trusted', 'trusted', '', '', '', '', '', '', '', '', '', '', '', '', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted'], FrToolEntry), '') != '', 'tool_result', ''), ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrTrust LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.source.trust'], ''), nullIf(arrayElement(['', '', '', '', '', '', '', '', '', '', '', 'untrusted', '', '', '', '', '', 'untrusted', 'untrusted', '', '', '', '', '', '', '', 'untrusted', '', '', '', '', '', '', '', '', ''], FrRule), ''), nullIf(if(FrRecord = 'touched', arrayElement(['trusted', 'trusted', 'trusted', 'trusted', 'trusted', 'trusted', '', '', '', '', '', '', '', '', '', '', '', '', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted', 'untrusted'], FrToolEntry), ''), ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrSensitivity LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.source.sensitivity'], ''), nullIf(if(FrRecord = 'touched', arrayElement(['secret', 'secret', 'secret', 'secret', 'secret', 'secret', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', ''], FrToolEntry), ''), ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrContentProducedAt Nullable(DateTime64(3)) MATERIALIZED parseDateTime64BestEffortOrNull(SpanAttributes['flightrec.content.produced_at'], 3) CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrVerdict LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.policy.verdict'], ''), nullIf(if(SpanAttributes['openclaw.outcome'] = 'blocked' OR (SpanName = 'openclaw.tool.loop' AND SpanAttributes['openclaw.loop.action'] = 'block'), 'deny', ''), ''), nullIf(if((SpanAttributes['gen_ai.guardrail.result.type'] = 'tripwire_triggered' AND SpanAttributes['gen_ai.guardrail.result.value'] = 'true') OR (SpanAttributes['gen_ai.guardrail.result.type'] = 'action' AND SpanAttributes['gen_ai.guardrail.result.value'] = 'GUARDRAIL_INTERVENED') OR (SpanAttributes['gen_ai.guardrail.result.type'] = 'action' AND SpanAttributes['gen_ai.guardrail.result.value'] = 'BLOCKED'), 'deny', ''), ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrPolicyRule LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.policy.rule'], ''), nullIf(SpanAttributes['openclaw.deniedReason'], ''), nullIf(SpanAttributes['gen_ai.guardrail.policy.id'], ''), nullIf(SpanAttributes['gen_ai.guardrail.result.reason'], ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrApprovalStatus LowCardinality(String) MATERIALIZED SpanAttributes['flightrec.approval.status'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrApprover LowCardinality(String) MATERIALIZED SpanAttributes['flightrec.approval.approver'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrEffect LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.effect'], ''), nullIf(arrayElement(['', '', '', '', '', '', '', '', 'send', '', '', '', '', '', '', '', '', '', '', 'write', 'delete', '', '', '', '', '', '', '', '', '', '', '', '', '', '', ''], FrRule), ''), nullIf(if(ScopeName = 'openclaw', transform(SpanAttributes['openclaw.toolName'], ['read', 'ls', 'dir_list', 'dir_fetch', 'file_fetch', 'write', 'file_write', 'edit', 'apply_patch', 'exec', 'process', 'terminal', 'nodes', 'node_inference', 'mobile_ui', 'web_fetch', 'web_search', 'browser', 'message', 'conversations_send', 'conversations_turn', 'sessions_send', 'sessions_spawn', 'subagents', 'agents_wait', 'ask_user', 'tts', 'talk_voice', 'cron', 'automations', 'gateway', 'plugins', 'secrets', 'skill_workshop', 'canvas', 'create_goal', 'update_goal', 'memory_search', 'memory_get', 'transcripts', 'sessions_history', 'sessions_search', 'get_goal', 'sessions_list', 'session_status', 'sessions_yield', 'conversations_list', 'agents_list', 'tool_search', 'tool_search_code', 'tool_describe', 'tool_call', 'openclaw', 'dashboard', 'portal', 'theme', 'intent', 'progress_card'], ['read', 'read', 'read', 'read', 'read', 'write', 'write', 'write', 'write', 'execute', 'execute', 'execute', 'execute', 'execute', 'execute', 'read', 'read', 'send', 'send', 'send', 'send', 'send', 'execute', 'execute', 'read', 'send', 'send', 'send', 'write', 'write', 'execute', 'write', 'read', 'write', 'write', 'write', 'write', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'execute', 'execute', 'read', 'read', 'read', 'read', 'read'], ''), ''), ''), nullIf(arrayElement(['read', 'read', 'read', 'read', 'read', 'read', 'payment', 'payment', 'payment', 'payment', 'payment', 'payment', 'payment', 'delete', 'delete', 'delete', 'delete', 'delete', 'execute', 'execute', 'execute', 'execute', 'execute', 'execute', 'execute', 'execute', 'execute', 'execute', 'execute', 'execute', 'execute', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'send', 'send', 'send', 'send', 'send', 'send', 'send', 'send', 'send', 'send', 'send', 'send', 'send', 'send', 'send', 'send', 'send', 'send', 'send', 'write', 'write', 'write', 'write', 'write', 'write', 'write', 'write', 'write', 'write', 'write', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read'], FrToolEntry), ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrTargetSystem LowCardinality(String) MATERIALIZED SpanAttributes['flightrec.target.system'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrTargetResource String MATERIALIZED SpanAttributes['flightrec.target.resource'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrRisk LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.risk'], ''), nullIf(transform(SpanAttributes['openclaw.toolName'], ['read', 'ls', 'dir_list', 'dir_fetch', 'file_fetch', 'write', 'file_write', 'edit', 'apply_patch', 'exec', 'process', 'terminal', 'nodes', 'node_inference', 'mobile_ui', 'web_fetch', 'web_search', 'browser', 'message', 'conversations_send', 'conversations_turn', 'sessions_send', 'sessions_spawn', 'subagents', 'agents_wait', 'ask_user', 'tts', 'talk_voice', 'cron', 'automations', 'gateway', 'plugins', 'secrets', 'skill_workshop', 'canvas', 'create_goal', 'update_goal', 'memory_search', 'memory_get', 'transcripts', 'sessions_history', 'sessions_search', 'get_goal', 'sessions_list', 'session_status', 'sessions_yield', 'conversations_list', 'agents_list', 'tool_search', 'tool_search_code', 'tool_describe', 'tool_call', 'openclaw', 'dashboard', 'portal', 'theme', 'intent', 'progress_card'], ['low', 'low', 'low', 'low', 'low', 'medium', 'medium', 'medium', 'medium', 'high', 'high', 'high', 'high', 'medium', 'high', 'medium', 'low', 'high', 'high', 'high', 'medium', 'medium', 'medium', 'medium', 'low', 'low', 'low', 'low', 'high', 'high', 'critical', 'critical', 'high', 'medium', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'medium', 'medium', 'low', 'low', 'low', 'low', 'low'], ''), ''), nullIf(arrayElement(['high', 'high', 'high', 'high', 'high', 'high', 'critical', 'critical', 'critical', 'critical', 'critical', 'critical', 'critical', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'high', 'medium', 'medium', 'medium', 'medium', 'medium', 'medium', 'medium', 'medium', 'medium', 'medium', 'medium', 'medium', 'medium', 'medium', 'medium', 'medium', 'medium', 'medium', 'medium', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low'], FrToolEntry), ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrRiskLevel UInt8 MATERIALIZED indexOf(['low', 'medium', 'high', 'critical'], FrRisk) CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrReversible LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.reversible'], ''), nullIf(if(ScopeName = 'openclaw', transform(SpanAttributes['openclaw.toolName'], ['read', 'ls', 'dir_list', 'dir_fetch', 'file_fetch', 'write', 'file_write', 'edit', 'apply_patch', 'exec', 'process', 'terminal', 'nodes', 'node_inference', 'mobile_ui', 'web_fetch', 'web_search', 'browser', 'message', 'conversations_send', 'conversations_turn', 'sessions_send', 'sessions_spawn', 'subagents', 'agents_wait', 'ask_user', 'tts', 'talk_voice', 'cron', 'automations', 'gateway', 'plugins', 'secrets', 'skill_workshop', 'canvas', 'create_goal', 'update_goal', 'memory_search', 'memory_get', 'transcripts', 'sessions_history', 'sessions_search', 'get_goal', 'sessions_list', 'session_status', 'sessions_yield', 'conversations_list', 'agents_list', 'tool_search', 'tool_search_code', 'tool_describe', 'tool_call', 'openclaw', 'dashboard', 'portal', 'theme', 'intent', 'progress_card'], ['', '', '', '', '', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', '', '', 'false', 'false', 'false', 'false', 'false', '', '', '', 'false', 'false', 'false', 'true', 'true', 'false', 'true', '', 'true', 'true', 'true', 'true', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', ''], ''), ''), ''), nullIf(arrayElement(['', '', '', '', '', '', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', '', '', '', '', '', '', '', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', 'false', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', ''], FrToolEntry), ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrIdempotencyKey String MATERIALIZED SpanAttributes['flightrec.idempotency_key'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrArgumentsSha256 String MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.arguments.sha256'], ''), nullIf(if(coalesce(nullIf(SpanAttributes['gen_ai.tool.call.arguments'], ''), nullIf(if(SpanAttributes['openinference.span.kind'] = 'TOOL', SpanAttributes['input.value'], ''), ''), nullIf(SpanAttributes['ai.toolCall.args'], ''), nullIf(if(SpanAttributes['traceloop.span.kind'] = 'tool', SpanAttributes['traceloop.entity.input'], ''), ''), '') = '', '', lower(hex(SHA256(coalesce(nullIf(SpanAttributes['gen_ai.tool.call.arguments'], ''), nullIf(if(SpanAttributes['openinference.span.kind'] = 'TOOL', SpanAttributes['input.value'], ''), ''), nullIf(SpanAttributes['ai.toolCall.args'], ''), nullIf(if(SpanAttributes['traceloop.span.kind'] = 'tool', SpanAttributes['traceloop.entity.input'], ''), ''), ''))))), ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrOutcome LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.outcome'], ''), nullIf(if(CAST(StatusCode, 'String') IN ('STATUS_CODE_ERROR', 'Error'), 'error', ''), ''), nullIf(multiIf(SpanAttributes['openclaw.outcome'] = 'completed', 'ok', SpanAttributes['openclaw.outcome'] IN ('error', 'failed'), 'error', ''), ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrTaskId String MATERIALIZED SpanAttributes['flightrec.task.id'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrTaskStep LowCardinality(String) MATERIALIZED SpanAttributes['flightrec.task.step'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrTaskStepState LowCardinality(String) MATERIALIZED SpanAttributes['flightrec.task.step.state'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrTaskCompletion LowCardinality(String) MATERIALIZED SpanAttributes['flightrec.task.completion'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrIsError UInt8 MATERIALIZED toUInt8(CAST(StatusCode, 'String') IN ('STATUS_CODE_ERROR', 'Error')) CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrAction LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.policy.action'], ''), nullIf(FrTool, ''), nullIf(SpanAttributes['gen_ai.guardrail.component.name'], ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrDecisionToolCalls String MATERIALIZED SpanAttributes['flightrec.decision.tool_calls'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrSourceUri String MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.source.uri'], ''), nullIf(SpanAttributes['mcp.resource.uri'], ''), nullIf(SpanAttributes['gen_ai.data_source.id'], ''), nullIf(SpanAttributes['gen_ai.memory.store.id'], ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrTaskSteps UInt32 MATERIALIZED multiIf(startsWith(SpanAttributes['flightrec.task.steps'], '['), toUInt32(JSONLength(SpanAttributes['flightrec.task.steps'])), SpanAttributes['flightrec.task.steps'] = '', toUInt32(0), toUInt32OrZero(SpanAttributes['flightrec.task.steps']) > 0, toUInt32OrZero(SpanAttributes['flightrec.task.steps']), toUInt32(length(splitByChar(',', SpanAttributes['flightrec.task.steps'])))) CODEC(ZSTD(1));

ALTER TABLE `otel`.otel_traces ADD PROJECTION IF NOT EXISTS flightrec_by_session (SELECT Timestamp, TraceId, SpanId, ParentSpanId, SpanName, ServiceName, Duration, StatusCode, StatusMessage, FrSessionId, FrRecord, FrActor, FrApprover, FrDecisionToolCalls, FrStep, FrAgent, FrAction, FrTool, FrModel, FrInputTokens, FrOutputTokens, FrSourceKind, FrTrust, FrSensitivity, FrContentProducedAt, FrVerdict, FrPolicyRule, FrApprovalStatus, FrEffect, FrTargetSystem, FrTargetResource, FrRisk, FrRiskLevel, FrReversible, FrToolCallId, FrOutcome, FrTaskId, FrTaskStep, FrTaskStepState, FrTaskSteps, FrTaskCompletion, FrIsError ORDER BY FrSessionId, Timestamp);

CREATE OR REPLACE VIEW `otel`.flightrec_spans AS
SELECT
    Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName,
    ResourceAttributes, SpanAttributes, Duration, StatusCode, StatusMessage,
    `Events.Timestamp` AS EventTimestamps, `Events.Name` AS EventNames,
    FrRule AS Rule,
    FrSessionId AS SessionId,
    FrRecord AS Record,
    FrStep AS Step,
    coalesce(nullIf(SpanAttributes['gen_ai.operation.name'], ''), nullIf(arrayElement(['', '', 'execute_tool', '', '', '', '', 'execute_tool', '', '', 'execute_tool', '', '', '', '', '', '', '', '', '', '', '', '', '', 'chat', 'execute_tool', '', '', '', '', 'execute_tool', '', 'chat', 'chat', 'execute_tool', ''], FrRule), ''), '') AS Operation,
    FrAgent AS Agent,
    FrActor AS Actor,
    coalesce(nullIf(SpanAttributes['flightrec.channel'], ''), nullIf(SpanAttributes['openclaw.channel'], ''), '') AS Channel,
    FrTool AS Tool,
    FrToolEntry AS ToolEntry,
    FrToolCallId AS ToolCallId,
    if(FrRecord = 'touched' AND FrToolCallId != '', FrToolCallId, SpanId) AS CallRef,
    FrModel AS Model,
    FrInputTokens AS InputTokens,
    FrOutputTokens AS OutputTokens,
    FrSourceKind AS SourceKind,
    FrTrust AS Trust,
    FrSensitivity AS Sensitivity,
    SpanAttributes['flightrec.content.sha256'] AS ContentSha256,
    FrContentProducedAt AS ContentProducedAt,
    FrVerdict AS Verdict,
    FrPolicyRule AS PolicyRule,
    if(SpanAttributes['gen_ai.guardrail.result.type'] = '', '', concat(SpanAttributes['gen_ai.guardrail.result.type'], '=', SpanAttributes['gen_ai.guardrail.result.value'])) AS GuardrailResult,
    arrayStringConcat(arrayMap(a -> concat(a['gen_ai.evaluation.name'], ' ', if(a['gen_ai.evaluation.score.label'] != '', a['gen_ai.evaluation.score.label'], a['gen_ai.evaluation.score.value'])), arrayFilter((a, n) -> n = 'gen_ai.evaluation.result', `Events.Attributes`, `Events.Name`)), '; ') AS Evaluations,
    FrApprovalStatus AS ApprovalStatus,
    FrApprover AS Approver,
    FrEffect AS Effect,
    toUInt8(FrRecord = 'touched' AND FrEffect IN ('write', 'send', 'delete', 'execute', 'payment')) AS SideEffect,
    FrTargetSystem AS TargetSystem,
    FrTargetResource AS TargetResource,
    FrRisk AS Risk,
    FrRiskLevel AS RiskLevel,
    FrReversible AS Reversible,
    FrIdempotencyKey AS IdempotencyKey,
    FrArgumentsSha256 AS ArgumentsSha256,
    coalesce(nullIf(SpanAttributes['flightrec.result.sha256'], ''), nullIf(if(coalesce(nullIf(SpanAttributes['gen_ai.tool.call.result'], ''), nullIf(if(SpanAttributes['openinference.span.kind'] = 'TOOL', SpanAttributes['output.value'], ''), ''), nullIf(SpanAttributes['ai.toolCall.result'], ''), nullIf(if(SpanAttributes['traceloop.span.kind'] = 'tool', SpanAttributes['traceloop.entity.output'], ''), ''), '') = '', '', lower(hex(SHA256(coalesce(nullIf(SpanAttributes['gen_ai.tool.call.result'], ''), nullIf(if(SpanAttributes['openinference.span.kind'] = 'TOOL', SpanAttributes['output.value'], ''), ''), nullIf(SpanAttributes['ai.toolCall.result'], ''), nullIf(if(SpanAttributes['traceloop.span.kind'] = 'tool', SpanAttributes['traceloop.entity.output'], ''), ''), ''))))), ''), '') AS ResultSha256,
    FrOutcome AS Outcome,
    FrTaskId AS TaskId,
    FrTaskStep AS TaskStep,
    FrTaskStepState AS TaskStepState,
    FrTaskCompletion AS TaskCompletion,
    FrIsError AS IsError,
    SpanAttributes['error.type'] AS ErrorType,
    FrAction AS Action,
    FrDecisionToolCalls AS DecisionToolCalls,
    FrSourceUri AS SourceUri,
    FrTaskSteps AS TaskSteps,
    ScopeName AS ScopeName
FROM `otel`.otel_traces;

CREATE TABLE IF NOT EXISTS `otel`.flightrec_session_traces (
    SessionId String CODEC(ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime64(9)),
    End SimpleAggregateFunction(max, DateTime64(9)),
    Spans SimpleAggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree()
PARTITION BY toDate(Start)
ORDER BY (SessionId, TraceId, ServiceName)
TTL toDateTime(Start) + toIntervalDay(180);

CREATE MATERIALIZED VIEW IF NOT EXISTS `otel`.flightrec_session_traces_mv
TO `otel`.flightrec_session_traces
AS SELECT
    FrSessionId AS SessionId,
    TraceId,
    ServiceName,
    min(Timestamp) AS Start,
    max(Timestamp + toIntervalNanosecond(Duration)) AS End,
    count() AS Spans
FROM `otel`.otel_traces
GROUP BY SessionId, TraceId, ServiceName;

CREATE TABLE IF NOT EXISTS `otel`.flightrec_calls (
    SessionKey UInt64 CODEC(ZSTD(1)),
    SessionId String CODEC(ZSTD(1)),
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    Kind LowCardinality(String) CODEC(ZSTD(1)),
    Subject LowCardinality(String) CODEC(ZSTD(1)),
    CallKey UInt64 CODEC(ZSTD(1)),
    InputTokens UInt64 CODEC(ZSTD(1)),
    OutputTokens UInt64 CODEC(ZSTD(1)),
    Agent LowCardinality(String) CODEC(ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    CallId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1))
) ENGINE = MergeTree()
PARTITION BY toDate(Timestamp)
ORDER BY (SessionKey, Timestamp)
TTL toDateTime(Timestamp) + toIntervalDay(180)
SETTINGS index_granularity = 256;

ALTER TABLE `otel`.flightrec_calls ADD COLUMN IF NOT EXISTS CallId String CODEC(ZSTD(1));

ALTER TABLE `otel`.flightrec_calls ADD COLUMN IF NOT EXISTS ParentSpanId String CODEC(ZSTD(1));

CREATE MATERIALIZED VIEW IF NOT EXISTS `otel`.flightrec_calls_mv
TO `otel`.flightrec_calls
AS SELECT
    cityHash64(FrSessionId) AS SessionKey,
    FrSessionId AS SessionId,
    Timestamp,
    multiIf(FrStep = 'model_call', 'model', FrRecord = 'touched' AND FrTool != '', 'tool', '') AS Kind,
    multiIf(Kind = 'model', FrModel, Kind = 'tool', FrTool, '') AS Subject,
    bitShiftLeft(toUInt64(cityHash64(Kind, Subject) % 2097152), 42) + toUInt64(toUnixTimestamp64Milli(Timestamp)) AS CallKey,
    FrInputTokens AS InputTokens,
    FrOutputTokens AS OutputTokens,
    FrAgent AS Agent,
    TraceId,
    SpanId,
    if(Kind = 'tool', FrToolCallId, '') AS CallId,
    ParentSpanId
FROM `otel`.otel_traces
WHERE Kind != '' OR InputTokens > 0 OR OutputTokens > 0;

CREATE TABLE IF NOT EXISTS `otel`.flightrec_ingest_log (
    Time DateTime64(3) CODEC(Delta, ZSTD(1)),
    Receiver LowCardinality(String),
    Outcome LowCardinality(String),
    Spans UInt64,
    Bytes UInt64,
    LatencyMs Float64,
    Message String,
    Requests UInt32,
    HttpStatus UInt16
) ENGINE = MergeTree()
PARTITION BY toDate(Time)
ORDER BY Time
TTL toDateTime(Time) + toIntervalDay(180);

ALTER TABLE `otel`.flightrec_ingest_log ADD COLUMN IF NOT EXISTS Requests UInt32, ADD COLUMN IF NOT EXISTS HttpStatus UInt16;

-- Upgrading a database that already holds spans: flightrec_calls is filled by its materialized view
-- from the moment it exists; run this once, right after the script, for the spans stored before:
--   INSERT INTO `otel`.flightrec_calls SELECT
--       cityHash64(FrSessionId) AS SessionKey,
--       FrSessionId AS SessionId,
--       Timestamp,
--       multiIf(FrStep = 'model_call', 'model', FrRecord = 'touched' AND FrTool != '', 'tool', '') AS Kind,
--       multiIf(Kind = 'model', FrModel, Kind = 'tool', FrTool, '') AS Subject,
--       bitShiftLeft(toUInt64(cityHash64(Kind, Subject) % 2097152), 42) + toUInt64(toUnixTimestamp64Milli(Timestamp)) AS CallKey,
--       FrInputTokens AS InputTokens,
--       FrOutputTokens AS OutputTokens,
--       FrAgent AS Agent,
--       TraceId,
--       SpanId,
--       if(Kind = 'tool', FrToolCallId, '') AS CallId,
--       ParentSpanId
--   FROM `otel`.otel_traces
--   WHERE Kind != '' OR InputTokens > 0 OR OutputTokens > 0
