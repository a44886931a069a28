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
-- summary: looped: called a tool or a model far more often than expected, or overspent its token budget
-- Reads flightrec_calls (one narrow row per call span, filled from otel_traces by a materialized view). The first
-- pass may count a call twice when two instrumentations recorded it; the evidence pass counts each call id once,
-- and leaves out a model call's shadow (queries/fragments/model_call_shadows.sql: a model-call span whose
-- parent is a model-call span of the same trace, as when two instrumentations wrap one client), as does the token budget.
WITH
-- First pass for loops, one group per session on 64-bit keys: CallKey sorts a session's calls by subject, then
-- time, so `limit` places apart two keys less than a window apart are calls of one subject in one
-- window (keys of different subjects differ by 2^42 or more). Checked on two aligned slices: a lambda
-- that indexed a captured array would copy it once per element.
flagged AS (
    SELECT SessionKey
    FROM (
        SELECT SessionKey,
               arraySort(groupArrayIf(CallKey, Kind = 'model')) AS model_keys,
               arraySort(groupArrayIf(CallKey, Kind = 'tool')) AS tool_keys
        FROM flightrec_calls
        WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Kind != ''
        GROUP BY SessionKey)
    WHERE arrayExists((a, b) -> a - b < {window_seconds:UInt32} * 1000,
                      arraySlice(model_keys, {max_model_calls:UInt32} + 1), arraySlice(model_keys, 1, greatest(length(model_keys) - {max_model_calls:UInt32}, 0)))
       OR arrayExists((a, b) -> a - b < {window_seconds:UInt32} * 1000,
                      arraySlice(tool_keys, {max_tool_calls:UInt32} + 1), arraySlice(tool_keys, 1, greatest(length(tool_keys) - {max_tool_calls:UInt32}, 0)))
),
-- Sessions whose token use is over the budget (a shadow's tokens still counted here): the token pass's candidates.
over_budget AS (
    SELECT SessionKey FROM flightrec_calls
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND (InputTokens > 0 OR OutputTokens > 0)
    GROUP BY SessionKey
    HAVING sum(InputTokens) + sum(OutputTokens) > {token_budget:UInt64}
),
-- The traces of the flagged and over-budget sessions, looked up once: the parents a shadow of theirs points at are
-- there (in its trace, though perhaps in another session, when only one instrumentation names it).
(SELECT groupUniqArray(TraceId) FROM flightrec_calls
 WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
   AND (SessionKey IN (SELECT SessionKey FROM flagged) OR SessionKey IN (SELECT SessionKey FROM over_budget))) AS scope_traces,
-- Their model-call spans: the scope of model_call_shadows.
model_calls AS (
    SELECT TraceId, SpanId, ParentSpanId FROM flightrec_calls
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Kind = 'model' AND TraceId IN (SELECT arrayJoin(scope_traces))
),
-- The shadows, looked up once for both passes: neither counts them.
(SELECT groupArray(cityHash64(TraceId, SpanId)) FROM model_call_shadows) AS shadow_keys,
-- Second pass, the flagged sessions only (read by the table's primary key): the evidence per subject, and
-- the trace of the call that crossed the threshold.
subjects AS (
    SELECT any(SessionId) AS session, any(Agent) AS agent, Kind AS kind, Subject AS subject,
           arraySort(groupArray((toUnixTimestamp64Milli(Timestamp), SpanId, TraceId))) AS sorted,
           arrayMap(c -> c.1, sorted) AS ts,
           if(kind = 'model', {max_model_calls:UInt32}, {max_tool_calls:UInt32}) AS threshold,
           arraySlice(ts, threshold + 1) AS later,
           arrayFirstIndex((a, b) -> a - b < {window_seconds:UInt32} * 1000, later, arraySlice(ts, 1, greatest(length(ts) - threshold, 0))) AS first_over
    FROM (
        -- One row per tool call: two instrumentations' spans of one call share its id (CallId).
        SELECT SessionKey, SessionId, Agent, Kind, Subject, Timestamp, SpanId, TraceId
        FROM flightrec_calls
        WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
          AND Kind != '' AND SessionKey IN (SELECT SessionKey FROM flagged)
          AND NOT (Kind = 'model' AND cityHash64(TraceId, SpanId) IN (SELECT arrayJoin(shadow_keys)))
        ORDER BY Timestamp
        LIMIT 1 BY SessionKey, Kind, if(CallId = '', SpanId, CallId))
    GROUP BY SessionKey, Kind, Subject
),
-- include: model_call_shadows
SELECT
    session AS SessionId, sorted[threshold + first_over].3 AS TraceId,
    toDateTime64(fromUnixTimestamp64Milli(toInt64(later[first_over])), 3) AS Time,
    agent AS Agent,
    concat(kind, '_repeat') AS Pattern,
    concat(kind, ' ', subject, ' called ', toString(arrayMax(arrayMap(t -> arrayCount(u -> u > t - {window_seconds:UInt32} * 1000 AND u <= t, ts), ts))),
           ' times within ', toString({window_seconds:UInt32}), ' s (threshold ', toString(threshold), '), ', toString(length(ts)), ' calls in all') AS Evidence,
    arrayMap(c -> c.2, sorted) AS EvidenceSpanIds
FROM subjects
WHERE first_over > 0
UNION ALL
SELECT
    any(SessionId) AS SessionId, argMax(TraceId, Timestamp) AS TraceId, toDateTime64(max(Timestamp), 3) AS Time, any(Agent) AS Agent,
    'token_budget' AS Pattern,
    concat(toString(sum(InputTokens) + sum(OutputTokens)), ' tokens (', toString(sum(InputTokens)), ' in, ', toString(sum(OutputTokens)),
           ' out) over ', toString(count()), ' model calls, budget ', toString({token_budget:UInt64})) AS Evidence,
    arrayMap(t -> t.2, arraySort(groupArray((Timestamp, SpanId)))) AS EvidenceSpanIds
FROM flightrec_calls AS c
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND (InputTokens > 0 OR OutputTokens > 0)
  -- a pass of its own: token columns in the loop pass above would make it slower than both together
  AND SessionKey IN (SELECT SessionKey FROM over_budget)
  -- a model call's shadow (above); the table's columns, not the aliases of this SELECT
  AND NOT (Kind = 'model' AND cityHash64(c.TraceId, c.SpanId) IN (SELECT arrayJoin(shadow_keys)))
GROUP BY SessionKey
HAVING sum(InputTokens) + sum(OutputTokens) > {token_budget:UInt64}
ORDER BY Time DESC
