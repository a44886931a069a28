-- name: grafana_var_trace
-- description: The traces of one session (or the trace itself), in start order (a Grafana variable's options: id, then a label).
-- include: session_traces
-- variable: trace
WITH
-- include: session_traces
SELECT TraceId, concat(TraceId, ' (', formatDateTime(first_start, '%Y-%m-%d %H:%i:%S'), ', ', toString(spans), ' spans)') AS Label
FROM traces
ORDER BY first_start
