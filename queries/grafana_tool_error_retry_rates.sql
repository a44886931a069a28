-- name: grafana_tool_error_retry_rates
-- description: Per tool (a call two instrumentations recorded counts once, by its first span): calls, errors and error rate, and retries (a call of the same tool in the same session right after one that failed) and retry rate, filtered by service, agent, channel and conversation.
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
    SELECT
        Tool,
        IsError = 1 OR Outcome = 'error' AS failed,
        -- A retry follows a failed call of the tool; a call's twin (its second span, the same CallRef) is none.
        lagInFrame((toUInt8(IsError = 1 OR Outcome = 'error'), CallRef), 1, (0, '')) OVER (
            PARTITION BY SessionId, Tool ORDER BY Timestamp, SpanId
            ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS previous,
        previous.1 = 1 AND previous.2 != CallRef AS after_failure
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      AND Record = 'touched' AND Tool != ''
  -- include: overview_filters
)
SELECT
    Tool,
    count() - twins[Tool].1 AS Calls,
    countIf(failed) - twins[Tool].2 AS Errors,
    round(Errors / Calls, 4) AS ErrorRate,
    countIf(after_failure = 1) AS Retries,
    round(Retries / Calls, 4) AS RetryRate
FROM calls
GROUP BY Tool
ORDER BY Errors DESC, Calls DESC, Tool
