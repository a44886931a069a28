-- name: grafana_var_channel
-- description: Channels (inbound or outbound) seen in the time range (a Grafana variable's options).
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- variable: channel
SELECT DISTINCT Channel
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Channel != ''
ORDER BY Channel
LIMIT 1000
