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
calls AS (
    SELECT SessionId, TraceId, SpanId, Timestamp, Agent,
           if(Step = 'model_call', 'model', 'tool') AS Kind,
           if(Step = 'model_call', Model, Tool) AS Subject
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      AND (Step = 'model_call' OR (Record = 'touched' AND Tool != ''))
),
-- First pass, on a 64-bit key and call times only: which subjects had more calls than their threshold
-- within the window (some call less than a window after the call `threshold` places before it, checked
-- on two aligned slices; a lambda that indexed a captured array would copy it once per element).
looping_keys AS (
    SELECT cityHash64(SessionId, Kind, Subject) AS h, any(Kind) AS kind,
           arraySort(groupArray(toUnixTimestamp64Milli(Timestamp))) AS times,
           if(kind = 'model', {max_model_calls:UInt32}, {max_tool_calls:UInt32}) AS limit_calls
    FROM calls
    GROUP BY h
    HAVING length(times) > limit_calls
       AND arrayExists((a, b) -> a - b < {window_seconds:UInt32} * 1000,
                       arraySlice(times, limit_calls + 1), arraySlice(times, 1, greatest(length(times) - limit_calls, 0)))
),
-- Second pass, for those only: the evidence.
looping AS (
    SELECT cityHash64(SessionId, Kind, Subject) AS h,
           any(SessionId) AS session, any(TraceId) AS trace, any(Agent) AS agent, any(Kind) AS kind, any(Subject) AS subject,
           arraySort(groupArray((toUnixTimestamp64Milli(Timestamp), SpanId))) AS sorted,
           arrayMap(c -> c.1, sorted) AS ts,
           if(kind = 'model', {max_model_calls:UInt32}, {max_tool_calls:UInt32}) AS threshold,
           arraySlice(ts, threshold + 1) AS later,
           arrayFirstIndex((a, b) -> a - b < {window_seconds:UInt32} * 1000, later, arraySlice(ts, 1, greatest(length(ts) - threshold, 0))) AS first_over
    FROM calls
    WHERE h IN (SELECT h FROM looping_keys)
    GROUP BY h
)
SELECT
    session AS SessionId, trace AS TraceId,
    toDateTime64(fromUnixTimestamp64Milli(toInt64(later[first_over])), 3) AS Time,
    agent AS Agent,
    concat(kind, '_repeat') AS Pattern,
    concat(kind, ' ', subject, ' called ', toString(arrayMax(arrayMap(t -> arrayCount(u -> u > t - {window_seconds:UInt32} * 1000 AND u <= t, ts), ts))),
           ' times within ', toString({window_seconds:UInt32}), ' s (threshold ', toString(threshold), '), ', toString(length(ts)), ' calls in all') AS Evidence,
    arrayMap(c -> c.2, sorted) AS EvidenceSpanIds
FROM looping
UNION ALL
SELECT
    SessionId, any(TraceId) AS TraceId, toDateTime64(max(Timestamp), 3) AS Time, any(Agent) AS Agent,
    'token_budget' AS Pattern,
    concat(toString(sum(InputTokens) + sum(OutputTokens)), ' tokens (', toString(sum(InputTokens)), ' in, ', toString(sum(OutputTokens)),
           ' out) over ', toString(count()), ' model calls, budget ', toString({token_budget:UInt64})) AS Evidence,
    arrayMap(t -> t.2, arraySort(groupArray((Timestamp, SpanId)))) AS EvidenceSpanIds
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND (InputTokens > 0 OR OutputTokens > 0)
  -- first pass on a hash of the session id: only sessions over budget get their evidence built
  AND cityHash64(SessionId) IN (
      SELECT cityHash64(SessionId) AS h
      FROM flightrec_spans
      WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND (InputTokens > 0 OR OutputTokens > 0)
      GROUP BY h
      HAVING sum(InputTokens) + sum(OutputTokens) > {token_budget:UInt64})
GROUP BY SessionId
HAVING sum(InputTokens) + sum(OutputTokens) > {token_budget:UInt64}
ORDER BY Time DESC
