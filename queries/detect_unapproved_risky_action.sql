-- name: detect_unapproved_risky_action
-- description: Touched spans at or above a risk level with no approval (approved or modified) for the same action earlier in the session.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- param: min_risk String = high — the lowest risk that needs an approval: low, medium, high or critical
-- panel: table
-- detection: true
-- severity: high
-- summary: ran a risky action with no approval before it
WITH
-- One pass over risky actions and approvals together, grouped by session and action.
per_action AS (
    SELECT SessionId, Action,
           groupArrayIf((Timestamp, TraceId, SpanId, Agent, Effect, Risk, TargetResource, Reversible, Outcome, CallRef),
                        Record = 'touched' AND RiskLevel >= indexOf(['low', 'medium', 'high', 'critical'], {min_risk:String})) AS risky,
           groupArrayIf(Timestamp, Step = 'approval' AND ApprovalStatus IN ('approved', 'modified')) AS approved_at
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} - INTERVAL 1 DAY AND Timestamp <= {to:DateTime64(3)}
      AND throwIf(indexOf(['low', 'medium', 'high', 'critical'], {min_risk:String}) = 0, 'min_risk must be low, medium, high or critical') = 0
      AND ((Record = 'touched' AND RiskLevel >= indexOf(['low', 'medium', 'high', 'critical'], {min_risk:String}))
           OR (Step = 'approval' AND ApprovalStatus IN ('approved', 'modified')))
    GROUP BY SessionId, Action
    HAVING length(risky) > 0
)
SELECT
    SessionId,
    r.2 AS TraceId,
    toDateTime64(r.1, 3) AS Time,
    r.4 AS Agent,
    Action,
    r.6 AS Risk,
    concat(r.6, '-risk ', Action, ' (', r.5, ' on ', if(r.7 = '', '?', r.7),
           if(r.8 = 'false', ', irreversible', ''), ') ran (', r.9, ') with no approval before it') AS Evidence,
    [r.3] AS EvidenceSpanIds
FROM per_action
ARRAY JOIN risky AS r
WHERE r.1 >= {from:DateTime64(3)} AND NOT arrayExists(t -> t <= r.1, approved_at)
ORDER BY Time DESC
-- One row per tool call: two instrumentations' spans of one call share its id (one row reports the call).
LIMIT 1 BY SessionId, r.10
