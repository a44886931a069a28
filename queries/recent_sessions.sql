-- name: recent_sessions
-- description: Sessions active in a time range, newest first: agent, start and end, traces, spans, side effects, denials, errors and tokens (a model call two instrumentations recorded counts once, with its tokens and its failure; a tool call they recorded counts once, by its first span).
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
-- The tokens and failures of each session's shadows, taken off below (read by trace id: the spans' trace index skips the rest).
(
    SELECT mapFromArrays(groupArray(SessionId), groupArray((tokens, errors))) FROM (
        SELECT SessionId, sum(InputTokens) + sum(OutputTokens) AS tokens, countIf(IsError = 1) AS errors FROM flightrec_spans
        WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND (TraceId, SpanId) IN (SELECT TraceId, SpanId FROM model_call_shadows)
        GROUP BY SessionId)
) AS shadow_figures,
-- The side effects and failures of each session's twins (a tool call's second span), taken off below (read by trace id).
(
    SELECT mapFromArrays(groupArray(SessionId), groupArray((side_effects, errors))) FROM (
        SELECT SessionId, countIf(SideEffect = 1) AS side_effects, countIf(IsError = 1) AS errors FROM flightrec_spans
        WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND (TraceId, SpanId) IN (SELECT TraceId, SpanId FROM tool_call_twins)
        GROUP BY SessionId)
) AS twin_figures,
-- include: tool_call_twins,
-- include: model_call_shadows
SELECT
    SessionId,
    any(Agent) AS Agent,
    toDateTime64(min(Timestamp), 3) AS Started,
    toDateTime64(max(Timestamp + toIntervalNanosecond(Duration)), 3) AS Ended,
    uniqExact(TraceId) AS Traces,
    count() AS Spans,
    countIf(SideEffect = 1) - twin_figures[SessionId].1 AS SideEffects,
    countIf(Step = 'policy' AND Verdict = 'deny') AS Denials,
    countIf(IsError = 1) - shadow_figures[SessionId].2 - twin_figures[SessionId].2 AS Errors,
    sum(InputTokens) + sum(OutputTokens) - shadow_figures[SessionId].1 AS Tokens
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
GROUP BY SessionId
ORDER BY Started DESC
LIMIT {limit:UInt32}
