-- name: session_timeline
-- description: Every span of one session (or one trace), in start order: what the agent saw, decided and touched, with depth and parent links for the tree.
-- param: session String — the session / conversation id, or a trace id
-- param: limit UInt32 = 5000 — the most spans to return
-- panel: table
WITH RECURSIVE
traces AS (
    SELECT TraceId, min(Start) AS first_start, max(End) AS last_end
    FROM flightrec_session_traces
    WHERE SessionId = {session:String} OR TraceId = {session:String}
    GROUP BY TraceId
),
spans AS (
    SELECT *
    FROM flightrec_spans
    WHERE TraceId IN (SELECT TraceId FROM traces)
      AND Timestamp >= (SELECT min(first_start) FROM traces)
      AND Timestamp <= (SELECT max(last_end) FROM traces)
),
tree AS (
    SELECT TraceId, SpanId, toUInt32(0) AS Depth
    FROM spans
    WHERE ParentSpanId = '' OR (TraceId, ParentSpanId) NOT IN (SELECT TraceId, SpanId FROM spans)
    UNION ALL
    SELECT s.TraceId, s.SpanId, t.Depth + 1
    FROM spans AS s
    INNER JOIN tree AS t ON s.TraceId = t.TraceId AND s.ParentSpanId = t.SpanId
    WHERE t.Depth < 64
)
SELECT
    s.Timestamp AS Timestamp,
    toUnixTimestamp64Milli(s.Timestamp) AS TimeMs,
    tree.Depth AS Depth,
    s.TraceId AS TraceId,
    s.SpanId AS SpanId,
    s.ParentSpanId AS ParentSpanId,
    s.SpanName AS SpanName,
    s.Record AS Record,
    s.Step AS Step,
    s.Agent AS Agent,
    s.Actor AS Actor,
    s.Action AS Action,
    s.Tool AS Tool,
    s.Model AS Model,
    s.SourceKind AS SourceKind,
    s.Trust AS Trust,
    s.Sensitivity AS Sensitivity,
    s.ContentProducedAt AS ContentProducedAt,
    s.Effect AS Effect,
    s.TargetSystem AS TargetSystem,
    s.TargetResource AS TargetResource,
    s.Risk AS Risk,
    s.Reversible AS Reversible,
    s.Verdict AS Verdict,
    s.PolicyRule AS PolicyRule,
    s.ApprovalStatus AS ApprovalStatus,
    s.Approver AS Approver,
    s.TaskId AS TaskId,
    s.TaskStep AS TaskStep,
    s.TaskStepState AS TaskStepState,
    s.TaskCompletion AS TaskCompletion,
    s.Outcome AS Outcome,
    s.InputTokens AS InputTokens,
    s.OutputTokens AS OutputTokens,
    s.Duration / 1e6 AS DurationMs,
    s.IsError AS IsError,
    s.StatusCode AS StatusCode,
    s.StatusMessage AS StatusMessage,
    s.SessionId AS SessionId,
    s.SpanAttributes AS SpanAttributes
FROM spans AS s
LEFT JOIN tree ON tree.TraceId = s.TraceId AND tree.SpanId = s.SpanId
ORDER BY Timestamp, SpanId
LIMIT {limit:UInt32}
