-- name: session_effects
-- description: External effects of a session (or a trace): every write, send, delete, execute and payment it performed (a call two instrumentations recorded is listed once, by its first span), with target, risk, reversibility, idempotency key and outcome.
-- include: session_traces
-- panel: table
WITH
-- include: session_traces
SELECT
    Timestamp,
    TraceId,
    SpanId,
    Action,
    Effect,
    TargetSystem,
    TargetResource,
    Risk,
    multiIf(Reversible = 'true', 'yes', Reversible = 'false', 'no', 'unknown') AS Reversible,
    IdempotencyKey,
    Outcome,
    Duration / 1e6 AS DurationMs,
    StatusMessage
FROM flightrec_spans
WHERE TraceId IN (SELECT TraceId FROM traces)
  AND Timestamp >= (SELECT min(first_start) FROM traces)
  AND Timestamp <= (SELECT max(last_end) FROM traces)
  AND SideEffect = 1
ORDER BY Timestamp, SpanId
LIMIT 1 BY SessionId, CallRef
