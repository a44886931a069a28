/**
 * Bad input: every malformed request gets a 4xx with a message that says what is wrong, the valid
 * spans of a partly bad batch are kept (OTLP partial success), and the receiver keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { ExportTraceServiceRequest, ExportTraceServiceResponse, RpcStatus } from '../receiver/otlp-proto-schema.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';

const MAX_BODY = 256 * 1024;
const MAX_VALUE = 16 * 1024;
let t: TestServer;
let url: string;
beforeAll(async () => {
  t = await startTestServer({ maxBodyBytes: MAX_BODY, rowLimits: { maxAttributeValueBytes: MAX_VALUE }, fsync: false });
  url = `${t.server.otlpUrl}/v1/traces`;
});
afterAll(async () => {
  await t?.stop();
});

const NOW = BigInt(Date.now()) * 1_000_000n;
let seq = 0;
function span(over: Record<string, unknown> = {}): Record<string, unknown> {
  seq++;
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: (0x1000 + seq).toString(16).padStart(16, '0'),
    name: 'ok',
    kind: 1,
    startTimeUnixNano: String(NOW),
    endTimeUnixNano: String(NOW + 1000n),
    ...over,
  };
}
function body(service: string, spans: Record<string, unknown>[]): string {
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans }] }] });
}
async function post(payload: string | Uint8Array, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers, body: payload });
  const text = await res.text();
  return { status: res.status, json: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : {}, headers: res.headers };
}
async function count(service: string): Promise<number> {
  const rs = await t.http.query({ query: 'SELECT count() AS n FROM otel_traces WHERE ServiceName = {s:String}', query_params: { s: service }, format: 'JSONEachRow' });
  return Number((await rs.json<{ n: string }>())[0]!.n);
}

function nested(depth: number): Record<string, unknown> {
  let v: Record<string, unknown> = { stringValue: 'leaf' };
  for (let i = 0; i < depth; i++) v = { arrayValue: { values: [v] } };
  return v;
}

describe('whole-request errors', () => {
  it.each([
    ['wrong content type', 'hi', { 'content-type': 'text/plain' }, 415, /unsupported Content-Type "text\/plain"/],
    ['no content type', '{}', {}, 415, /unsupported Content-Type/],
    ['invalid JSON', '{"resourceSpans": [', { 'content-type': 'application/json' }, 400, /not valid JSON/],
    ['JSON that is not a request object', '[1,2]', { 'content-type': 'application/json' }, 400, /not an OTLP ExportTraceServiceRequest/],
    ['resourceSpans not a list', '{"resourceSpans": 5}', { 'content-type': 'application/json' }, 400, /resourceSpans must be a list/],
    ['unsupported Content-Encoding', '{}', { 'content-type': 'application/json', 'content-encoding': 'br' }, 415, /unsupported Content-Encoding "br"/],
    ['body that is not gzip', 'plain', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, 400, /not valid gzip/],
  ] as const)('%s', async (_name, payload, headers, status, message) => {
    const res = await post(payload, headers as Record<string, string>);
    expect(res.status).toBe(status);
    expect(res.json.message).toMatch(message);
  });

  it('invalid protobuf → 400 with a protobuf google.rpc.Status body', async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f]) });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const status = RpcStatus.decode(new Uint8Array(await res.arrayBuffer())) as unknown as { code: number; message: string };
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/not a valid OTLP protobuf/);
  });

  it('GET → 405', async () => {
    const res = await fetch(url);
    expect(res.status).toBe(405);
  });

  it('declared oversize body → 413 before it is read', async () => {
    const res = await post('x'.repeat(MAX_BODY + 1));
    expect(res.status).toBe(413);
    expect(res.json.message).toMatch(/over the 262144-byte limit/);
  });

  it('streamed (chunked) oversize body → 413', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      for (let i = 0; i < 6; i++) req.write(chunk);
      req.end();
    });
    expect(status).toBe(413);
  });

  it('gzip bomb (small on the wire, huge inflated) → 413', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(MAX_BODY);
    const res = await post(bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(res.json.message).toMatch(/decompressed body is over/);
  });
});

describe('per-span validation: partial success', () => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['trace id not hex', { traceId: 'zz'.repeat(16) }, /traceId must be 16 bytes/],
    ['span id too short', { spanId: 'abcd' }, /spanId must be 8 bytes/],
    ['all-zero trace id', { traceId: '0'.repeat(32) }, /traceId is all zeroes/],
    ['missing span id', { spanId: undefined }, /spanId is missing/],
    ['start time in milliseconds', { startTimeUnixNano: String(Date.now()), endTimeUnixNano: String(Date.now() + 1) }, /outside the accepted range/],
    ['start time past 2262', { startTimeUnixNano: '18446744073709551615', endTimeUnixNano: '18446744073709551615' }, /outside the accepted range/],
    ['timestamp not a number', { startTimeUnixNano: 'yesterday' }, /not an unsigned integer/],
    ['end before start', { endTimeUnixNano: String(NOW - 1n) }, /before startTimeUnixNano/],
    ['event time past 2262', { events: [{ timeUnixNano: '18446744073709551615', name: 'e' }] }, /past the year 2262/],
    ['huge attribute value', { attributes: [{ key: 'big', value: { stringValue: 'x'.repeat(MAX_VALUE + 1) } }] }, /over the 16384-character limit/],
    ['huge value inside an array', { attributes: [{ key: 'big', value: { arrayValue: { values: [{ stringValue: 'x'.repeat(MAX_VALUE) }] } } }] }, /over the 16384-character limit/],
    ['huge attribute key', { attributes: [{ key: 'k'.repeat(5000), value: { stringValue: 'v' } }] }, /over the 1024-character limit/],
    ['deeply nested value', { attributes: [{ key: 'deep', value: nested(40) }] }, /nested deeper than 32 levels/],
    ['attributes not a list', { attributes: { a: 1 } }, /attributes must be a list/],
  ];

  it.each(bad)('%s: the bad span is rejected with a reason, the good ones kept', async (name, over, reason) => {
    const service = `partial-${name.replace(/\W+/g, '-')}`;
    const payload = body(service, [span(), span(over), span()]);
    const res = await post(payload);
    expect(res.status).toBe(200);
    const partial = res.json.partialSuccess as { rejectedSpans: number; errorMessage: string };
    expect(partial.rejectedSpans).toBe(1);
    expect(partial.errorMessage).toMatch(reason);
    expect(partial.errorMessage).toMatch(/spans\[1\]/);
    expect(await count(service)).toBe(2);
  });

  it('a batch with only bad spans → 400 naming the reasons', async () => {
    const res = await post(body('all-bad', [span({ traceId: 'nothex' }), span({ spanId: '' })]));
    expect(res.status).toBe(400);
    expect(res.json.message).toMatch(/all 2 spans were rejected: .*traceId must be 16 bytes.*spanId is missing/);
    expect(await count('all-bad')).toBe(0);
  });

  it('protobuf partial success is answered in protobuf', async () => {
    const msg = ExportTraceServiceRequest.fromObject({
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'proto-partial' } }] },
        scopeSpans: [{ spans: [
          { traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex'), spanId: Buffer.from('00000000000000aa', 'hex'), name: 'good', startTimeUnixNano: String(NOW), endTimeUnixNano: String(NOW + 5n) },
          { traceId: Buffer.from('0af765', 'hex'), spanId: Buffer.from('00000000000000ab', 'hex'), name: 'bad', startTimeUnixNano: String(NOW), endTimeUnixNano: String(NOW + 5n) },
        ] }],
      }],
    });
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: ExportTraceServiceRequest.encode(msg).finish() });
    expect(res.status).toBe(200);
    const decoded = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(new Uint8Array(await res.arrayBuffer())), { longs: Number }) as { partialSuccess: { rejectedSpans: number; errorMessage: string } };
    expect(decoded.partialSuccess.rejectedSpans).toBe(1);
    expect(decoded.partialSuccess.errorMessage).toMatch(/traceId must be 16 bytes/);
    expect(await count('proto-partial')).toBe(1);
  });

  it('an empty request is a success with nothing written', async () => {
    expect((await post('{}')).status).toBe(200);
    expect((await post('{"resourceSpans":[]}')).status).toBe(200);
  });
});

describe('after all that', () => {
  it('still serves, and the ingest log holds the rejected and partial requests', async () => {
    const res = await post(body('still-serving', [span()]));
    expect(res.status).toBe(200);
    expect(await count('still-serving')).toBe(1);
    await t.server.ingestLog.flush();
    const rs = await t.http.query({ query: 'SELECT Outcome, HttpStatus, count() AS n FROM flightrec_ingest_log GROUP BY Outcome, HttpStatus ORDER BY Outcome, HttpStatus', format: 'JSONEachRow' });
    const byOutcome = await rs.json<{ Outcome: string; HttpStatus: number; n: string }>();
    const n = (o: string, s: number): number => Number(byOutcome.find((r) => r.Outcome === o && r.HttpStatus === s)?.n ?? 0);
    expect(n('rejected', 400)).toBeGreaterThanOrEqual(6);
    expect(n('rejected', 413)).toBe(3);
    expect(n('rejected', 415)).toBe(3);
    expect(n('partial', 200)).toBeGreaterThanOrEqual(10);
    expect(n('accepted', 200)).toBeGreaterThan(0);
  });
});
