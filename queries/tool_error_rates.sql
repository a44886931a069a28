-- name: tool_error_rates
-- description: Tool calls by tool (a call two instrumentations recorded counts once, by its call id; failed if either span failed): calls, errors and error rate, retries (a call of the same tool in the same session right after a failed one) and retry rate, sessions using it.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- panel: table
WITH
calls AS (
    SELECT Tool, SessionId, min(Timestamp) AS started, max(toUInt8(IsError = 1 OR Outcome = 'error')) AS failed
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      AND Record = 'touched' AND Tool != ''
    GROUP BY Tool, SessionId, CallRef
),
totals AS (
    SELECT Tool, count() AS calls, sum(failed) AS errors, uniqExact(SessionId) AS sessions
    FROM calls
    GROUP BY Tool
),
-- Retries need each session's call order, but only where a call of that tool failed.
retries AS (
    SELECT Tool, sum(arrayCount((c, i) -> i > 1 AND ordered[i - 1].2 = 1, ordered, arrayEnumerate(ordered))) AS retries
    FROM (
        SELECT Tool, SessionId, arraySort(groupArray((started, failed))) AS ordered
        FROM calls
        WHERE (Tool, SessionId) IN (SELECT Tool, SessionId FROM calls WHERE failed = 1)
        GROUP BY Tool, SessionId
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
