-- name: grafana_tokens_over_time
-- description: Input and output tokens per time bucket, one series per model, filtered by service, agent, channel and conversation (a model call two instrumentations recorded counts once, under the outer span's model name).
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- include: overview_filters
-- param: interval_seconds UInt32 = 60 — bucket width in seconds
-- title: Tokens by model over time
-- panel: timeseries
WITH model_calls AS (
    -- The range's model-call spans, from the narrow calls table: what a model call's shadow repeats.
    SELECT TraceId, SpanId FROM flightrec_calls
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Kind = 'model'
)
SELECT
    toStartOfInterval(Timestamp, toIntervalSecond({interval_seconds:UInt32})) AS Time,
    if(Model = '', 'unknown model', Model) AS ModelName,
    sum(InputTokens) + sum(OutputTokens) AS Tokens
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
  AND (InputTokens > 0 OR OutputTokens > 0)
  AND NOT (Step = 'model_call' AND
      -- include: model_call_shadow
  )
  -- include: overview_filters
GROUP BY Time, ModelName
ORDER BY Time, ModelName
