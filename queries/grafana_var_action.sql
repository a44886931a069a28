-- name: grafana_var_action
-- description: The decided and touched spans of one session (or trace), latest first (a Grafana variable's options: span id, then a label), to ask what the agent saw before one of them.
-- include: session_traces
-- variable: action
WITH
-- include: session_traces
SELECT SpanId, concat(formatDateTime(Timestamp, '%H:%i:%S'), ' ', Record, ' ', SpanName) AS Label
FROM flightrec_spans
WHERE TraceId IN (SELECT TraceId FROM traces)
  AND Timestamp >= (SELECT min(first_start) FROM traces)
  AND Timestamp <= (SELECT max(last_end) FROM traces)
  AND Record IN ('decided', 'touched')
ORDER BY Record = 'touched' DESC, Timestamp DESC
LIMIT 500
