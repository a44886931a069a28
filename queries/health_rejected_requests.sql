-- name: health_rejected_requests
-- description: Requests the receiver did not fully accept, per time bucket and outcome (rejected, partial, refused, store_error), from flightrec_ingest_log.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- param: interval_seconds UInt32 = 60 — bucket width in seconds
-- title: Rejected requests
-- panel: timeseries
SELECT
    toStartOfInterval(Time, toIntervalSecond({interval_seconds:UInt32})) AS Bucket,
    toString(Outcome) AS Result,
    count() AS Requests
FROM flightrec_ingest_log
WHERE Time >= {from:DateTime64(3)} AND Time <= {to:DateTime64(3)}
  AND Outcome != 'accepted'
GROUP BY Bucket, Result
ORDER BY Bucket, Result
