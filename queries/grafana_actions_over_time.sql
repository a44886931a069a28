-- name: grafana_actions_over_time
-- description: Actions (touched spans; a tool call two instrumentations recorded counts once, by its first span) per time bucket, one series per effect and risk, filtered by service, agent, channel and conversation.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- include: overview_filters
-- param: interval_seconds UInt32 = 60 — bucket width in seconds
-- title: Actions by effect and risk over time
-- panel: timeseries
WITH
-- What the twins (a tool call's second span) that pass the filters add per bucket and series, taken off below (read by trace id).
(
    SELECT mapFromArrays(groupArray(concat(toString(bucket), '/', series)), groupArray(n)) FROM (
        SELECT toUnixTimestamp(toStartOfInterval(Timestamp, toIntervalSecond({interval_seconds:UInt32}))) AS bucket,
               concat(if(Effect = '', 'unknown', Effect), ' / ', if(Risk = '', 'unrated', Risk)) AS series, count() AS n
        FROM flightrec_spans
        WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND (TraceId, SpanId) IN (SELECT TraceId, SpanId FROM tool_call_twins)
          -- include: overview_filters
        GROUP BY bucket, series)
) AS twins,
-- include: tool_call_twins
SELECT
    toStartOfInterval(Timestamp, toIntervalSecond({interval_seconds:UInt32})) AS Time,
    concat(if(Effect = '', 'unknown', Effect), ' / ', if(Risk = '', 'unrated', Risk)) AS EffectRisk,
    count() - twins[concat(toString(toUnixTimestamp(Time)), '/', EffectRisk)] AS Actions
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
  AND Record = 'touched'
  -- include: overview_filters
GROUP BY Time, EffectRisk
HAVING Actions > 0
ORDER BY Time, EffectRisk
