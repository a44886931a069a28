-- name: grafana_tokens_over_time
-- description: Input and output tokens per time bucket, one series per model, filtered by service, agent, channel and conversation.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- param: service String = * — service name, * for every service
-- param: agent String = * — agent name, * for every agent
-- param: channel String = * — sessions that used this channel, * for every channel
-- param: conversation String = * — one session / conversation id, * for every session
-- param: interval_seconds UInt32 = 60 — bucket width in seconds
-- title: Tokens by model over time
-- panel: timeseries
SELECT
    toStartOfInterval(Timestamp, toIntervalSecond({interval_seconds:UInt32})) AS Time,
    if(Model = '', 'unknown model', Model) AS ModelName,
    sum(InputTokens) + sum(OutputTokens) AS Tokens
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
  AND (InputTokens > 0 OR OutputTokens > 0)
  AND ({service:String} = '*' OR ServiceName = {service:String})
  AND ({agent:String} = '*' OR Agent = {agent:String})
  AND ({conversation:String} = '*' OR SessionId = {conversation:String})
  AND ({channel:String} = '*' OR SessionId IN (
        SELECT SessionId FROM flightrec_spans
        WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Channel = {channel:String}))
GROUP BY Time, ModelName
ORDER BY Time, ModelName
