-- name: actions_by_effect_risk
-- description: Actions (touched spans; a tool call two instrumentations recorded counts once, by its first span) in a time range by effect and risk, with errors and irreversible ones.
-- param: from DateTime64(3) — start of the time range
-- param: to DateTime64(3) — end of the time range
-- panel: barchart
WITH
-- What the range's twins (a tool call's second span) add per effect and risk, taken off below (read by trace id).
(
    SELECT mapFromArrays(groupArray(concat(e, '/', r)), groupArray((n, errors, irreversible))) FROM (
        SELECT if(Effect = '', 'unknown', Effect) AS e, if(Risk = '', 'unknown', Risk) AS r, count() AS n,
               countIf(IsError = 1 OR Outcome = 'error') AS errors, countIf(Reversible = 'false') AS irreversible
        FROM flightrec_spans
        WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND (TraceId, SpanId) IN (SELECT TraceId, SpanId FROM tool_call_twins)
        GROUP BY e, r)
) AS twins,
-- include: tool_call_twins
SELECT
    if(Effect = '', 'unknown', Effect) AS Effect,
    if(Risk = '', 'unknown', Risk) AS Risk,
    count() - twins[concat(Effect, '/', Risk)].1 AS Actions,
    countIf(IsError = 1 OR Outcome = 'error') - twins[concat(Effect, '/', Risk)].2 AS Errors,
    countIf(Reversible = 'false') - twins[concat(Effect, '/', Risk)].3 AS Irreversible
FROM flightrec_spans
WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)}
  AND Record = 'touched'
GROUP BY Effect, Risk
HAVING Actions > 0
ORDER BY Effect, indexOf(['unknown', 'low', 'medium', 'high', 'critical'], Risk)
