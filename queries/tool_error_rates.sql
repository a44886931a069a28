-- name: tool_error_rates
-- description: Tool calls by tool (a call two instrumentations recorded counts once, by its first span): calls, errors and error rate, retries (a call of the same tool in the same session right after a failed one) and retry rate, sessions using it; filtered by service, agent, channel and conversation (each * for every one, the default).
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- include: overview_filters
-- title: Error and retry rates by tool
-- panel: table
WITH
-- What each tool's twins (a call's second span) that pass the filters add to its calls and errors, taken off below (read by trace id).
(
    SELECT mapFromArrays(groupArray(Tool), groupArray((n, errors))) FROM (
        SELECT Tool, count() AS n, countIf(IsError = 1 OR Outcome = 'error') AS errors
        FROM flightrec_spans
        WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND (TraceId, SpanId) IN (SELECT TraceId, SpanId FROM tool_call_twins)
          -- include: overview_filters
        GROUP BY Tool)
) AS twins,
-- include: tool_call_twins,
calls AS (
    SELECT Tool, SessionId, Timestamp, toUInt8(IsError = 1 OR Outcome = 'error') AS failed, CallRef
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      AND Record = 'touched' AND Tool != ''
  -- include: overview_filters
),
totals AS (
    SELECT Tool, count() - twins[Tool].1 AS calls, sum(failed) - twins[Tool].2 AS errors, uniqExact(SessionId) AS sessions
    FROM calls
    GROUP BY Tool
),
-- Retries need each session's call order, but only where a call of that tool failed; a call's
-- twin (its second span, the same CallRef) is no retry of it.
retries AS (
    SELECT Tool, sum(arrayCount((c, i) -> i > 1 AND ordered[i - 1].2 = 1, ordered, arrayEnumerate(ordered))) AS retries
    FROM (
        SELECT Tool, SessionId, arrayFilter((c, i) -> indexOf(arrayMap(x -> x.3, spans), c.3) = i, spans, arrayEnumerate(spans)) AS ordered
        FROM (
        SELECT Tool, SessionId, arraySort(groupArray((Timestamp, failed, CallRef))) AS spans
        FROM calls
        WHERE (Tool, SessionId) IN (SELECT Tool, SessionId FROM calls WHERE failed = 1)
        GROUP BY Tool, SessionId)
    )
    GROUP BY Tool
)
SELECT
    t.Tool AS Tool,
    t.calls AS Calls,
    t.errors AS Errors,
    round(t.errors / t.calls, 4) AS ErrorRate,
    r.retries AS Retries,
    round(r.retries / t.calls, 4) AS RetryRate,
    t.sessions AS Sessions
FROM totals AS t
LEFT JOIN retries AS r ON r.Tool = t.Tool
ORDER BY Errors DESC, Calls DESC, Tool
