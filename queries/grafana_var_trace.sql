-- name: grafana_var_trace
-- description: The traces of one session (or the trace itself), in start order (a Grafana variable's options: id, then a label).
-- param: session String — the session / conversation id, or a trace id
-- variable: trace
SELECT TraceId, concat(TraceId, ' (', formatDateTime(min(Start), '%Y-%m-%d %H:%i:%S'), ', ', toString(sum(Spans)), ' spans)') AS Label
FROM flightrec_session_traces
WHERE SessionId = {session:String} OR TraceId = {session:String}
GROUP BY TraceId
ORDER BY min(Start)
