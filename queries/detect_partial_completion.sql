-- name: detect_partial_completion
-- description: Tasks with side effects whose declared steps did not all complete, whose caller reported them failed or incomplete, or that ended in error after writing.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- panel: table
-- detection: true
-- severity: high
-- summary: left a task half done after one of its side effects had already happened
WITH
effects AS (
    SELECT TraceId, Timestamp, SpanId, Action, Effect, IsError, Outcome, CallRef
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      AND SideEffect = 1
),
-- One pass over tasks and their steps, keyed by a hash of (trace, task id).
task_state AS (
    SELECT cityHash64(TraceId, TaskId) AS h,
           maxIf(TaskSteps, Step = 'task') AS declared,
           uniqExactIf(TaskStep, Step = 'task_step' AND TaskStepState = 'completed') AS completed,
           arrayStringConcat(groupArrayIf(concat(TaskStep, ' ', TaskStepState), Step = 'task_step' AND TaskStepState != 'completed'), ', ') AS unfinished,
           groupArrayIf(SpanId, Step = 'task_step' AND TaskStepState != 'completed') AS unfinished_spans,
           anyIf(TaskCompletion, Step = 'task') AS completion,
           maxIf(IsError, Step = 'task') AS task_error,
           max(TraceId IN (SELECT TraceId FROM effects WHERE IsError = 1 OR Outcome = 'error')) AS in_failed_trace
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Step IN ('task', 'task_step')
    GROUP BY h
    -- Candidates only: unfinished by steps or completion, in error, or sharing a trace with a failed side effect.
    HAVING completed < declared OR completion IN ('failed', 'incomplete') OR task_error = 1 OR in_failed_trace = 1
),
candidates AS (
    SELECT t.SessionId AS SessionId, t.TraceId AS TraceId, t.SpanId AS SpanId, t.Agent AS Agent, t.TaskId AS TaskId, t.SpanName AS SpanName,
           t.TaskSteps AS TaskSteps, t.TaskCompletion AS TaskCompletion, t.IsError AS IsError, t.StatusMessage AS StatusMessage,
           t.Timestamp AS started, t.Timestamp + toIntervalNanosecond(t.Duration) AS ended,
           st.completed AS completed, st.unfinished AS unfinished, st.unfinished_spans AS unfinished_spans
    FROM flightrec_spans AS t
    INNER JOIN task_state AS st ON st.h = cityHash64(t.TraceId, t.TaskId)
    WHERE t.Timestamp >= {from:DateTime64(3)} AND t.Timestamp <= {to:DateTime64(3)} AND t.Step = 'task'
),
task_effects AS (
    -- The small side (candidates) on the right: ClickHouse builds its hash table from the right table.
    SELECT t.SpanId AS task_span,
           any(t.SessionId) AS SessionId, any(t.TraceId) AS TraceId, any(t.Agent) AS Agent, any(t.TaskId) AS TaskId,
           any(t.SpanName) AS SpanName, any(t.TaskSteps) AS TaskSteps, any(t.TaskCompletion) AS TaskCompletion,
           any(t.IsError) AS TaskError, any(t.StatusMessage) AS StatusMessage, any(t.started) AS started,
           any(t.completed) AS completed, any(t.unfinished) AS unfinished, any(t.unfinished_spans) AS unfinished_spans,
           -- One per tool call: two instrumentations' spans of one call share CallRef (the first stands for it).
           uniqExactIf(e.CallRef, e.IsError = 0 AND e.Outcome NOT IN ('error')) AS done_effects,
           arraySort(groupArrayIf((e.Timestamp, e.CallRef, e.SpanId, concat(e.Action, ' ', e.Effect)), e.IsError = 0 AND e.Outcome NOT IN ('error'))) AS done,
           arrayFilter((x, i) -> indexOf(arrayMap(y -> y.2, done), x.2) = i, done, arrayEnumerate(done)) AS done_once,
           arrayStringConcat(arrayMap(x -> x.4, done_once), ', ') AS done_what,
           arrayMap(x -> x.3, done_once) AS done_spans,
           minIf(e.Timestamp, e.IsError = 0 AND e.Outcome NOT IN ('error')) AS first_done,
           uniqExactIf(e.CallRef, e.IsError = 1 OR e.Outcome = 'error') AS failed_effects,
           maxIf(e.Timestamp, e.IsError = 1 OR e.Outcome = 'error') AS last_failed
    FROM effects AS e
    INNER JOIN candidates AS t ON e.TraceId = t.TraceId
    WHERE e.Timestamp >= t.started AND e.Timestamp <= t.ended
    GROUP BY t.SpanId
)
SELECT
    SessionId,
    TraceId,
    toDateTime64(started, 3) AS Time,
    Agent,
    TaskId,
    completed AS CompletedSteps,
    TaskSteps AS DeclaredSteps,
    TaskCompletion AS Completion,
    concat(SpanName, ': ', toString(completed), ' of ', toString(TaskSteps), ' declared steps completed',
           if(unfinished != '', concat(' (', unfinished, ')'), ''),
           ', completion ', if(TaskCompletion = '', 'not reported', TaskCompletion),
           ', after ', done_what,
           if(TaskError = 1 AND StatusMessage != '', concat('; error: ', StatusMessage), '')) AS Evidence,
    arrayConcat([task_span], unfinished_spans, done_spans) AS EvidenceSpanIds
FROM task_effects
WHERE done_effects > 0
  AND (completed < TaskSteps
       OR TaskCompletion IN ('failed', 'incomplete')
       OR TaskError = 1
       OR (failed_effects > 0 AND last_failed > first_done))
ORDER BY Time DESC
