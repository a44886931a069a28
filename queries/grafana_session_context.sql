-- name: grafana_session_context
-- description: The context behind each decision of one session (or trace): for every decided span, each item the agent saw before it, with its source, trust, sensitivity, age at the time of the decision and content hash.
-- include: session_traces
-- param: limit UInt32 = 2000 — the most rows
-- title: Context behind each decision
-- panel: table
WITH
-- include: session_traces,
spans AS (
    SELECT Timestamp, SpanId, SpanName, Record, SourceKind, SpanAttributes['flightrec.source.uri'] AS SourceUri,
           Trust, Sensitivity, ContentProducedAt, ContentSha256
    FROM flightrec_spans
    WHERE TraceId IN (SELECT TraceId FROM traces)
  AND Timestamp >= (SELECT min(first_start) FROM traces)
  AND Timestamp <= (SELECT max(last_end) FROM traces)
      AND Record IN ('saw', 'decided')
)
SELECT
    d.Timestamp AS DecisionTime,
    d.SpanName AS Decision,
    s.SourceKind AS SourceKind,
    if(s.SourceUri = '', s.SpanName, s.SourceUri) AS Source,
    s.Trust AS Trust,
    s.Sensitivity AS Sensitivity,
    if(s.ContentProducedAt IS NULL, NULL, dateDiff('second', s.ContentProducedAt, d.Timestamp)) AS AgeSeconds,
    s.ContentSha256 AS ContentSha256,
    d.SpanId AS DecisionSpanId,
    s.SpanId AS ContextSpanId
FROM (SELECT * FROM spans WHERE Record = 'decided') AS d
CROSS JOIN (SELECT * FROM spans WHERE Record = 'saw') AS s
WHERE s.Timestamp <= d.Timestamp
ORDER BY DecisionTime, d.SpanId, s.Timestamp
LIMIT {limit:UInt32}
