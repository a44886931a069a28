-- fragment: tool_call_twins
-- description: The one SQL text of a tool call's twin: a touched span that an earlier span of the same session already recorded under the same tool call id (flightrec_calls CallId, the spans' CallRef) — the second span a second instrumentation makes of one call (OpenInference's TOOL span and the GenAI execute_tool span inside it; an MCP client's and its server's tools/call). A CTE, tool_call_twins (TraceId, SpanId), over the CTE tool_calls (SessionKey, CallId, Timestamp, TraceId, SpanId) that the including query defines in the same WITH list, scoped as it needs (a time range, a session's traces), from flightrec_calls' tool rows. Totals take the twins off, so a call counts once, under its first span. Keys are found first as one 64-bit hash of (session, call id) a call, so only the few repeated ones are listed.
tool_call_twins AS (
    SELECT TraceId, SpanId FROM tool_calls
    WHERE CallId != '' AND cityHash64(SessionKey, CallId) IN (
        SELECT cityHash64(SessionKey, CallId) AS h FROM tool_calls WHERE CallId != '' GROUP BY h HAVING count() > 1)
    ORDER BY Timestamp, SpanId
    LIMIT 1, 1000000 BY cityHash64(SessionKey, CallId)
)
