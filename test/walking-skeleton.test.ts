/**
 * End to end: the instrumentation's real OTLP/HTTP exporter → the embedded receiver on 127.0.0.1
 * → chdb → a saved query read back over the ClickHouse HTTP interface.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { TracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { wrapTool } from '../instrumentation/record-tool.ts';
import { GenAI, Flightrec } from '../instrumentation/semconv.ts';
import { findSavedQuery } from '../catalogue/saved-queries.ts';
import { runSavedQuery } from '../review/run-query.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

describe('walking skeleton', () => {
  it('a wrapped tool call travels through OTLP/HTTP into otel_traces and back out of a saved query', async () => {
    const exporter = new OTLPTraceExporter({ url: `${t.server.otlpUrl}/v1/traces` });
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'skeleton-agent', [GenAI.agentName]: 'skeleton-agent' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const tracer = provider.getTracer('test');
    const sendEmail = wrapTool(async (to: string, body: string) => ({ id: `msg-${to.length}-${body.length}` }), {
      name: 'send_email',
      tracer,
      callId: () => 'call-42',
    });
    const result = await sendEmail('ops@example.com', 'hello');
    expect(result).toEqual({ id: 'msg-15-5' });
    await provider.forceFlush();
    await provider.shutdown();

    const rows = await (await t.http.query({ query: 'SELECT TraceId, SpanName, SpanKind, ServiceName, SpanAttributes, ScopeName, Duration FROM otel_traces', format: 'JSONEachRow' })).json<{
      TraceId: string; SpanName: string; SpanKind: string; ServiceName: string; SpanAttributes: Record<string, string>; ScopeName: string; Duration: string | number;
    }>();
    expect(rows).toHaveLength(1);
    const span = rows[0]!;
    expect(span.SpanName).toBe('execute_tool send_email');
    expect(span.ServiceName).toBe('skeleton-agent');
    expect(span.ScopeName).toBe('test');
    expect(span.TraceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.SpanAttributes).toMatchObject({
      [GenAI.operationName]: 'execute_tool',
      [GenAI.toolName]: 'send_email',
      [GenAI.toolCallId]: 'call-42',
      [Flightrec.record]: 'touched',
    });

    const timeline = await runSavedQuery(t.http, findSavedQuery('session_timeline'), { session: span.TraceId });
    expect(timeline).toHaveLength(1);
    expect(timeline[0]).toMatchObject({ SpanName: 'execute_tool send_email', Tool: 'send_email', Record: 'touched', TraceId: span.TraceId });
  });

  it('answers a malformed body with a 4xx and a clear message, and keeps serving', async () => {
    const bad = await fetch(`${t.server.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceSpans": [' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/not valid JSON/);

    const badProto = await fetch(`${t.server.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array([0x0a, 0xff, 0xff, 0xff]) });
    expect(badProto.status).toBe(400);

    const wrongType = await fetch(`${t.server.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(wrongType.status).toBe(415);

    const now = BigInt(Date.now()) * 1_000_000n;
    const good = await fetch(`${t.server.otlpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'after-bad' } }] }, scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'ok', kind: 1, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1000n) }] }] }] }),
    });
    expect(good.status).toBe(200);
    const n = await (await t.http.query({ query: "SELECT count() AS n FROM otel_traces WHERE ServiceName = 'after-bad'", format: 'JSONEachRow' })).json<{ n: string | number }>();
    expect(Number(n[0]!.n)).toBe(1);
  });
});
