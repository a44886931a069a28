-- name: grafana_tokens_over_time
-- description: Input and output tokens per time bucket, one series per model, filtered by service, agent, channel and conversation (a model call two instrumentations recorded counts once, under the outer span's model name).
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- include: overview_filters
-- param: interval_seconds UInt32 = 60 — bucket width in seconds
-- title: Tokens by model over time
-- panel: timeseries
WITH
-- The range's model-call spans, from the narrow calls table: the scope of model_call_shadows.
model_calls AS (
    SELECT TraceId, SpanId, ParentSpanId FROM flightrec_calls
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Kind = 'model'
),
-- include: model_call_shadows
SELECT Time, ModelName, sum(tokens) AS Tokens
FROM (
    SELECT
        toStartOfInterval(Timestamp, toIntervalSecond({interval_seconds:UInt32})) AS Time,
        if(Model = '', 'unknown model', Model) AS ModelName,
        toInt64(sum(InputTokens) + sum(OutputTokens)) AS tokens
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      AND (InputTokens > 0 OR OutputTokens > 0)
      -- include: overview_filters
    GROUP BY Time, ModelName
    UNION ALL
    -- The shadows that pass the filters, taken off (read by trace id: the spans' trace index skips the rest).
    SELECT
        toStartOfInterval(Timestamp, toIntervalSecond({interval_seconds:UInt32})) AS Time,
        if(Model = '', 'unknown model', Model) AS ModelName,
        -toInt64(sum(InputTokens) + sum(OutputTokens)) AS tokens
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      AND (TraceId, SpanId) IN (SELECT TraceId, SpanId FROM model_call_shadows)
      -- include: overview_filters
    GROUP BY Time, ModelName)
GROUP BY Time, ModelName
HAVING Tokens != 0
ORDER BY Time, ModelName
