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
    ADD COLUMN IF NOT EXISTS FrSessionId String MATERIALIZED coalesce(nullIf(SpanAttributes['gen_ai.conversation.id'], ''), nullIf(SpanAttributes['flightrec.session.id'], ''), nullIf(SpanAttributes['openclaw.sessionKey'], ''), nullIf(SpanAttributes['session.id'], ''), nullIf(SpanAttributes['openclaw.session.id'], ''), nullIf(TraceId, ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrRecord LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.record'], ''), nullIf(multiIf(
      SpanName IN ('openclaw.message.processed', 'openclaw.context.assembled', 'openclaw.skill.used'), 'saw',
      SpanName = 'openclaw.tool.execution' AND SpanAttributes['openclaw.outcome'] = 'blocked', 'decided',
      SpanName = 'openclaw.tool.loop' AND SpanAttributes['openclaw.loop.action'] = 'block', 'decided',
      SpanName IN ('openclaw.run', 'openclaw.harness.run') AND (SpanAttributes['openclaw.outcome'] = 'blocked' OR SpanAttributes['openclaw.blocked_by'] != ''), 'decided',
      SpanName = 'openclaw.model.call', 'decided',
      (ScopeName = 'openclaw' AND NOT startsWith(SpanName, 'openclaw.') AND SpanAttributes['gen_ai.operation.name'] IN ('chat', 'text_completion', 'generate_content')), 'decided',
      SpanName IN ('openclaw.tool.execution', 'openclaw.message.delivery'), 'touched',
      ''), ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrStep LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.step'], ''), nullIf(multiIf(
      SpanName = 'openclaw.message.processed', 'message_in',
      SpanName IN ('openclaw.context.assembled', 'openclaw.skill.used'), 'context',
      SpanName = 'openclaw.tool.execution' AND SpanAttributes['openclaw.outcome'] = 'blocked', 'policy',
      SpanName = 'openclaw.tool.loop' AND SpanAttributes['openclaw.loop.action'] = 'block', 'policy',
      SpanName = 'openclaw.tool.execution', 'tool',
      SpanName = 'openclaw.message.delivery', 'send',
      SpanName = 'openclaw.model.call' OR (ScopeName = 'openclaw' AND NOT startsWith(SpanName, 'openclaw.') AND SpanAttributes['gen_ai.operation.name'] IN ('chat', 'text_completion', 'generate_content')), 'model_call',
      ''), ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrAgent LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['gen_ai.agent.name'], ''), nullIf(ResourceAttributes['gen_ai.agent.name'], ''), nullIf(SpanAttributes['gen_ai.agent.id'], ''), nullIf(SpanAttributes['openclaw.agent'], ''), nullIf(ServiceName, ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrActor LowCardinality(String) MATERIALIZED SpanAttributes['flightrec.actor'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrTool LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['gen_ai.tool.name'], ''), nullIf(SpanAttributes['openclaw.toolName'], ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrModel LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['gen_ai.response.model'], ''), nullIf(SpanAttributes['gen_ai.request.model'], ''), nullIf(SpanAttributes['openclaw.model'], ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrInputTokens UInt64 MATERIALIZED toUInt64OrZero(SpanAttributes['gen_ai.usage.input_tokens']) CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrOutputTokens UInt64 MATERIALIZED toUInt64OrZero(SpanAttributes['gen_ai.usage.output_tokens']) CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrSourceKind LowCardinality(String) MATERIALIZED SpanAttributes['flightrec.source.kind'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrTrust LowCardinality(String) MATERIALIZED SpanAttributes['flightrec.source.trust'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrSensitivity LowCardinality(String) MATERIALIZED SpanAttributes['flightrec.source.sensitivity'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrContentProducedAt Nullable(DateTime64(3)) MATERIALIZED parseDateTime64BestEffortOrNull(SpanAttributes['flightrec.content.produced_at'], 3) CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrVerdict LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.policy.verdict'], ''), nullIf(if(SpanAttributes['openclaw.outcome'] = 'blocked' OR (SpanName = 'openclaw.tool.loop' AND SpanAttributes['openclaw.loop.action'] = 'block'), 'deny', ''), ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrPolicyRule LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.policy.rule'], ''), nullIf(SpanAttributes['openclaw.deniedReason'], ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrApprovalStatus LowCardinality(String) MATERIALIZED SpanAttributes['flightrec.approval.status'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrApprover LowCardinality(String) MATERIALIZED SpanAttributes['flightrec.approval.approver'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrEffect LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.effect'], ''), nullIf(if(ScopeName = 'openclaw', if(SpanName = 'openclaw.message.delivery', 'send', transform(SpanAttributes['openclaw.toolName'], ['read', 'ls', 'dir_list', 'dir_fetch', 'file_fetch', 'write', 'file_write', 'edit', 'apply_patch', 'exec', 'process', 'terminal', 'nodes', 'node_inference', 'mobile_ui', 'web_fetch', 'web_search', 'browser', 'message', 'conversations_send', 'conversations_turn', 'sessions_send', 'sessions_spawn', 'subagents', 'agents_wait', 'ask_user', 'tts', 'talk_voice', 'cron', 'automations', 'gateway', 'plugins', 'secrets', 'skill_workshop', 'canvas', 'create_goal', 'update_goal', 'memory_search', 'memory_get', 'transcripts', 'sessions_history', 'sessions_search', 'get_goal', 'sessions_list', 'session_status', 'sessions_yield', 'conversations_list', 'agents_list', 'tool_search', 'tool_search_code', 'tool_describe', 'tool_call', 'openclaw', 'dashboard', 'portal', 'theme', 'intent', 'progress_card'], ['read', 'read', 'read', 'read', 'read', 'write', 'write', 'write', 'write', 'execute', 'execute', 'execute', 'execute', 'execute', 'execute', 'read', 'read', 'send', 'send', 'send', 'send', 'send', 'execute', 'execute', 'read', 'send', 'send', 'send', 'write', 'write', 'execute', 'write', 'read', 'write', 'write', 'write', 'write', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'read', 'execute', 'execute', 'read', 'read', 'read', 'read', 'read'], '')), ''), ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrTargetSystem LowCardinality(String) MATERIALIZED SpanAttributes['flightrec.target.system'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrTargetResource String MATERIALIZED SpanAttributes['flightrec.target.resource'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrRisk LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.risk'], ''), nullIf(transform(SpanAttributes['openclaw.toolName'], ['read', 'ls', 'dir_list', 'dir_fetch', 'file_fetch', 'write', 'file_write', 'edit', 'apply_patch', 'exec', 'process', 'terminal', 'nodes', 'node_inference', 'mobile_ui', 'web_fetch', 'web_search', 'browser', 'message', 'conversations_send', 'conversations_turn', 'sessions_send', 'sessions_spawn', 'subagents', 'agents_wait', 'ask_user', 'tts', 'talk_voice', 'cron', 'automations', 'gateway', 'plugins', 'secrets', 'skill_workshop', 'canvas', 'create_goal', 'update_goal', 'memory_search', 'memory_get', 'transcripts', 'sessions_history', 'sessions_search', 'get_goal', 'sessions_list', 'session_status', 'sessions_yield', 'conversations_list', 'agents_list', 'tool_search', 'tool_search_code', 'tool_describe', 'tool_call', 'openclaw', 'dashboard', 'portal', 'theme', 'intent', 'progress_card'], ['low', 'low', 'low', 'low', 'low', 'medium', 'medium', 'medium', 'medium', 'high', 'high', 'high', 'high', 'medium', 'high', 'medium', 'low', 'high', 'high', 'high', 'medium', 'medium', 'medium', 'medium', 'low', 'low', 'low', 'low', 'high', 'high', 'critical', 'critical', 'high', 'medium', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'medium', 'medium', 'low', 'low', 'low', 'low', 'low'], ''), ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrRiskLevel UInt8 MATERIALIZED indexOf(['low', 'medium', 'high', 'critical'], coalesce(nullIf(SpanAttributes['flightrec.risk'], ''), nullIf(transform(SpanAttributes['openclaw.toolName'], ['read', 'ls', 'dir_list', 'dir_fetch', 'file_fetch', 'write', 'file_write', 'edit', 'apply_patch', 'exec', 'process', 'terminal', 'nodes', 'node_inference', 'mobile_ui', 'web_fetch', 'web_search', 'browser', 'message', 'conversations_send', 'conversations_turn', 'sessions_send', 'sessions_spawn', 'subagents', 'agents_wait', 'ask_user', 'tts', 'talk_voice', 'cron', 'automations', 'gateway', 'plugins', 'secrets', 'skill_workshop', 'canvas', 'create_goal', 'update_goal', 'memory_search', 'memory_get', 'transcripts', 'sessions_history', 'sessions_search', 'get_goal', 'sessions_list', 'session_status', 'sessions_yield', 'conversations_list', 'agents_list', 'tool_search', 'tool_search_code', 'tool_describe', 'tool_call', 'openclaw', 'dashboard', 'portal', 'theme', 'intent', 'progress_card'], ['low', 'low', 'low', 'low', 'low', 'medium', 'medium', 'medium', 'medium', 'high', 'high', 'high', 'high', 'medium', 'high', 'medium', 'low', 'high', 'high', 'high', 'medium', 'medium', 'medium', 'medium', 'low', 'low', 'low', 'low', 'high', 'high', 'critical', 'critical', 'high', 'medium', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'low', 'medium', 'medium', 'low', 'low', 'low', 'low', 'low'], ''), ''), '')) CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrReversible LowCardinality(String) MATERIALIZED SpanAttributes['flightrec.reversible'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrIdempotencyKey String MATERIALIZED SpanAttributes['flightrec.idempotency_key'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrArgumentsSha256 String MATERIALIZED SpanAttributes['flightrec.arguments.sha256'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrOutcome LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.outcome'], ''), nullIf(if(CAST(StatusCode, 'String') IN ('STATUS_CODE_ERROR', 'Error'), 'error', ''), ''), nullIf(multiIf(SpanAttributes['openclaw.outcome'] = 'completed', 'ok', SpanAttributes['openclaw.outcome'] IN ('error', 'failed'), 'error', ''), ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrTaskId String MATERIALIZED SpanAttributes['flightrec.task.id'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrTaskStep LowCardinality(String) MATERIALIZED SpanAttributes['flightrec.task.step'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrTaskStepState LowCardinality(String) MATERIALIZED SpanAttributes['flightrec.task.step.state'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrTaskCompletion LowCardinality(String) MATERIALIZED SpanAttributes['flightrec.task.completion'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrIsError UInt8 MATERIALIZED toUInt8(CAST(StatusCode, 'String') IN ('STATUS_CODE_ERROR', 'Error')) CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrAction LowCardinality(String) MATERIALIZED coalesce(nullIf(SpanAttributes['flightrec.policy.action'], ''), nullIf(SpanAttributes['gen_ai.tool.name'], ''), nullIf(SpanAttributes['openclaw.toolName'], ''), '') CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrDecisionToolCalls String MATERIALIZED SpanAttributes['flightrec.decision.tool_calls'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrSourceUri String MATERIALIZED SpanAttributes['flightrec.source.uri'] CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS FrTaskSteps UInt32 MATERIALIZED multiIf(startsWith(SpanAttributes['flightrec.task.steps'], '['), toUInt32(JSONLength(SpanAttributes['flightrec.task.steps'])), SpanAttributes['flightrec.task.steps'] = '', toUInt32(0), toUInt32OrZero(SpanAttributes['flightrec.task.steps']) > 0, toUInt32OrZero(SpanAttributes['flightrec.task.steps']), toUInt32(length(splitByChar(',', SpanAttributes['flightrec.task.steps'])))) CODEC(ZSTD(1));

ALTER TABLE `otel`.otel_traces ADD PROJECTION IF NOT EXISTS flightrec_by_session (SELECT Timestamp, TraceId, SpanId, ParentSpanId, SpanName, ServiceName, Duration, StatusCode, StatusMessage, FrSessionId, FrRecord, FrActor, FrApprover, FrDecisionToolCalls, FrStep, FrAgent, FrAction, FrTool, FrModel, FrInputTokens, FrOutputTokens, FrSourceKind, FrTrust, FrSensitivity, FrContentProducedAt, FrVerdict, FrPolicyRule, FrApprovalStatus, FrEffect, FrTargetSystem, FrTargetResource, FrRisk, FrRiskLevel, FrReversible, FrOutcome, FrTaskId, FrTaskStep, FrTaskStepState, FrTaskSteps, FrTaskCompletion, FrIsError ORDER BY FrSessionId, Timestamp);

CREATE OR REPLACE VIEW `otel`.flightrec_spans AS
SELECT
    Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName,
    ResourceAttributes, SpanAttributes, Duration, StatusCode, StatusMessage,
    `Events.Timestamp` AS EventTimestamps, `Events.Name` AS EventNames,
    FrSessionId AS SessionId,
    FrRecord AS Record,
    FrStep AS Step,
    coalesce(nullIf(SpanAttributes['gen_ai.operation.name'], ''), nullIf(if(SpanName = 'openclaw.tool.execution', 'execute_tool', ''), ''), '') AS Operation,
    FrAgent AS Agent,
    FrActor AS Actor,
    coalesce(nullIf(SpanAttributes['flightrec.channel'], ''), nullIf(SpanAttributes['openclaw.channel'], ''), '') AS Channel,
    FrTool AS Tool,
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
    FrApprovalStatus AS ApprovalStatus,
    FrApprover AS Approver,
    FrEffect AS Effect,
    FrTargetSystem AS TargetSystem,
    FrTargetResource AS TargetResource,
    FrRisk AS Risk,
    FrRiskLevel AS RiskLevel,
    FrReversible AS Reversible,
    FrIdempotencyKey AS IdempotencyKey,
    FrArgumentsSha256 AS ArgumentsSha256,
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
    coalesce(nullIf(SpanAttributes['gen_ai.conversation.id'], ''), nullIf(SpanAttributes['flightrec.session.id'], ''), nullIf(SpanAttributes['openclaw.sessionKey'], ''), nullIf(SpanAttributes['session.id'], ''), nullIf(SpanAttributes['openclaw.session.id'], ''), nullIf(TraceId, ''), '') AS SessionId,
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
    SpanId String CODEC(ZSTD(1))
) ENGINE = MergeTree()
PARTITION BY toDate(Timestamp)
ORDER BY (SessionKey, Timestamp)
TTL toDateTime(Timestamp) + toIntervalDay(180)
SETTINGS index_granularity = 256;

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
    SpanId
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
--       SpanId
--   FROM `otel`.otel_traces
--   WHERE Kind != '' OR InputTokens > 0 OR OutputTokens > 0
