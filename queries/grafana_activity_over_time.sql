-- name: grafana_activity_over_time
-- description: Per time bucket: active sessions, policy denials, approvals requested and still pending, and error spans, filtered by service, agent, channel and conversation.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- include: overview_filters
-- param: interval_seconds UInt32 = 60 — bucket width in seconds
-- title: Sessions, denials, pending approvals and errors over time
-- panel: timeseries
SELECT
    toStartOfInterval(Timestamp, toIntervalSecond({interval_seconds:UInt32})) AS Time,
    uniqExact(SessionId) AS Sessions,
    countIf(Step = 'policy' AND Verdict = 'deny') AS Denials,
    countIf(Step = 'approval' AND ApprovalStatus = 'pending') AS ApprovalsPending,
    countIf(IsError = 1) AS Errors
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
  -- include: overview_filters
GROUP BY Time
ORDER BY Time
