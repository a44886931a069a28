-- name: actions_by_effect_risk
-- description: Actions (touched spans) in a time range by effect and risk, with errors and irreversible ones.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- panel: barchart
SELECT
    if(Effect = '', 'unknown', Effect) AS Effect,
    if(Risk = '', 'unknown', Risk) AS Risk,
    count() AS Actions,
    countIf(IsError = 1 OR Outcome = 'error') AS Errors,
    countIf(Reversible = 'false') AS Irreversible
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
  AND Record = 'touched'
GROUP BY Effect, Risk
ORDER BY Effect, indexOf(['unknown', 'low', 'medium', 'high', 'critical'], Risk)
