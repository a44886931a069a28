-- name: detect_stale_context
-- description: Side effects decided on context older than a threshold: content the session saw before the action was produced too long before it.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- param: max_age_seconds UInt32 = 86400 — the oldest context an action may rely on
-- panel: table
-- detection: true
-- severity: medium
-- summary: acted on content older than it should trust
WITH
actions AS (
    SELECT SessionId, TraceId, SpanId, Timestamp, Agent, Action, Effect, TargetResource
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      AND SideEffect = 1
    -- One row per tool call: two instrumentations' spans of one call share CallRef (either one stands for it).
    LIMIT 1 BY SessionId, CallRef
),
seen AS (
    SELECT SessionId, SpanId, Timestamp, SourceKind, SourceUri, SpanName, ContentProducedAt
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} - INTERVAL 1 DAY AND Timestamp <= {to:DateTime64(3)}
      AND Record = 'saw' AND ContentProducedAt IS NOT NULL
      AND ContentProducedAt < {to:DateTime64(3)} - toIntervalSecond({max_age_seconds:UInt32})
)
SELECT
    a.SessionId AS SessionId,
    a.TraceId AS TraceId,
    toDateTime64(a.Timestamp, 3) AS Time,
    a.Agent AS Agent,
    a.Action AS Action,
    max(dateDiff('second', s.ContentProducedAt, a.Timestamp)) AS OldestAgeSeconds,
    concat(a.Action, ' (', a.Effect, ' on ', if(a.TargetResource = '', '?', a.TargetResource), ') decided on ',
           arrayStringConcat(groupArray(concat(s.SourceKind, ' ', if(s.SourceUri = '', s.SpanName, s.SourceUri), ' produced ',
               formatReadableTimeDelta(dateDiff('second', s.ContentProducedAt, a.Timestamp), 'days', 'hours'), ' before')), '; ')) AS Evidence,
    arrayConcat(groupArray(s.SpanId), [a.SpanId]) AS EvidenceSpanIds
FROM actions AS a
INNER JOIN seen AS s ON s.SessionId = a.SessionId
WHERE s.Timestamp <= a.Timestamp
  AND dateDiff('second', s.ContentProducedAt, a.Timestamp) > {max_age_seconds:UInt32}
GROUP BY a.SessionId, a.TraceId, a.SpanId, a.Timestamp, a.Agent, a.Action, a.Effect, a.TargetResource
ORDER BY Time DESC
