-- name: recent_sessions
-- description: Sessions active in a time range, newest first: agent, start and end, traces, spans, side effects, denials, errors and tokens (a model call two instrumentations recorded counts its tokens once).
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- param: limit UInt32 = 200 — the most sessions to return
-- panel: table
WITH
-- The range's model-call spans, from the narrow calls table: the scope of model_call_shadows.
model_calls AS (
    SELECT TraceId, SpanId, ParentSpanId FROM flightrec_calls
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Kind = 'model'
),
-- The tokens of each session's shadows, taken off below (read by trace id: the spans' trace index skips the rest).
(
    SELECT mapFromArrays(groupArray(SessionId), groupArray(tokens)) FROM (
        SELECT SessionId, sum(InputTokens) + sum(OutputTokens) AS tokens FROM flightrec_spans
        WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND (TraceId, SpanId) IN (SELECT TraceId, SpanId FROM model_call_shadows)
        GROUP BY SessionId)
) AS shadow_tokens,
-- include: model_call_shadows
SELECT
    SessionId,
    any(Agent) AS Agent,
    toDateTime64(min(Timestamp), 3) AS Started,
    toDateTime64(max(Timestamp + toIntervalNanosecond(Duration)), 3) AS Ended,
    uniqExact(TraceId) AS Traces,
    count() AS Spans,
    countIf(Record = 'touched' AND Effect IN ('write', 'send', 'delete', 'execute', 'payment')) AS SideEffects,
    countIf(Step = 'policy' AND Verdict = 'deny') AS Denials,
    countIf(IsError = 1) AS Errors,
    sum(InputTokens) + sum(OutputTokens) - shadow_tokens[SessionId] AS Tokens
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
GROUP BY SessionId
ORDER BY Started DESC
LIMIT {limit:UInt32}
