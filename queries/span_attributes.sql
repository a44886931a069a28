-- name: span_attributes
-- description: Every attribute of every span of one session (or one trace), with its resource attributes, for a full record of what was captured.
-- param: session String — the session / conversation id, or a trace id
-- param: limit UInt32 = 5000 — the most spans to return
-- panel: table
WITH traces AS (
    SELECT TraceId, min(Start) AS first_start, max(End) AS last_end
    FROM flightrec_session_traces
    WHERE SessionId = {session:String} OR TraceId = {session:String}
    GROUP BY TraceId
)
SELECT Timestamp, TraceId, SpanId, SpanName, ServiceName, SpanAttributes, ResourceAttributes, EventNames
FROM flightrec_spans
WHERE TraceId IN (SELECT TraceId FROM traces)
  AND Timestamp >= (SELECT min(first_start) FROM traces)
  AND Timestamp <= (SELECT max(last_end) FROM traces)
ORDER BY Timestamp, SpanId
LIMIT {limit:UInt32}
