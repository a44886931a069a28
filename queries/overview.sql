-- name: overview
-- description: Headline figures for a time range: sessions, traces, spans, model calls, actions, side effects, high-risk actions, denials, approvals pending, errors and tokens (a model call two instrumentations recorded counts once, with its tokens).
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- panel: stat
WITH active AS (
    -- Sessions and traces from the small session lookup, not by de-duplicating ids over every span.
    SELECT uniqExact(SessionId) AS sessions, uniqExact(TraceId) AS traces
    FROM flightrec_session_traces
    WHERE Start <= {to:DateTime64(3)} AND End >= {from:DateTime64(3)}
),
-- The range's model-call spans, from the narrow calls table: what a model call's shadow repeats.
model_calls AS (
    SELECT TraceId, SpanId FROM flightrec_calls
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Kind = 'model'
)
SELECT
    any((SELECT sessions FROM active)) AS Sessions,
    any((SELECT traces FROM active)) AS Traces,
    count() AS Spans,
    countIf(Step = 'model_call' AND NOT Shadow) AS ModelCalls,
    countIf(Record = 'touched') AS Actions,
    countIf(Record = 'touched' AND Effect IN ('write', 'send', 'delete', 'execute', 'payment')) AS SideEffects,
    countIf(Record = 'touched' AND RiskLevel >= 3) AS HighRiskActions,
    countIf(Step = 'policy' AND Verdict = 'deny') AS Denials,
    countIf(Step = 'approval' AND ApprovalStatus = 'pending') AS ApprovalsPending,
    countIf(IsError = 1) AS Errors,
    sumIf(InputTokens, NOT Shadow) AS InputTokens,
    sumIf(OutputTokens, NOT Shadow) AS OutputTokens
FROM (
    SELECT Step, Record, Effect, RiskLevel, Verdict, ApprovalStatus, IsError, InputTokens, OutputTokens,
           Step = 'model_call' AND
           -- include: model_call_shadow
           AS Shadow
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
)
