-- name: grafana_overview_totals
-- description: Headline figures for the Agent overview, filtered by service, agent, channel and conversation: sessions, actions, side effects, high-risk actions, denials, approvals pending, errors, tokens.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- include: overview_filters
-- title: Totals
-- panel: stat
SELECT
    uniqExact(SessionId) AS Sessions,
    countIf(Record = 'touched') AS Actions,
    countIf(Record = 'touched' AND Effect IN ('write', 'send', 'delete', 'execute', 'payment')) AS SideEffects,
    countIf(Record = 'touched' AND RiskLevel >= 3) AS HighRiskActions,
    countIf(Step = 'policy' AND Verdict = 'deny') AS Denials,
    countIf(Step = 'approval' AND ApprovalStatus = 'pending') AS ApprovalsPending,
    countIf(IsError = 1) AS Errors,
    sum(InputTokens) + sum(OutputTokens) AS Tokens
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
  -- include: overview_filters
