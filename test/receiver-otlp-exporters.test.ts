/**
 * The OpenTelemetry JS exporters, unmodified, against the embedded receiver: OTLP/HTTP JSON and
 * OTLP/HTTP protobuf, with and without gzip, with the bearer token, and the ingest-health rows
 * each group commit leaves behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { exportBatch, makeSpans, succeeded } from './support/otlp-clients.ts';

const TOKEN = 's3cret-token';
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ ingestToken: TOKEN, fsync: false });
});
afterAll(async () => {
  await t?.stop();
});

async function rowsFor(service: string): Promise<Record<string, unknown>[]> {
  const rs = await t.http.query({
    query: 'SELECT SpanId, SpanName, SpanKind, StatusCode, StatusMessage, ServiceName, ScopeName, ScopeVersion, SpanAttributes, `Events.Name` AS EventNames FROM otel_traces WHERE ServiceName = {s:String} ORDER BY SpanId',
    query_params: { s: service },
    format: 'JSONEachRow',
  });
  return rs.json<Record<string, unknown>>();
}

const auth = { Authorization: `Bearer ${TOKEN}` };
const variants = [
  { name: 'json', make: (url: string) => new JsonExporter({ url, headers: auth }) },
  { name: 'json-gzip', make: (url: string) => new JsonExporter({ url, headers: auth, compression: 'gzip' as never }) },
  { name: 'proto', make: (url: string) => new ProtoExporter({ url, headers: auth }) },
  { name: 'proto-gzip', make: (url: string) => new ProtoExporter({ url, headers: auth, compression: 'gzip' as never }) },
];

describe.each(variants)('$name exporter', ({ name, make }) => {
  it('delivers every span, with the exporter’s own encoding of each field', async () => {
    const service = `svc-${name}`;
    const spans = await makeSpans(50, service);
    const exporter = make(`${t.server.otlpUrl}/v1/traces`);
    const result = await exportBatch(exporter, spans);
    await exporter.shutdown();
    expect(result.error?.message).toBeUndefined();
    expect(succeeded(result)).toBe(true);

    const rows = await rowsFor(service);
    expect(rows.map((r) => r.SpanId)).toEqual(spans.map((s) => s.spanContext().spanId).sort());
    const first = rows.find((r) => r.SpanId === spans[0]!.spanContext().spanId)!;
    expect(first).toMatchObject({
      SpanName: 'op-0', SpanKind: 'Internal', StatusCode: 'Error', StatusMessage: 'failed on purpose', ServiceName: service,
      ScopeName: 'receiver-test', ScopeVersion: '1.0.0', EventNames: ['step'],
      SpanAttributes: { 'gen_ai.tool.name': 'send_email', seq: '0', ratio: '0', ok: 'true', tags: '["a","b"]' },
    });
    const third = rows.find((r) => r.SpanId === spans[2]!.spanContext().spanId)!;
    expect(third).toMatchObject({ StatusCode: 'Unset', SpanAttributes: { seq: '2', ratio: '0.5', ok: 'true' } });
  });
});

describe('ingest auth and health', () => {
  it('refuses an exporter without the token, and says so in the ingest log', async () => {
    const exporter = new ProtoExporter({ url: `${t.server.otlpUrl}/v1/traces` });
    const result = await exportBatch(exporter, await makeSpans(3, 'svc-no-token'));
    await exporter.shutdown();
    expect(succeeded(result)).toBe(false);
    expect(await rowsFor('svc-no-token')).toEqual([]);
    await t.server.ingestLog.flush();
    const log = await (await t.http.query({ query: "SELECT Outcome, HttpStatus, Message FROM flightrec_ingest_log WHERE Outcome = 'rejected'", format: 'JSONEachRow' })).json();
    expect(log).toContainEqual({ Outcome: 'rejected', HttpStatus: 401, Message: 'missing or wrong bearer token' });
  });

  it('logs one accepted row per group commit, with spans, bytes and latency', async () => {
    await t.server.ingestLog.flush();
    const log = await (await t.http.query({
      query: "SELECT sum(Spans) AS spans, sum(Requests) AS requests, min(Bytes) AS minBytes, max(LatencyMs) AS maxLatency FROM flightrec_ingest_log WHERE Outcome = 'accepted'",
      format: 'JSONEachRow',
    })).json<{ spans: string; requests: string; minBytes: string; maxLatency: number }>();
    // 4 exporters × 50 spans were acknowledged above.
    expect(Number(log[0]!.spans)).toBe(200);
    expect(Number(log[0]!.requests)).toBe(4);
    expect(Number(log[0]!.minBytes)).toBeGreaterThan(0);
    expect(log[0]!.maxLatency).toBeGreaterThan(0);
  });
});
