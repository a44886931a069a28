-- name: grafana_overview_totals
-- description: Headline figures for the Agent overview, filtered by service, agent, channel and conversation: sessions, actions, side effects, high-risk actions, denials, approvals pending, errors, tokens (a model call two instrumentations recorded counts once, with its tokens and its failure; a tool call they recorded counts once, by its first span).
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- include: overview_filters
-- title: Totals
-- panel: stat
WITH
-- The range's model-call spans, from the narrow calls table: the scope of model_call_shadows.
model_calls AS (
    SELECT TraceId, SpanId, ParentSpanId FROM flightrec_calls
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Kind = 'model'
),
-- The tokens and failures of the shadows that pass the filters, taken off below (read by trace id: the spans' trace index skips the rest).
(
    SELECT (sum(InputTokens) + sum(OutputTokens), countIf(IsError = 1)) FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND (TraceId, SpanId) IN (SELECT TraceId, SpanId FROM model_call_shadows)
      -- include: overview_filters
) AS shadows,
-- What the twins (a tool call's second span) that pass the filters add, taken off below (read by trace id).
(
    SELECT (count(), countIf(SideEffect = 1), countIf(RiskLevel >= 3), countIf(IsError = 1)) FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND (TraceId, SpanId) IN (SELECT TraceId, SpanId FROM tool_call_twins)
      -- include: overview_filters
) AS twins,
-- include: tool_call_twins,
-- include: model_call_shadows
SELECT
    uniqExact(SessionId) AS Sessions,
    countIf(Record = 'touched') - twins.1 AS Actions,
    countIf(SideEffect = 1) - twins.2 AS SideEffects,
    countIf(Record = 'touched' AND RiskLevel >= 3) - twins.3 AS HighRiskActions,
    countIf(Step = 'policy' AND Verdict = 'deny') AS Denials,
    countIf(Step = 'approval' AND ApprovalStatus = 'pending') AS ApprovalsPending,
    countIf(IsError = 1) - shadows.2 - twins.4 AS Errors,
    sum(InputTokens) + sum(OutputTokens) - shadows.1 AS Tokens
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
  -- include: overview_filters
