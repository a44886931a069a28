-- name: recent_sessions
-- description: Sessions active in a time range, newest first: agent, start and end, traces, spans, side effects, denials, errors and tokens (a model call two instrumentations recorded counts its tokens once).
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- param: limit UInt32 = 200 — the most sessions to return
-- panel: table
WITH model_calls AS (
    -- The range's model-call spans, from the narrow calls table: what a model call's shadow repeats.
    SELECT TraceId, SpanId FROM flightrec_calls
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Kind = 'model'
)
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
    sumIf(InputTokens + OutputTokens, NOT Shadow) AS Tokens
FROM (
    SELECT SessionId, Agent, Timestamp, Duration, TraceId, Record, Effect, Step, Verdict, IsError, InputTokens, OutputTokens,
           Step = 'model_call' AND
           -- include: model_call_shadow
           AS Shadow
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
)
GROUP BY SessionId
ORDER BY Started DESC
LIMIT {limit:UInt32}
