-- name: context_before_action
-- description: What the agent saw before a given action in its session: each context item with its source, trust, sensitivity, age at the time of the action, and content hash.
-- include: session_traces
-- param: action String — the span id of the action (a touched or decided span)
-- panel: table
WITH
-- include: session_traces,
spans AS (
    SELECT SpanId, TraceId, Timestamp, SpanName, Record, Step, Action, SourceKind, SourceUri, Trust, Sensitivity,
           ContentProducedAt, ContentSha256, Actor, Channel
    FROM flightrec_spans
    WHERE TraceId IN (SELECT TraceId FROM traces)
      AND Timestamp >= (SELECT min(first_start) FROM traces)
      AND Timestamp <= (SELECT max(last_end) FROM traces)
),
target AS (
    SELECT Timestamp AS at, SpanName AS name FROM spans WHERE SpanId = {action:String} LIMIT 1
)
SELECT
    s.Timestamp AS Timestamp,
    s.SpanId AS SpanId,
    s.TraceId AS TraceId,
    s.SpanName AS SpanName,
    s.Step AS Step,
    s.SourceKind AS SourceKind,
    s.SourceUri AS SourceUri,
    s.Trust AS Trust,
    s.Sensitivity AS Sensitivity,
    s.Actor AS Actor,
    s.ContentProducedAt AS ContentProducedAt,
    if(s.ContentProducedAt IS NULL, NULL, dateDiff('second', s.ContentProducedAt, (SELECT at FROM target))) AS AgeSeconds,
    s.ContentSha256 AS ContentSha256,
    (SELECT name FROM target) AS BeforeAction
FROM spans AS s
WHERE s.Record = 'saw' AND s.Timestamp <= (SELECT at FROM target)
ORDER BY Timestamp
