-- name: health_ingest_latency
-- description: How long accepted writes took from request to commit (median, 95th percentile, worst), per time bucket, from flightrec_ingest_log.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- param: interval_seconds UInt32 = 60 — bucket width in seconds
-- title: Commit latency
-- panel: timeseries
SELECT
    toStartOfInterval(Time, toIntervalSecond({interval_seconds:UInt32})) AS Bucket,
    round(quantile(0.5)(LatencyMs), 3) AS MedianMs,
    round(quantile(0.95)(LatencyMs), 3) AS P95Ms,
    round(max(LatencyMs), 3) AS MaxMs
FROM flightrec_ingest_log
WHERE Time >= {from:DateTime64(3)} AND Time <= {to:DateTime64(3)}
  AND Outcome = 'accepted'
GROUP BY Bucket
ORDER BY Bucket
