/**
 * OTLP/gRPC into the embedded receiver: the OpenTelemetry JS gRPC exporter, unmodified (plain and
 * gzip, with the bearer token in metadata), lands the same rows as OTLP/HTTP; a raw gRPC client
 * checks the status codes — partial success, INVALID_ARGUMENT for a message that is not an
 * ExportTraceServiceRequest, UNAUTHENTICATED without the token, UNAVAILABLE (retryable) when the
 * log's backlog bound is reached — and that spans accepted before a refusal are kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials, Metadata, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { ExportTraceServiceRequest, ExportTraceServiceResponse } from '../receiver/otlp-proto-schema.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { exportBatch, makeSpans, succeeded } from './support/otlp-clients.ts';

const TOKEN = 'grpc-s3cret';
const identity = (b: Buffer): Buffer => b;
const TraceClient = makeGenericClientConstructor(
  { Export: { path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
  'TraceService',
);

/** One raw Export call: the response message or the gRPC error. */
function rawExport(address: string, body: Buffer, token?: string): Promise<{ response?: Record<string, unknown>; error?: ServiceError }> {
  const client = new TraceClient(address, credentials.createInsecure());
  const metadata = new Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  return new Promise((resolve) => {
    (client as unknown as { Export: (b: Buffer, m: Metadata, cb: (e: ServiceError | null, r?: Buffer) => void) => void }).Export(body, metadata, (error, response) => {
      client.close();
      resolve(error ? { error } : { response: ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(response!), { longs: Number }) as Record<string, unknown> });
    });
  });
}

const NOW = BigInt(Date.now()) * 1_000_000n;
const requestBytes = (service: string, spanIds: (string | Buffer)[]): Buffer =>
  Buffer.from(ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject({
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans: spanIds.map((id, i) => ({
      traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex'), spanId: typeof id === 'string' ? Buffer.from(id, 'hex') : id, name: `op-${i}`, kind: 1,
      startTimeUnixNano: String(NOW), endTimeUnixNano: String(NOW + 1000n),
    })) }] }],
  })).finish());

describe('OTLP/gRPC receiver', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ grpcPort: 0, ingestToken: TOKEN, fsync: false });
  });
  afterAll(async () => {
    await t?.stop();
  });

  async function spanIdsOf(service: string): Promise<string[]> {
    const rs = await t.http.query({ query: 'SELECT SpanId FROM otel_traces WHERE ServiceName = {s:String} ORDER BY SpanId', query_params: { s: service }, format: 'JSONEachRow' });
    return (await rs.json<{ SpanId: string }>()).map((r) => r.SpanId);
  }

  it.each([
    ['plain', undefined],
    ['gzip', 'gzip'],
  ])('takes the OpenTelemetry gRPC exporter’s spans (%s), the same rows as over HTTP', async (name, compression) => {
    const service = `grpc-${name}`;
    const spans = await makeSpans(40, service);
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${TOKEN}`);
    const exporter = new GrpcExporter({ url: `http://${t.server.grpcAddress}`, metadata, ...(compression && { compression: compression as never }) });
    const result = await exportBatch(exporter, spans);
    await exporter.shutdown();
    expect(result.error?.message).toBeUndefined();
    expect(succeeded(result)).toBe(true);
    expect(await spanIdsOf(service)).toEqual(spans.map((s) => s.spanContext().spanId).sort());
    const rs = await t.http.query({ query: "SELECT SpanKind, StatusCode, ScopeName, SpanAttributes FROM otel_traces WHERE SpanId = {id:String}", query_params: { id: spans[0]!.spanContext().spanId }, format: 'JSONEachRow' });
    expect((await rs.json())[0]).toMatchObject({ SpanKind: 'Internal', StatusCode: 'Error', ScopeName: 'receiver-test', SpanAttributes: { 'gen_ai.tool.name': 'send_email', seq: '0', ok: 'true', tags: '["a","b"]' } });
  });

  it('refuses a call without the bearer token: UNAUTHENTICATED, nothing stored', async () => {
    const { error } = await rawExport(t.server.grpcAddress!, requestBytes('grpc-noauth', ['00000000000000a1']));
    expect(error?.code).toBe(16);
    expect(error?.details).toMatch(/bearer token/);
    expect(await spanIdsOf('grpc-noauth')).toEqual([]);
    // The refusal is on the pipeline-health log, labelled as gRPC (written once a second).
    let rows: { HttpStatus: number }[] = [];
    for (let i = 0; i < 50 && rows.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rows = await (await t.http.query({ query: "SELECT HttpStatus FROM flightrec_ingest_log WHERE Receiver = 'otlp_grpc' AND Outcome = 'rejected'", format: 'JSONEachRow' })).json();
    }
    expect(rows.map((r) => Number(r.HttpStatus))).toContain(401);
  });

  it('answers partial success, keeping the valid spans of a batch', async () => {
    const { response, error } = await rawExport(t.server.grpcAddress!, requestBytes('grpc-partial', ['00000000000000b1', Buffer.alloc(8), '00000000000000b3']), TOKEN);
    expect(error).toBeUndefined();
    expect(response).toMatchObject({ partialSuccess: { rejectedSpans: 1, errorMessage: expect.stringMatching(/1 of 3 spans rejected: .*spanId is all zeroes/) } });
    expect(await spanIdsOf('grpc-partial')).toEqual(['00000000000000b1', '00000000000000b3']);
  });

  it('refuses a message that is not an ExportTraceServiceRequest: INVALID_ARGUMENT', async () => {
    const { error } = await rawExport(t.server.grpcAddress!, Buffer.from([0x0a, 0xff, 0xff, 0x01, 0x00]), TOKEN);
    expect(error?.code).toBe(3);
    expect(error?.details).toMatch(/not a valid OTLP protobuf/);
  });
});

describe('OTLP/gRPC receiver under back-pressure', () => {
  it('answers UNAVAILABLE past the log’s backlog bound and keeps what it accepted', async () => {
    const t = await startTestServer({ grpcPort: 0, fsync: false, ingestMode: 'wal', wal: { maxBacklogRows: 3, flushIntervalMs: 600_000 } });
    try {
      const first = await rawExport(t.server.grpcAddress!, requestBytes('grpc-full', ['00000000000000c1', '00000000000000c2']));
      expect(first.error).toBeUndefined();
      const second = await rawExport(t.server.grpcAddress!, requestBytes('grpc-full', ['00000000000000c3', '00000000000000c4']));
      expect(second.error?.code).toBe(14);
      expect(second.error?.details).toMatch(/retry in \d+ s/);
      const rs = await t.http.query({ query: "SELECT SpanId FROM otel_traces WHERE ServiceName = 'grpc-full' ORDER BY SpanId", format: 'JSONEachRow' });
      expect((await rs.json<{ SpanId: string }>()).map((r) => r.SpanId)).toEqual(['00000000000000c1', '00000000000000c2']);
    } finally {
      await t.stop();
    }
  });
});

describe('OTLP/gRPC port already taken', () => {
  it('fails to start with one clear message, and releases the store for the next start', async () => {
    const { createServer } = await import('node:net');
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const busy = (holder.address() as { port: number }).port;
    try {
      await expect(startTestServer({ grpcPort: busy, fsync: false })).rejects.toThrow(`cannot listen for OTLP/gRPC on 127.0.0.1:${busy}: the port is already in use`);
      const t = await startTestServer({ grpcPort: 0, fsync: false });
      await t.stop();
    } finally {
      holder.close();
    }
  });
});
