-- name: grafana_session_summary
-- description: One session (or trace) in figures: what it saw, decided and touched, side effects, denials, errors, tokens and how long it ran (a model call two instrumentations recorded is one decision, its tokens counted once).
-- param: session String — the session / conversation id, or a trace id
-- title: Session in figures
-- panel: stat
WITH traces AS (
    SELECT TraceId, min(Start) AS first_start, max(End) AS last_end
    FROM flightrec_session_traces
    WHERE SessionId = {session:String} OR TraceId = {session:String}
    GROUP BY TraceId
),
-- The traces' model-call spans, from the narrow calls table: what a model call's shadow repeats.
model_calls AS (
    SELECT TraceId, SpanId FROM flightrec_calls
    WHERE TraceId IN (SELECT TraceId FROM traces) AND Kind = 'model'
      AND Timestamp >= (SELECT min(first_start) FROM traces)
      AND Timestamp <= (SELECT max(last_end) FROM traces)
)
SELECT
    countIf(Record = 'saw') AS Saw,
    countIf(Record = 'decided' AND NOT Shadow) AS Decided,
    countIf(Record = 'touched') AS Touched,
    countIf(Record = 'touched' AND Effect IN ('write', 'send', 'delete', 'execute', 'payment')) AS SideEffects,
    countIf(Step = 'policy' AND Verdict = 'deny') AS Denials,
    countIf(IsError = 1) AS Errors,
    sumIf(InputTokens + OutputTokens, NOT Shadow) AS Tokens,
    round(dateDiff('millisecond', min(Timestamp), max(Timestamp + toIntervalNanosecond(Duration))) / 1000, 3) AS DurationSeconds
FROM (
    SELECT Record, Step, Effect, Verdict, IsError, InputTokens, OutputTokens, Timestamp, Duration,
           Step = 'model_call' AND
           -- include: model_call_shadow
           AS Shadow
    FROM flightrec_spans
    WHERE TraceId IN (SELECT TraceId FROM traces)
      AND Timestamp >= (SELECT min(first_start) FROM traces)
      AND Timestamp <= (SELECT max(last_end) FROM traces)
)
