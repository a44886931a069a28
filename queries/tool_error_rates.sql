-- name: tool_error_rates
-- description: Tool calls by tool (a call two instrumentations recorded counts once, by its first span): calls, errors and error rate, retries (a call of the same tool in the same session right after a failed one) and retry rate, sessions using it; filtered by service, agent, channel and conversation (each * for every one, the default).
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- include: overview_filters
-- title: Error and retry rates by tool
-- panel: table
WITH
-- include: tool_call_twins,
-- A call counts once, by its first span: its twins (the spans a second instrumentation made of it) are left out.
calls AS (
    SELECT
        Tool,
        SessionId,
        IsError = 1 OR Outcome = 'error' AS failed,
        -- A retry is a call of the tool right after a failed one in the same session.
        lagInFrame(toUInt8(failed), 1, 0) OVER (
            PARTITION BY SessionId, Tool ORDER BY Timestamp, SpanId
            ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) = 1 AS after_failure
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      AND Record = 'touched' AND Tool != ''
      AND (TraceId, SpanId) NOT IN (SELECT TraceId, SpanId FROM tool_call_twins)
  -- include: overview_filters
)
SELECT
    Tool,
    count() AS Calls,
    countIf(failed) AS Errors,
    round(Errors / Calls, 4) AS ErrorRate,
    countIf(after_failure) AS Retries,
    round(Retries / Calls, 4) AS RetryRate,
    uniqExact(SessionId) AS Sessions
FROM calls
GROUP BY Tool
ORDER BY Errors DESC, Calls DESC, Tool
