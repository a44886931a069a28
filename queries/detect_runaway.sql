-- name: detect_runaway
-- description: Loops and runaway sessions: one tool or one model called more often than a threshold within a sliding window, or a session's token use beyond a budget.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- param: max_tool_calls UInt32 = 10 — most calls of one tool in one session within the window
-- param: max_model_calls UInt32 = 12 — most calls of one model in one session within the window
-- param: window_seconds UInt32 = 300 — the sliding window
-- param: token_budget UInt64 = 200000 — most input + output tokens per session
-- panel: table
-- detection: true
-- severity: medium
WITH
repeated AS (
    SELECT SessionId, any(TraceId) AS TraceId, any(Agent) AS Agent,
           if(Step = 'model_call', 'model', 'tool') AS Kind,
           if(Step = 'model_call', Model, Tool) AS Subject,
           arraySort(groupArray((toUnixTimestamp64Milli(Timestamp), SpanId))) AS calls,
           if(Kind = 'model', {max_model_calls:UInt32}, {max_tool_calls:UInt32}) AS threshold
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      AND (Step = 'model_call' OR (Record = 'touched' AND Tool != ''))
    GROUP BY SessionId, Kind, Subject
    HAVING count() > threshold
),
windows AS (
    SELECT *,
           -- for each call, how many calls of the same subject fall in the window ending at it
           arrayMap(c -> arrayCount(d -> d.1 > c.1 - {window_seconds:UInt32} * 1000 AND d.1 <= c.1, calls), calls) AS in_window
    FROM repeated
)
SELECT
    SessionId, TraceId,
    toDateTime64(fromUnixTimestamp64Milli(toInt64(calls[indexOf(in_window, arrayMax(in_window))].1)), 3) AS Time,
    Agent,
    concat(Kind, '_repeat') AS Pattern,
    concat(Kind, ' ', Subject, ' called ', toString(arrayMax(in_window)), ' times within ', toString({window_seconds:UInt32}),
           ' s (threshold ', toString(threshold), '), ', toString(length(calls)), ' calls in all') AS Evidence,
    arrayMap(c -> c.2, calls) AS EvidenceSpanIds
FROM windows
WHERE arrayMax(in_window) > threshold
UNION ALL
SELECT
    SessionId, any(TraceId) AS TraceId, toDateTime64(max(Timestamp), 3) AS Time, any(Agent) AS Agent,
    'token_budget' AS Pattern,
    concat(toString(sum(InputTokens) + sum(OutputTokens)), ' tokens (', toString(sum(InputTokens)), ' in, ', toString(sum(OutputTokens)),
           ' out) over ', toString(count()), ' model calls, budget ', toString({token_budget:UInt64})) AS Evidence,
    arrayMap(t -> t.2, arraySort(groupArray((Timestamp, SpanId)))) AS EvidenceSpanIds
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND (InputTokens > 0 OR OutputTokens > 0)
GROUP BY SessionId
HAVING sum(InputTokens) + sum(OutputTokens) > {token_budget:UInt64}
ORDER BY Time DESC
