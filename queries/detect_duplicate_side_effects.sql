-- name: detect_duplicate_side_effects
-- description: The same side effect executed more than once in a session: the same idempotency key, or the same tool with the same arguments' hash (calls that failed outright are not counted).
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- param: min_executions UInt32 = 2 — how many executions of one effect count as a duplicate
-- panel: table
-- detection: true
-- severity: high
-- summary: performed the same side effect more than once
WITH
effects AS (
    SELECT SessionId, TraceId, SpanId, Timestamp, Agent, Action, Effect, TargetResource, Outcome,
           if(IdempotencyKey != '', concat('idempotency key ', IdempotencyKey), concat('arguments ', ArgumentsSha256)) AS DuplicateKey
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      AND Record = 'touched' AND Effect IN ('write', 'send', 'delete', 'payment')
      AND Outcome != 'error'
      AND (IdempotencyKey != '' OR ArgumentsSha256 != '')
    -- One execution per tool call: two instrumentations' spans of one call share its id (either one stands for it).
    LIMIT 1 BY SessionId, CallRef
),
-- Cheap first pass on a 64-bit hash of the key; the evidence is built only for the groups that repeat
-- (the final GROUP BY on the real key makes a hash collision harmless).
repeated AS (
    SELECT cityHash64(SessionId, Action, DuplicateKey) AS h
    FROM effects
    GROUP BY h
    HAVING count() >= {min_executions:UInt32}
)
SELECT
    SessionId,
    any(TraceId) AS TraceId,
    toDateTime64(max(Timestamp), 3) AS Time,
    any(Agent) AS Agent,
    Action,
    DuplicateKey,
    count() AS Executions,
    concat(Action, ' (', any(Effect), ' to ', any(TargetResource), ') executed ', toString(count()), ' times with the same ',
           if(startsWith(DuplicateKey, 'idempotency key'), DuplicateKey, 'arguments'),
           ': outcomes ', arrayStringConcat(arrayMap(t -> t.2, arraySort(groupArray((Timestamp, Outcome)))), ', ')) AS Evidence,
    arrayMap(t -> t.2, arraySort(groupArray((Timestamp, SpanId)))) AS EvidenceSpanIds
FROM effects
WHERE cityHash64(SessionId, Action, DuplicateKey) IN (SELECT h FROM repeated)
GROUP BY SessionId, Action, DuplicateKey
HAVING count() >= {min_executions:UInt32}
ORDER BY Time DESC
