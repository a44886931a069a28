-- name: grafana_tool_error_retry_rates
-- description: Per tool (a call two instrumentations recorded counts once, by its call id; failed if either span failed): calls, errors and error rate, and retries (a call of the same tool in the same session right after one that failed) and retry rate, filtered by service, agent, channel and conversation.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- include: overview_filters
-- title: Error and retry rates by tool
-- panel: table
WITH one_per_call AS (
    SELECT Tool, SessionId, CallRef, min(Timestamp) AS started, max(toUInt8(IsError = 1 OR Outcome = 'error')) AS failed
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      AND Record = 'touched' AND Tool != ''
  -- include: overview_filters
    GROUP BY Tool, SessionId, CallRef
),
calls AS (
    SELECT
        Tool,
        failed = 1 AS failed,
        lagInFrame(failed, 1, 0) OVER (
            PARTITION BY SessionId, Tool ORDER BY started, CallRef
            ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS after_failure
    FROM one_per_call
)
SELECT
    Tool,
    count() AS Calls,
    countIf(failed) AS Errors,
    round(countIf(failed) / count(), 4) AS ErrorRate,
    countIf(after_failure = 1) AS Retries,
    round(countIf(after_failure = 1) / count(), 4) AS RetryRate
FROM calls
GROUP BY Tool
ORDER BY Errors DESC, Calls DESC, Tool
