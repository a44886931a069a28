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
-- The failures of a call's repeats that pass the filters — a model call's shadows, a tool call's twins —
-- per bucket, taken off below (read by trace id).
(
    SELECT mapFromArrays(groupArray(bucket), groupArray(errors)) FROM (
        SELECT toUnixTimestamp(toStartOfInterval(Timestamp, toIntervalSecond({interval_seconds:UInt32}))) AS bucket, count() AS errors
        FROM flightrec_spans
        WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND IsError = 1
          AND ((TraceId, SpanId) IN (SELECT TraceId, SpanId FROM model_call_shadows)
               OR (TraceId, SpanId) IN (SELECT TraceId, SpanId FROM tool_call_twins))
          -- include: overview_filters
        GROUP BY bucket)
) AS repeat_errors,
-- include: tool_call_twins,
-- include: model_call_shadows
SELECT
    toStartOfInterval(Timestamp, toIntervalSecond({interval_seconds:UInt32})) AS Time,
    uniqExact(SessionId) AS Sessions,
    countIf(Step = 'policy' AND Verdict = 'deny') AS Denials,
    countIf(Step = 'approval' AND ApprovalStatus = 'pending') AS ApprovalsPending,
    countIf(IsError = 1) - repeat_errors[toUnixTimestamp(Time)] AS Errors
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
  -- include: overview_filters
GROUP BY Time
ORDER BY Time
