-- name: similar_sessions
-- description: Session ids that look like a given one (the "did you mean" of `flightrec incident`): ids containing it or contained in it, or within a few edits of it, nearest and most recent first.
-- param: session String — the session id (or trace id) that was not found
-- param: limit UInt32 = 3 — the most ids to return
-- No `-- panel:` header: not a dashboard panel.
WITH lower({session:String}) AS typed
SELECT SessionId, max(End) AS LastSeen, min(editDistanceUTF8(lower(SessionId), typed)) AS Distance
FROM flightrec_session_traces
WHERE SessionId != ''
  AND (positionUTF8(lower(SessionId), typed) > 0 OR positionUTF8(typed, lower(SessionId)) > 0
       OR editDistanceUTF8(lower(SessionId), typed) <= greatest(2, intDiv(lengthUTF8(typed), 3)))
GROUP BY SessionId
ORDER BY Distance, LastSeen DESC
LIMIT {limit:UInt32}
