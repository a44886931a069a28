-- name: grafana_actions_over_time
-- description: Actions (touched spans; a tool call two instrumentations recorded counts once, by its call id) per time bucket, one series per effect and risk, filtered by service, agent, channel and conversation.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- include: overview_filters
-- param: interval_seconds UInt32 = 60 — bucket width in seconds
-- title: Actions by effect and risk over time
-- panel: timeseries
SELECT
    toStartOfInterval(Timestamp, toIntervalSecond({interval_seconds:UInt32})) AS Time,
    concat(if(Effect = '', 'unknown', Effect), ' / ', if(Risk = '', 'unrated', Risk)) AS EffectRisk,
    uniqExact(SessionId, CallRef) AS Actions
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
  AND Record = 'touched'
  -- include: overview_filters
GROUP BY Time, EffectRisk
ORDER BY Time, EffectRisk
