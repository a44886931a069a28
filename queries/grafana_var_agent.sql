-- name: grafana_var_agent
-- description: Agents that recorded spans in the time range (a Grafana variable's options).
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- variable: agent
SELECT DISTINCT Agent
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Agent != ''
ORDER BY Agent
LIMIT 1000
