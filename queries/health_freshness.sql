-- name: health_freshness
-- description: Lag and freshness: seconds since the newest stored span ended and since the receiver last committed, and spans stored in the time range.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- title: Lag
-- panel: stat
SELECT
    (SELECT dateDiff('second', max(Timestamp + toIntervalNanosecond(Duration)), now64(3))
       FROM flightrec_spans WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}) AS SecondsSinceNewestSpan,
    (SELECT dateDiff('second', max(Time), now64(3))
       FROM flightrec_ingest_log WHERE Time >= {from:DateTime64(3)} AND Time <= {to:DateTime64(3)} AND Outcome = 'accepted') AS SecondsSinceLastCommit,
    (SELECT count() FROM flightrec_spans WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}) AS SpansStored
