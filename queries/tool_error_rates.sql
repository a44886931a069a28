-- name: tool_error_rates
-- description: Tool calls by tool: calls, errors and error rate, retries (a call of the same tool in the same session right after a failed one) and retry rate, sessions using it.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- panel: table
WITH per_session AS (
    SELECT Tool, SessionId,
           arraySort(groupArray((Timestamp, toUInt8(IsError = 1 OR Outcome = 'error')))) AS calls
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      AND Tool != '' AND Record = 'touched'
    GROUP BY Tool, SessionId
)
SELECT
    Tool,
    sum(length(calls)) AS Calls,
    sum(arrayCount(c -> c.2 = 1, calls)) AS Errors,
    round(Errors / Calls, 4) AS ErrorRate,
    sum(arrayCount((c, i) -> i > 1 AND calls[i - 1].2 = 1, calls, arrayEnumerate(calls))) AS Retries,
    round(Retries / Calls, 4) AS RetryRate,
    count() AS Sessions
FROM per_session
GROUP BY Tool
ORDER BY Errors DESC, Calls DESC, Tool
