-- fragment: tool_call_twins
-- description: The one SQL text of a tool call's twin: a touched span that an earlier span of the same session already recorded under the same tool call id (flightrec_calls CallId, the spans' CallRef) — the second span a second instrumentation makes of one call (OpenInference's TOOL span and the GenAI execute_tool span inside it; an MCP client's and its server's tools/call). Two CTEs for the including query's WITH list (it declares from and to): tool_calls, the range's tool calls with a call id from the narrow calls table, and tool_call_twins (TraceId, SpanId), the spans of those calls after the first. Range totals take the twins off, so a call counts once, under its first span. Keys are found first as one 64-bit hash of (session, call id) a call, so only the few repeated ones are listed.
tool_calls AS (
    SELECT SessionKey, CallId, Timestamp, TraceId, SpanId FROM flightrec_calls
    WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Kind = 'tool' AND CallId != ''
),
tool_call_twins AS (
    SELECT TraceId, SpanId FROM tool_calls
    WHERE cityHash64(SessionKey, CallId) IN (SELECT cityHash64(SessionKey, CallId) AS h FROM tool_calls GROUP BY h HAVING count() > 1)
    ORDER BY Timestamp, SpanId
    LIMIT 1, 1000000 BY cityHash64(SessionKey, CallId)
)
