-- name: detect_partial_completion
-- description: Tasks with side effects whose declared steps did not all complete, whose caller reported them failed or incomplete, or that ended in error after writing.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- panel: table
-- detection: true
-- severity: high
WITH
tasks AS (
    SELECT SessionId, TraceId, SpanId, Agent, TaskId, SpanName, TaskSteps, TaskCompletion, IsError, StatusMessage,
           Timestamp AS started, Timestamp + toIntervalNanosecond(Duration) AS ended
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Step = 'task'
),
steps AS (
    SELECT TraceId, TaskId,
           uniqExactIf(TaskStep, TaskStepState = 'completed') AS completed,
           arrayStringConcat(groupArrayIf(concat(TaskStep, ' ', TaskStepState), TaskStepState != 'completed'), ', ') AS unfinished,
           groupArrayIf(SpanId, TaskStepState != 'completed') AS unfinished_spans
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Step = 'task_step'
    GROUP BY TraceId, TaskId
),
effects AS (
    SELECT TraceId, Timestamp, SpanId, Action, Effect, IsError, Outcome
    FROM flightrec_spans
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
      AND Record = 'touched' AND Effect IN ('write', 'send', 'delete', 'payment', 'execute')
),
task_effects AS (
    SELECT t.SpanId AS task_span,
           countIf(e.IsError = 0 AND e.Outcome NOT IN ('error')) AS done_effects,
           arrayStringConcat(groupArrayIf(concat(e.Action, ' ', e.Effect), e.IsError = 0 AND e.Outcome NOT IN ('error')), ', ') AS done_what,
           groupArrayIf(e.SpanId, e.IsError = 0 AND e.Outcome NOT IN ('error')) AS done_spans,
           minIf(e.Timestamp, e.IsError = 0 AND e.Outcome NOT IN ('error')) AS first_done,
           countIf(e.IsError = 1 OR e.Outcome = 'error') AS failed_effects,
           maxIf(e.Timestamp, e.IsError = 1 OR e.Outcome = 'error') AS last_failed
    FROM tasks AS t
    INNER JOIN effects AS e ON e.TraceId = t.TraceId
    WHERE e.Timestamp >= t.started AND e.Timestamp <= t.ended
    GROUP BY t.SpanId
)
SELECT
    t.SessionId AS SessionId,
    t.TraceId AS TraceId,
    toDateTime64(t.started, 3) AS Time,
    t.Agent AS Agent,
    t.TaskId AS TaskId,
    s.completed AS CompletedSteps,
    t.TaskSteps AS DeclaredSteps,
    t.TaskCompletion AS Completion,
    concat(t.SpanName, ': ', toString(s.completed), ' of ', toString(t.TaskSteps), ' declared steps completed',
           if(s.unfinished != '', concat(' (', s.unfinished, ')'), ''),
           ', completion ', if(t.TaskCompletion = '', 'not reported', t.TaskCompletion),
           ', after ', fx.done_what,
           if(t.IsError = 1 AND t.StatusMessage != '', concat('; error: ', t.StatusMessage), '')) AS Evidence,
    arrayConcat([t.SpanId], s.unfinished_spans, fx.done_spans) AS EvidenceSpanIds
FROM tasks AS t
INNER JOIN task_effects AS fx ON fx.task_span = t.SpanId
LEFT JOIN steps AS s ON s.TraceId = t.TraceId AND s.TaskId = t.TaskId
WHERE fx.done_effects > 0
  AND (s.completed < t.TaskSteps
       OR t.TaskCompletion IN ('failed', 'incomplete')
       OR t.IsError = 1
       OR (fx.failed_effects > 0 AND fx.last_failed > fx.first_done))
ORDER BY Time DESC
