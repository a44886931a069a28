-- name: grafana_overview_totals
-- description: Headline figures for the Agent overview, filtered by service, agent, channel and conversation: sessions, actions, side effects, high-risk actions, denials, approvals pending, errors, tokens.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- param: service String = * — service name, * for every service
-- param: agent String = * — agent name, * for every agent
-- param: channel String = * — sessions that used this channel, * for every channel
-- param: conversation String = * — one session / conversation id, * for every session
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
  AND ({service:String} = '*' OR ServiceName = {service:String})
  AND ({agent:String} = '*' OR Agent = {agent:String})
  AND ({conversation:String} = '*' OR SessionId = {conversation:String})
  AND ({channel:String} = '*' OR SessionId IN (
        SELECT SessionId FROM flightrec_spans
        WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Channel = {channel:String}))
