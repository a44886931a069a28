-- name: grafana_overview_totals
-- description: Headline figures for the Agent overview, filtered by service, agent, channel and conversation: sessions, actions, side effects, high-risk actions, denials, approvals pending, errors, tokens (a model call two instrumentations recorded counts its tokens once).
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- include: overview_filters
-- title: Totals
-- panel: stat
WITH model_calls AS (
    -- The range's model-call spans, from the narrow calls table: what a model call's shadow repeats.
    SELECT TraceId, SpanId FROM flightrec_calls
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Kind = 'model'
)
SELECT
    uniqExact(SessionId) AS Sessions,
    countIf(Record = 'touched') AS Actions,
    countIf(Record = 'touched' AND Effect IN ('write', 'send', 'delete', 'execute', 'payment')) AS SideEffects,
    countIf(Record = 'touched' AND RiskLevel >= 3) AS HighRiskActions,
    countIf(Step = 'policy' AND Verdict = 'deny') AS Denials,
    countIf(Step = 'approval' AND ApprovalStatus = 'pending') AS ApprovalsPending,
    countIf(IsError = 1) AS Errors,
    sumIf(InputTokens + OutputTokens, NOT Shadow) AS Tokens
FROM (
    SELECT SessionId, Step, Record, Effect, RiskLevel, Verdict, ApprovalStatus, IsError, InputTokens, OutputTokens,
           Step = 'model_call' AND
           -- include: model_call_shadow
           AS Shadow
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      -- include: overview_filters
)
