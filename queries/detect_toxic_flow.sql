-- name: detect_toxic_flow
-- description: Sessions that took in untrusted content and read sensitive data (confidential, secret, pii), then sent or wrote to the outside or tried to (a denied attempt counts): the untrusted content + private data + external communication pattern.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- panel: table
-- detection: true
-- severity: critical
-- summary: took in untrusted content and sensitive data, then sent or wrote to the outside, or tried to
WITH
exposure AS (
    SELECT SessionId,
           minIf(Timestamp, Trust = 'untrusted') AS untrusted_at,
           argMinIf(SpanId, Timestamp, Trust = 'untrusted') AS untrusted_span,
           argMinIf(if(SourceUri != '', concat(SourceKind, ' ', SourceUri), concat(SourceKind, ' ', SpanName)), Timestamp, Trust = 'untrusted') AS untrusted_what,
           minIf(Timestamp, Sensitivity IN ('confidential', 'secret', 'pii')) AS sensitive_at,
           argMinIf(SpanId, Timestamp, Sensitivity IN ('confidential', 'secret', 'pii')) AS sensitive_span,
           argMinIf(if(SourceUri != '', concat(Sensitivity, ' data from ', SourceUri), concat(Sensitivity, ' data from ', SourceKind)), Timestamp, Sensitivity IN ('confidential', 'secret', 'pii')) AS sensitive_what
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      -- Seen: saw records, and the results of tool calls an agent's own spans do not trace as saw
      -- records (other instrumentations), whose trust and sensitivity come from the tool catalogue.
      AND (Record = 'saw' OR (Record = 'touched' AND Trust != ''))
      AND (Trust = 'untrusted' OR Sensitivity IN ('confidential', 'secret', 'pii'))
    GROUP BY SessionId
    HAVING countIf(Trust = 'untrusted') > 0 AND countIf(Sensitivity IN ('confidential', 'secret', 'pii')) > 0
),
-- Sends and writes that ran, and those a policy denied, in the exposed sessions only.
scoped AS (
    SELECT SessionId, TraceId, SpanId, Timestamp, Agent, Record, Step, Effect, Action, TargetResource, Verdict, PolicyRule, Outcome
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      AND Effect IN ('send', 'write') AND (Record = 'touched' OR (Step = 'policy' AND Verdict = 'deny'))
      AND SessionId IN (SELECT SessionId FROM exposure)
    -- One row per tool call, its first span: two instrumentations' spans of one call share CallRef.
    ORDER BY Timestamp, SpanId
    LIMIT 1 BY SessionId, CallRef
)
SELECT
    e.SessionId AS SessionId,
    any(e.TraceId) AS TraceId,
    toDateTime64(min(e.Timestamp), 3) AS Time,
    any(e.Agent) AS Agent,
    concat('saw untrusted ', any(x.untrusted_what), ', read ', any(x.sensitive_what), ', then: ',
           arrayStringConcat(arrayMap(t -> t.2, arraySort(groupArray((e.Timestamp,
               concat(e.Action, ' ', e.Effect, ' to ', if(e.TargetResource = '', '?', e.TargetResource),
                      if(e.Step = 'policy', concat(' DENIED by ', e.PolicyRule), concat(' ran (', e.Outcome, ')'))))))), '; ')) AS Evidence,
    arrayConcat([any(x.untrusted_span), any(x.sensitive_span)], arrayMap(t -> t.2, arraySort(groupArray((e.Timestamp, e.SpanId))))) AS EvidenceSpanIds,
    argMin(e.SpanId, e.Timestamp) AS ActionSpanId,
    countIf(e.Step = 'policy') AS DeniedAttempts,
    countIf(e.Record = 'touched') AS Executed
FROM scoped AS e
INNER JOIN exposure AS x ON x.SessionId = e.SessionId
WHERE e.Timestamp > greatest(x.untrusted_at, x.sensitive_at)
GROUP BY e.SessionId
ORDER BY Time DESC
