-- name: detect_denied_then_retried
-- description: An action a policy denied that later ran anyway in the same session, as the same action or in another form against the same target resource.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- panel: table
-- detection: true
-- severity: high
-- summary: did what policy had denied, by another route
WITH
denials AS (
    SELECT SessionId, TraceId, SpanId, Timestamp, Agent, Action, TargetSystem, TargetResource, PolicyRule
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      AND Step = 'policy' AND Verdict = 'deny'
),
ran AS (
    SELECT SessionId, SpanId, Timestamp, Action, TargetSystem, TargetResource, Outcome
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      AND Record = 'touched' AND Effect != 'read' AND Outcome != 'error'
      AND SessionId IN (SELECT SessionId FROM denials)
    -- One row per tool call, its first span: two instrumentations' spans of one call share CallRef.
    ORDER BY Timestamp, SpanId
    LIMIT 1 BY SessionId, CallRef
)
SELECT
    d.SessionId AS SessionId,
    d.TraceId AS TraceId,
    toDateTime64(min(r.Timestamp), 3) AS Time,
    d.Agent AS Agent,
    d.Action AS DeniedAction,
    concat(d.Action, ' on ', if(d.TargetResource = '', d.TargetSystem, d.TargetResource), ' denied by ', d.PolicyRule,
           ', then ran as ', arrayStringConcat(arrayMap(t -> t.2, arraySort(groupArray((r.Timestamp, concat(r.Action, ' (', r.Outcome, ')'))))), ', ')) AS Evidence,
    arrayConcat([d.SpanId], arrayMap(t -> t.2, arraySort(groupArray((r.Timestamp, r.SpanId))))) AS EvidenceSpanIds
FROM ran AS r
INNER JOIN denials AS d ON r.SessionId = d.SessionId
WHERE r.Timestamp > d.Timestamp
  AND ((d.TargetResource != '' AND r.TargetResource = d.TargetResource)
       OR (d.TargetResource = '' AND r.Action = d.Action))
GROUP BY d.SessionId, d.TraceId, d.SpanId, d.Agent, d.Action, d.TargetSystem, d.TargetResource, d.PolicyRule
ORDER BY Time DESC
