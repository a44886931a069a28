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

CREATE OR REPLACE VIEW `otel`.flightrec_spans AS
SELECT
    Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName,
    ResourceAttributes, SpanAttributes, Duration, StatusCode, StatusMessage,
    `Events.Timestamp` AS EventTimestamps, `Events.Name` AS EventNames,
    coalesce(nullIf(SpanAttributes['gen_ai.conversation.id'], ''), nullIf(SpanAttributes['flightrec.session.id'], ''), nullIf(SpanAttributes['openclaw.sessionKey'], ''), nullIf(TraceId, ''), '') AS SessionId,
    coalesce(nullIf(SpanAttributes['flightrec.record'], ''), nullIf(multiIf(
      SpanName IN ('openclaw.message.processed', 'openclaw.context.assembled'), 'saw',
      SpanName = 'openclaw.tool.execution' AND SpanAttributes['openclaw.outcome'] = 'blocked', 'decided',
      SpanName IN ('openclaw.model.call', 'openclaw.run', 'openclaw.harness.run'), 'decided',
      SpanName IN ('openclaw.tool.execution', 'openclaw.exec', 'openclaw.message.delivery'), 'touched',
      ''), ''), '') AS Record,
    SpanAttributes['flightrec.step'] AS Step,
    SpanAttributes['gen_ai.operation.name'] AS Operation,
    coalesce(nullIf(SpanAttributes['gen_ai.agent.name'], ''), nullIf(ResourceAttributes['gen_ai.agent.name'], ''), nullIf(SpanAttributes['gen_ai.agent.id'], ''), nullIf(ServiceName, ''), '') AS Agent,
    SpanAttributes['flightrec.actor'] AS Actor,
    coalesce(nullIf(SpanAttributes['flightrec.channel'], ''), nullIf(SpanAttributes['openclaw.channel'], ''), '') AS Channel,
    coalesce(nullIf(SpanAttributes['gen_ai.tool.name'], ''), nullIf(SpanAttributes['openclaw.toolName'], ''), '') AS Tool,
    coalesce(nullIf(SpanAttributes['gen_ai.response.model'], ''), nullIf(SpanAttributes['gen_ai.request.model'], ''), '') AS Model,
    toUInt64OrZero(SpanAttributes['gen_ai.usage.input_tokens']) AS InputTokens,
    toUInt64OrZero(SpanAttributes['gen_ai.usage.output_tokens']) AS OutputTokens,
    SpanAttributes['flightrec.source.kind'] AS SourceKind,
    SpanAttributes['flightrec.source.trust'] AS Trust,
    SpanAttributes['flightrec.source.sensitivity'] AS Sensitivity,
    SpanAttributes['flightrec.content.sha256'] AS ContentSha256,
    parseDateTime64BestEffortOrNull(SpanAttributes['flightrec.content.produced_at'], 3) AS ContentProducedAt,
    coalesce(nullIf(SpanAttributes['flightrec.policy.verdict'], ''), nullIf(if(SpanAttributes['openclaw.outcome'] = 'blocked', 'deny', ''), ''), '') AS Verdict,
    coalesce(nullIf(SpanAttributes['flightrec.policy.rule'], ''), nullIf(SpanAttributes['openclaw.deniedReason'], ''), '') AS PolicyRule,
    SpanAttributes['flightrec.approval.status'] AS ApprovalStatus,
    SpanAttributes['flightrec.approval.approver'] AS Approver,
    SpanAttributes['flightrec.effect'] AS Effect,
    SpanAttributes['flightrec.target.system'] AS TargetSystem,
    SpanAttributes['flightrec.target.resource'] AS TargetResource,
    SpanAttributes['flightrec.risk'] AS Risk,
    indexOf(['low', 'medium', 'high', 'critical'], SpanAttributes['flightrec.risk']) AS RiskLevel,
    SpanAttributes['flightrec.reversible'] AS Reversible,
    SpanAttributes['flightrec.idempotency_key'] AS IdempotencyKey,
    SpanAttributes['flightrec.arguments.sha256'] AS ArgumentsSha256,
    coalesce(nullIf(SpanAttributes['flightrec.outcome'], ''), nullIf(if(CAST(StatusCode, 'String') IN ('STATUS_CODE_ERROR', 'Error'), 'error', ''), ''), '') AS Outcome,
    SpanAttributes['flightrec.task.id'] AS TaskId,
    SpanAttributes['flightrec.task.step'] AS TaskStep,
    SpanAttributes['flightrec.task.step.state'] AS TaskStepState,
    SpanAttributes['flightrec.task.completion'] AS TaskCompletion,
    toUInt8(CAST(StatusCode, 'String') IN ('STATUS_CODE_ERROR', 'Error')) AS IsError,
    SpanAttributes['error.type'] AS ErrorType,
    coalesce(nullIf(SpanAttributes['flightrec.policy.action'], ''), nullIf(SpanAttributes['gen_ai.tool.name'], ''), nullIf(SpanAttributes['openclaw.toolName'], ''), '') AS Action,
    SpanAttributes['flightrec.source.uri'] AS SourceUri,
    multiIf(startsWith(SpanAttributes['flightrec.task.steps'], '['), toUInt32(JSONLength(SpanAttributes['flightrec.task.steps'])), SpanAttributes['flightrec.task.steps'] = '', toUInt32(0), toUInt32OrZero(SpanAttributes['flightrec.task.steps']) > 0, toUInt32OrZero(SpanAttributes['flightrec.task.steps']), toUInt32(length(splitByChar(',', SpanAttributes['flightrec.task.steps'])))) AS TaskSteps
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
    coalesce(nullIf(SpanAttributes['gen_ai.conversation.id'], ''), nullIf(SpanAttributes['flightrec.session.id'], ''), nullIf(SpanAttributes['openclaw.sessionKey'], ''), nullIf(TraceId, ''), '') AS SessionId,
    TraceId,
    ServiceName,
    min(Timestamp) AS Start,
    max(Timestamp + toIntervalNanosecond(Duration)) AS End,
    count() AS Spans
FROM `otel`.otel_traces
GROUP BY SessionId, TraceId, ServiceName;

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
