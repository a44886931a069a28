-- name: health_ingest_rate
-- description: Spans per second the receiver accepted, and spans per second it rejected or dropped as invalid, per time bucket (from flightrec_ingest_log).
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- param: interval_seconds UInt32 = 60 — bucket width in seconds
-- title: Ingest rate
-- panel: timeseries
SELECT
    toStartOfInterval(Time, toIntervalSecond({interval_seconds:UInt32})) AS Bucket,
    round(sumIf(Spans, Outcome = 'accepted') / {interval_seconds:UInt32}, 3) AS AcceptedSpansPerSecond,
    round(sumIf(Spans, Outcome IN ('rejected', 'partial')) / {interval_seconds:UInt32}, 3) AS RejectedSpansPerSecond
FROM flightrec_ingest_log
WHERE Time >= {from:DateTime64(3)} AND Time <= {to:DateTime64(3)}
GROUP BY Bucket
ORDER BY Bucket
