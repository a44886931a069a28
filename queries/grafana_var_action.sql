-- name: grafana_var_action
-- description: The decided and touched spans of one session (or trace), latest first (a Grafana variable's options: span id, then a label), to ask what the agent saw before one of them.
-- param: session String — the session / conversation id, or a trace id
-- variable: action
WITH traces AS (
    SELECT TraceId, min(Start) AS first_start, max(End) AS last_end
    FROM flightrec_session_traces
    WHERE SessionId = {session:String} OR TraceId = {session:String}
    GROUP BY TraceId
)
SELECT SpanId, concat(formatDateTime(Timestamp, '%H:%i:%S'), ' ', Record, ' ', SpanName) AS Label
FROM flightrec_spans
WHERE TraceId IN (SELECT TraceId FROM traces)
  AND Timestamp >= (SELECT min(first_start) FROM traces)
  AND Timestamp <= (SELECT max(last_end) FROM traces)
  AND Record IN ('decided', 'touched')
ORDER BY Record = 'touched' DESC, Timestamp DESC
LIMIT 500
