-- name: health_storage_per_day
-- description: Bytes on disk per day and table, from the active parts of the store's day-partitioned tables (system.parts): spans, the session lookup, the ingest log.
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
  AND (startsWith(table, 'otel_') OR startsWith(table, 'flightrec_'))
  -- the trace-id lookup is partitioned by week, not by day
  AND NOT endsWith(table, '_trace_id_ts')
  AND toDateOrNull(partition) >= toDate({from:DateTime64(3)})
  AND toDateOrNull(partition) <= toDate({to:DateTime64(3)})
GROUP BY Day, StoredTable
ORDER BY Day, StoredTable
