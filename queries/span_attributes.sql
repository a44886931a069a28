-- name: span_attributes
-- description: Every attribute of every span of one session (or one trace), with its resource attributes, for a full record of what was captured.
-- include: session_traces
-- param: limit UInt32 = 5000 — the most spans to return
-- panel: table
WITH
-- include: session_traces
SELECT Timestamp, TraceId, SpanId, SpanName, ServiceName, SpanAttributes, ResourceAttributes, EventNames
FROM flightrec_spans
WHERE TraceId IN (SELECT TraceId FROM traces)
  AND Timestamp >= (SELECT min(first_start) FROM traces)
  AND Timestamp <= (SELECT max(last_end) FROM traces)
ORDER BY Timestamp, SpanId
LIMIT {limit:UInt32}
