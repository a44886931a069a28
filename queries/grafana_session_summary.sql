-- name: grafana_session_summary
-- description: One session (or trace) in figures: what it saw, decided and touched, side effects, denials, errors, tokens and how long it ran (a model call two instrumentations recorded is one decision, its tokens and its failure counted once; a tool call they recorded is one action, by its call id).
-- include: session_traces
-- title: Session in figures
-- panel: stat
WITH
-- include: session_traces,
-- The traces' model-call spans (the spans' trace index finds them) with their tokens, listed once: the
-- scope of model_call_shadows, which reads model_calls twice (a scalar is computed once; a CTE each time it is read).
(
    SELECT groupArray((TraceId, SpanId, ParentSpanId, InputTokens + OutputTokens, IsError)) FROM flightrec_spans
    WHERE TraceId IN (SELECT TraceId FROM traces) AND Step = 'model_call'
      AND Timestamp >= (SELECT min(first_start) FROM traces)
      AND Timestamp <= (SELECT max(last_end) FROM traces)
) AS model_call_list,
model_calls AS (SELECT c.1 AS TraceId, c.2 AS SpanId, c.3 AS ParentSpanId, c.4 AS Tokens, c.5 AS IsError FROM (SELECT arrayJoin(model_call_list) AS c)),
-- What the shadows add to the figures, taken off below.
(SELECT (count(), sum(Tokens), countIf(IsError = 1)) FROM model_calls WHERE (TraceId, SpanId) IN (SELECT TraceId, SpanId FROM model_call_shadows)) AS shadows,
-- include: model_call_shadows
SELECT
    countIf(Record = 'saw') AS Saw,
    countIf(Record = 'decided') - shadows.1 AS Decided,
    -- A tool call two instrumentations recorded is one action: its spans share CallRef.
    uniqExactIf((SessionId, CallRef), Record = 'touched') AS Touched,
    uniqExactIf((SessionId, CallRef), SideEffect = 1) AS SideEffects,
    countIf(Step = 'policy' AND Verdict = 'deny') AS Denials,
    uniqExactIf((SessionId, CallRef), IsError = 1) - shadows.3 AS Errors,
    sum(InputTokens) + sum(OutputTokens) - shadows.2 AS Tokens,
    round(dateDiff('millisecond', min(Timestamp), max(Timestamp + toIntervalNanosecond(Duration))) / 1000, 3) AS DurationSeconds
FROM flightrec_spans
WHERE TraceId IN (SELECT TraceId FROM traces)
  AND Timestamp >= (SELECT min(first_start) FROM traces)
  AND Timestamp <= (SELECT max(last_end) FROM traces)
