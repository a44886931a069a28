-- fragment: session_traces
-- description: The traces of one session (or one trace, when the id given is a trace id), each with its time range, from the small session lookup: one CTE, traces (TraceId, first_start, last_end, spans), for the including query's WITH list. The including query reads the session's spans by these trace ids within first_start … last_end, which the spans' trace index and time order narrow to a few granules.
-- param: session String — the session / conversation id, or a trace id
traces AS (
    SELECT TraceId, min(Start) AS first_start, max(End) AS last_end, sum(Spans) AS spans
    FROM flightrec_session_traces
    WHERE SessionId = {session:String} OR TraceId = {session:String}
    GROUP BY TraceId
)
