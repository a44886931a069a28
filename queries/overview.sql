-- name: overview
-- description: Headline figures for a time range: sessions, traces, spans, model calls, actions, side effects, high-risk actions, denials, approvals pending, errors and tokens (a model call two instrumentations recorded counts once, with its tokens and its failure; a tool call they recorded counts once, by its first span).
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- panel: stat
WITH active AS (
    -- Sessions and traces from the small session lookup, not by de-duplicating ids over every span.
    SELECT uniqExact(SessionId) AS sessions, uniqExact(TraceId) AS traces
    FROM flightrec_session_traces
    WHERE Start <= {to:DateTime64(3)} AND End >= {from:DateTime64(3)}
),
-- The range's model-call spans, from the narrow calls table: the scope of model_call_shadows.
model_calls AS (
    SELECT TraceId, SpanId, ParentSpanId, InputTokens, OutputTokens FROM flightrec_calls
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Kind = 'model'
),
-- What the range's shadows add to the totals, taken off below: the calls table holds each call's
-- tokens, so (with no filter to apply) the spans are not read a second time.
-- The range's failed model calls (few), so the shadows' failures come off the errors too.
(
    SELECT groupArray((TraceId, SpanId)) FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND IsError = 1 AND Step = 'model_call'
) AS failed_model_calls,
(
    SELECT (count(), sum(InputTokens), sum(OutputTokens), countIf(has(failed_model_calls, (TraceId, SpanId)))) FROM model_calls
    WHERE (TraceId, SpanId) IN (SELECT TraceId, SpanId FROM model_call_shadows)
) AS shadows,
-- What the range's twins (a tool call's second span) add to the totals, taken off below (read by trace id).
(
    SELECT (count(), countIf(SideEffect = 1), countIf(RiskLevel >= 3), countIf(IsError = 1)) FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND (TraceId, SpanId) IN (SELECT TraceId, SpanId FROM tool_call_twins)
) AS twins,
-- include: tool_call_twins,
-- include: model_call_shadows
SELECT
    any((SELECT sessions FROM active)) AS Sessions,
    any((SELECT traces FROM active)) AS Traces,
    count() AS Spans,
    countIf(Step = 'model_call') - shadows.1 AS ModelCalls,
    countIf(Record = 'touched') - twins.1 AS Actions,
    countIf(SideEffect = 1) - twins.2 AS SideEffects,
    countIf(Record = 'touched' AND RiskLevel >= 3) - twins.3 AS HighRiskActions,
    countIf(Step = 'policy' AND Verdict = 'deny') AS Denials,
    countIf(Step = 'approval' AND ApprovalStatus = 'pending') AS ApprovalsPending,
    countIf(IsError = 1) - shadows.4 - twins.4 AS Errors,
    sum(InputTokens) - shadows.2 AS InputTokens,
    sum(OutputTokens) - shadows.3 AS OutputTokens
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
