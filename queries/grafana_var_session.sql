-- name: grafana_var_session
-- description: Sessions (conversations) active in the time range, newest first: the options of Incident review's session and Agent overview's conversation variables (id, then a label).
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- variable: session, conversation
SELECT SessionId, concat(SessionId, ' (', toString(ServiceName), ', ', formatDateTime(max(End), '%Y-%m-%d %H:%i:%S'), ')') AS Label
FROM flightrec_session_traces
WHERE Start >= {from:DateTime64(3)} AND Start <= {to:DateTime64(3)}
GROUP BY SessionId, ServiceName
ORDER BY max(End) DESC
LIMIT 500
