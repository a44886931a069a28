-- name: grafana_var_service
-- description: Services that recorded sessions in the time range (a Grafana variable's options).
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- variable: service
SELECT DISTINCT toString(ServiceName) AS Service
FROM flightrec_session_traces
WHERE Start >= {from:DateTime64(3)} AND Start <= {to:DateTime64(3)}
ORDER BY Service
