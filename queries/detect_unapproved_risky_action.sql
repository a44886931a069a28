-- name: detect_unapproved_risky_action
-- description: Touched spans at or above a risk level with no approval (approved or modified) for the same action earlier in the session.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- param: min_risk String = high — the lowest risk that needs an approval: low, medium, high or critical
-- panel: table
-- detection: true
-- severity: high
WITH
risky AS (
    SELECT SessionId, TraceId, SpanId, Timestamp, Agent, Action, Effect, Risk, TargetResource, Reversible, Outcome
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      AND Record = 'touched'
      AND RiskLevel >= throwIf(indexOf(['low', 'medium', 'high', 'critical'], {min_risk:String}) = 0, 'min_risk must be low, medium, high or critical') + indexOf(['low', 'medium', 'high', 'critical'], {min_risk:String})
),
approvals AS (
    SELECT SessionId, Action, groupArray(Timestamp) AS approved_at
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} - INTERVAL 1 DAY AND Timestamp <= {to:DateTime64(3)}
      AND Step = 'approval' AND ApprovalStatus IN ('approved', 'modified')
      AND SessionId IN (SELECT SessionId FROM risky)
    GROUP BY SessionId, Action
)
SELECT
    r.SessionId AS SessionId,
    r.TraceId AS TraceId,
    toDateTime64(r.Timestamp, 3) AS Time,
    r.Agent AS Agent,
    r.Action AS Action,
    r.Risk AS Risk,
    concat(r.Risk, '-risk ', r.Action, ' (', r.Effect, ' on ', if(r.TargetResource = '', '?', r.TargetResource),
           if(r.Reversible = 'false', ', irreversible', ''), ') ran (', r.Outcome, ') with no approval before it') AS Evidence,
    [r.SpanId] AS EvidenceSpanIds
FROM risky AS r
LEFT JOIN approvals AS a ON a.SessionId = r.SessionId AND a.Action = r.Action
WHERE NOT arrayExists(t -> t <= r.Timestamp, a.approved_at)
ORDER BY Time DESC
