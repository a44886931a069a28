-- name: grafana_activity_over_time
-- description: Per time bucket: active sessions, policy denials, approvals requested and still pending, and errors (a call two instrumentations recorded fails once: a tool call's twin and a model call's shadow are not counted again), filtered by service, agent, channel and conversation.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- include: overview_filters
-- param: interval_seconds UInt32 = 60 — bucket width in seconds
-- title: Sessions, denials, pending approvals and errors over time
-- panel: timeseries
WITH
-- The range's model-call spans, from the narrow calls table: the scope of model_call_shadows.
model_calls AS (
    SELECT TraceId, SpanId, ParentSpanId FROM flightrec_calls
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Kind = 'model'
),
-- The failures of the shadows that pass the filters, per bucket, taken off below (read by trace id).
(
    SELECT mapFromArrays(groupArray(bucket), groupArray(errors)) FROM (
        SELECT toUnixTimestamp(toStartOfInterval(Timestamp, toIntervalSecond({interval_seconds:UInt32}))) AS bucket, count() AS errors
        FROM flightrec_spans
        WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND IsError = 1
          AND (TraceId, SpanId) IN (SELECT TraceId, SpanId FROM model_call_shadows)
          -- include: overview_filters
        GROUP BY bucket)
) AS shadow_errors,
-- The range's tool calls, from the narrow calls table: the scope of tool_call_twins.
tool_calls AS (
    SELECT SessionKey, CallId, Timestamp, TraceId, SpanId FROM flightrec_calls
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Kind = 'tool'
),
-- The failures of the twins (a tool call's second span) that pass the filters, per bucket, taken off below.
(
    SELECT mapFromArrays(groupArray(bucket), groupArray(errors)) FROM (
        SELECT toUnixTimestamp(toStartOfInterval(Timestamp, toIntervalSecond({interval_seconds:UInt32}))) AS bucket, count() AS errors
        FROM flightrec_spans
        WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND IsError = 1
          AND (TraceId, SpanId) IN (SELECT TraceId, SpanId FROM tool_call_twins)
          -- include: overview_filters
        GROUP BY bucket)
) AS twin_errors,
-- include: tool_call_twins,
-- include: model_call_shadows
SELECT
    toStartOfInterval(Timestamp, toIntervalSecond({interval_seconds:UInt32})) AS Time,
    uniqExact(SessionId) AS Sessions,
    countIf(Step = 'policy' AND Verdict = 'deny') AS Denials,
    countIf(Step = 'approval' AND ApprovalStatus = 'pending') AS ApprovalsPending,
    countIf(IsError = 1) - shadow_errors[toUnixTimestamp(Time)] - twin_errors[toUnixTimestamp(Time)] AS Errors
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
  -- include: overview_filters
GROUP BY Time
ORDER BY Time
