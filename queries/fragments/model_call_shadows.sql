-- fragment: model_call_shadows
-- description: The one SQL text of a model call's shadow (conventions/span-mapping.ts MODEL_CALL_SHADOW): a model-call span whose parent span is a model-call span of the same trace, one call recorded again by a second instrumentation inside the first. A CTE, model_call_shadows (TraceId, SpanId, ParentSpanId), over the CTE model_calls that the including query defines in the same WITH list: its model-call spans (TraceId, SpanId, ParentSpanId), scoped as it needs (a time range, a session's traces). Totals of model calls and tokens take the shadows off, so a call counts once, under its outer span (its session, agent and model name). The trace and parent id pair is compared as one cityHash64: a set of 64-bit keys is built and probed faster than one of string pairs, and two pairs of random ids collide with negligible odds.
model_call_shadows AS (
    SELECT TraceId, SpanId, ParentSpanId FROM model_calls
    WHERE ParentSpanId != '' AND cityHash64(TraceId, ParentSpanId) IN (SELECT cityHash64(TraceId, SpanId) FROM model_calls)
)
