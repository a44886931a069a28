-- name: grafana_denials_and_approvals
-- description: Policy denials and approval requests in the time range, newest first: who asked for what, the verdict or approval status, the rule and the approver; filtered by service, agent, channel and conversation.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- include: overview_filters
-- param: limit UInt32 = 200 — the most rows
-- title: Denials and approval requests
-- panel: table
SELECT
    toDateTime64(Timestamp, 3) AS Time,
    SessionId,
    Agent,
    Step,
    coalesce(nullIf(SpanAttributes['flightrec.policy.action'], ''), nullIf(Tool, ''), SpanName) AS Action,
    if(Step = 'policy', Verdict, ApprovalStatus) AS Status,
    PolicyRule,
    Approver,
    Actor
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
  AND ((Step = 'policy' AND Verdict IN ('deny', 'require_approval')) OR Step = 'approval')
  -- include: overview_filters
ORDER BY Time DESC
LIMIT {limit:UInt32}
