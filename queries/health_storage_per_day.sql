-- name: health_storage_per_day
-- description: Bytes on disk per day and table, from the active parts of the store's day-partitioned tables (system.parts).
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- title: Storage per day
-- panel: timeseries
SELECT
    toDateTime(assumeNotNull(toDateOrNull(partition))) AS Day,
    table AS StoredTable,
    sum(bytes_on_disk) AS BytesOnDisk
FROM system.parts
WHERE database = currentDatabase() AND active
  AND toDateOrNull(partition) IS NOT NULL
  AND table IN ('otel_traces', 'flightrec_session_traces', 'flightrec_ingest_log')
  AND toDateOrNull(partition) >= toDate({from:DateTime64(3)})
  AND toDateOrNull(partition) <= toDate({to:DateTime64(3)})
GROUP BY Day, StoredTable
ORDER BY Day, StoredTable
