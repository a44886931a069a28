-- name: grafana_trace_spans
-- description: One trace's span tree in the shape of Grafana's trace view (the columns and units the ClickHouse plugin's OpenTelemetry trace mode produces), read from otel_traces within the trace's time range.
-- param: trace String — the trace id
-- title: Span tree
-- panel: traces
WITH
    {trace:String} AS trace_id,
    (SELECT min(Start) FROM otel_traces_trace_id_ts WHERE TraceId = trace_id) AS trace_start,
    (SELECT max(End) + 1 FROM otel_traces_trace_id_ts WHERE TraceId = trace_id) AS trace_end
SELECT
    TraceId AS traceID,
    SpanId AS spanID,
    ParentSpanId AS parentSpanID,
    ServiceName AS serviceName,
    SpanName AS operationName,
    multiply(toUnixTimestamp64Nano(Timestamp), 0.000001) AS startTime,
    multiply(Duration, 0.000001) AS duration,
    arrayMap(key -> map('key', key, 'value', SpanAttributes[key]), mapKeys(SpanAttributes)) AS tags,
    arrayMap(key -> map('key', key, 'value', ResourceAttributes[key]), mapKeys(ResourceAttributes)) AS serviceTags,
    if(StatusCode IN ('Error', 'STATUS_CODE_ERROR'), 2, 0) AS statusCode,
    arrayMap((name, timestamp, attributes) -> tuple(name, toString(toUnixTimestamp64Milli(timestamp)), arrayMap(key -> map('key', key, 'value', attributes[key]), mapKeys(attributes)))::Tuple(name String, timestamp String, fields Array(Map(String, String))), Events.Name, Events.Timestamp, Events.Attributes) AS logs,
    SpanKind AS kind,
    StatusMessage AS statusMessage,
    TraceState AS traceState
FROM otel_traces
WHERE TraceId = trace_id AND Timestamp >= trace_start AND Timestamp <= trace_end
