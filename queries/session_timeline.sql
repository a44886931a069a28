-- name: session_timeline
-- description: Every span of one session (or one trace), in start order (spans that start at once: a parent before its children, then the sibling that ended first): what the agent saw (with its source URI, trust and sensitivity), decided (with the policy's reason) and touched, with depth and parent links for the tree (all attributes: span_attributes); ShadowOf names the model call a second instrumentation's span repeats.
-- param: session String — the session / conversation id, or a trace id
-- param: limit UInt32 = 5000 — the most spans to return
-- panel: table
WITH
-- Looked up once (scalar subqueries): the traces asked for, and every session id they carry
-- (plumbing spans without a conversation id carry their trace id), so the filter on SessionId can
-- use the store's by-session projection.
(SELECT groupUniqArray(TraceId) FROM flightrec_session_traces WHERE SessionId = {session:String} OR TraceId = {session:String}) AS trace_ids,
(SELECT groupUniqArray(SessionId) FROM flightrec_session_traces WHERE has(trace_ids, TraceId)) AS session_ids,
-- The traces' time range, so the details below read only the granules of that range.
(SELECT (min(Start), max(End)) FROM flightrec_session_traces WHERE has(trace_ids, TraceId)) AS bounds,
-- Where seen content came from, and why a policy or an approval decided as it did: long strings and
-- attribute-map values, which the by-session projection leaves out, so read for those spans only.
(
    SELECT mapFromArrays(groupArray(concat(TraceId, '/', SpanId)),
                         groupArray((SourceUri, coalesce(nullIf(SpanAttributes['flightrec.policy.reason'], ''), SpanAttributes['flightrec.approval.reason']))))
    FROM flightrec_spans
    WHERE has(trace_ids, TraceId) AND Timestamp >= bounds.1 AND Timestamp <= bounds.2
      AND (Record = 'saw' OR Step IN ('policy', 'approval'))
) AS details,
spans AS (
    -- Stored columns only: reading the attribute maps of a session's spans would dominate.
    SELECT *
    FROM flightrec_spans
    WHERE has(session_ids, SessionId) AND has(trace_ids, TraceId)
),
-- span → parent over the session's spans, to count each span's ancestors (its depth) without recursion
(
    SELECT mapFromArrays(groupArray(concat(TraceId, '/', SpanId)), groupArray(concat(TraceId, '/', ParentSpanId)))
    FROM spans
) AS parents,
-- The model-call spans, the scope of model_call_shadows: a model call recorded again by a second
-- instrumentation inside the first. Both stay; ShadowOf names the call repeated.
-- (listed once: the fragment reads model_calls twice, and a scalar is computed once where a CTE is read again)
(SELECT groupArrayIf((TraceId, SpanId, ParentSpanId), Step = 'model_call') FROM spans) AS model_call_list,
model_calls AS (SELECT c.1 AS TraceId, c.2 AS SpanId, c.3 AS ParentSpanId FROM (SELECT arrayJoin(model_call_list) AS c)),
(SELECT groupArray(concat(TraceId, '/', SpanId)) FROM model_call_shadows) AS shadows,
-- include: model_call_shadows
SELECT
    s.Timestamp AS Timestamp,
    toUnixTimestamp64Milli(s.Timestamp) AS TimeMs,
    arrayFold((acc, i) -> if(mapContains(parents, acc.2), (toUInt32(acc.1 + 1), parents[acc.2]), acc),
              range(64), (toUInt32(0), concat(s.TraceId, '/', s.ParentSpanId))).1 AS Depth,
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
    details[concat(s.TraceId, '/', s.SpanId)].1 AS SourceUri,
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
    details[concat(s.TraceId, '/', s.SpanId)].2 AS Reason,
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
    s.DecisionToolCalls AS DecisionToolCalls,
    s.SessionId AS SessionId,
    if(has(shadows, concat(s.TraceId, '/', s.SpanId)), s.ParentSpanId, '') AS ShadowOf
FROM spans AS s
-- Spans that start at the same instant (instrumentations that stamp whole milliseconds) read as they
-- ran: a parent before its children, and of siblings the one that ended first; the span id last.
ORDER BY Timestamp, Depth, s.Timestamp + toIntervalNanosecond(s.Duration), SpanId
LIMIT {limit:UInt32}
