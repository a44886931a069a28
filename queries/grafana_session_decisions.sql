-- name: grafana_session_decisions
-- description: Policy verdicts and approvals of one session (or trace), in order: what was checked or asked for, the verdict or approval status, the rule, the reason and who approved.
-- include: session_traces
-- title: Policy verdicts and approvals
-- panel: table
WITH
-- include: session_traces
SELECT
    Timestamp,
    Step,
    coalesce(nullIf(SpanAttributes['flightrec.policy.action'], ''), nullIf(Tool, ''), SpanName) AS Action,
    if(Step = 'policy', Verdict, ApprovalStatus) AS Status,
    PolicyRule,
    coalesce(nullIf(SpanAttributes['flightrec.policy.reason'], ''), SpanAttributes['flightrec.approval.reason']) AS Reason,
    Approver,
    Actor,
    SpanId,
    TraceId
FROM flightrec_spans
WHERE TraceId IN (SELECT TraceId FROM traces)
  AND Timestamp >= (SELECT min(first_start) FROM traces)
  AND Timestamp <= (SELECT max(last_end) FROM traces)
  AND Step IN ('policy', 'approval')
ORDER BY Timestamp, SpanId
