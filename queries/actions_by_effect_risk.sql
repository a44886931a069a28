-- name: actions_by_effect_risk
-- description: Actions (touched spans; a tool call two instrumentations recorded counts once, by its call id) in a time range by effect and risk, with errors and irreversible ones.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- panel: barchart
SELECT
    if(Effect = '', 'unknown', Effect) AS Effect,
    if(Risk = '', 'unknown', Risk) AS Risk,
    uniqExact(SessionId, CallRef) AS Actions,
    uniqExactIf((SessionId, CallRef), IsError = 1 OR Outcome = 'error') AS Errors,
    uniqExactIf((SessionId, CallRef), Reversible = 'false') AS Irreversible
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
  AND Record = 'touched'
GROUP BY Effect, Risk
ORDER BY Effect, indexOf(['unknown', 'low', 'medium', 'high', 'critical'], Risk)
