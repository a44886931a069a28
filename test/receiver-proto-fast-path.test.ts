/**
 * The one-pass protobuf → Native path (receiver/otlp-proto-spans.ts + native-span-writer.ts) against
 * the generic path (protobufjs decode → requestToRows → the rows → Native writer): byte-identical
 * insert bodies and the same rejections, on a realistic agent workload, on every attribute-value
 * case, and on bad spans.
 */
import { describe, expect, it } from 'vitest';
import { decodeRequest } from '../receiver/decode-request.ts';
import { ExportTraceServiceRequest } from '../receiver/otlp-proto-schema.ts';
import { protobufToNative } from '../receiver/native-span-writer.ts';
import { encodeRows } from '../receiver/row-format.ts';
import { DEFAULT_ROW_LIMITS, requestToRows, type RowLimits } from '../receiver/span-rows.ts';
import { workloadRequest } from '../seed/agent-workload.ts';

const encode = (req: unknown): Buffer => Buffer.from(ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(req as Record<string, unknown>)).finish());

function bothPaths(body: Buffer, limits: RowLimits = DEFAULT_ROW_LIMITS) {
  const generic = requestToRows(decodeRequest(body, 'protobuf'), limits);
  const fast = protobufToNative(body, limits);
  return {
    generic: { body: encodeRows(generic.rows, 'Native').toString('hex'), spans: generic.rows.length, rejectedSpans: generic.rejectedSpans, errors: generic.errors },
    fast: { body: fast.data.toString('hex'), spans: fast.spans, rejectedSpans: fast.rejectedSpans, errors: fast.errors },
    rows: generic.rows,
  };
}

const NOW = BigInt(Date.now()) * 1_000_000n;
const id16 = (n: number): Buffer => Buffer.from(n.toString(16).padStart(32, '0'), 'hex');
const id8 = (n: number): Buffer => Buffer.from(n.toString(16).padStart(16, '0'), 'hex');
const span = (n: number, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  traceId: id16(0xabc000 + n), spanId: id8(0x100 + n), name: `span-${n}`, kind: 1, startTimeUnixNano: String(NOW), endTimeUnixNano: String(NOW + 10n), ...over,
});
const req = (spans: Record<string, unknown>[], resource: unknown[] = [{ key: 'service.name', value: { stringValue: 'svc' } }], scope: Record<string, unknown> = { name: 'sc', version: '1' }) => ({
  resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ scope, spans }] }],
});

describe('protobuf fast path = generic path (Native)', () => {
  it('on a realistic agent workload (2 × 512 spans)', () => {
    for (const seed of [1, 2]) {
      const { generic, fast } = bothPaths(encode(workloadRequest(512, seed)));
      expect(fast.spans).toBe(512);
      expect(fast).toEqual(generic);
    }
  });

  it('on every kind of attribute value, nested, escaped, duplicated', () => {
    const nasty = "a\tb\nc\\d'e\"f\r\0g\b\f {x}[y]:, é😀";
    const values: Record<string, unknown>[] = [
      { stringValue: nasty }, { stringValue: '' }, {}, { boolValue: true }, { boolValue: false }, { intValue: 42 }, { intValue: '-9223372036854775808' },
      { intValue: '9007199254740993' }, { doubleValue: 1 }, { doubleValue: 3.14 }, { doubleValue: 1e21 }, { doubleValue: 1e-7 }, { doubleValue: -0 },
      { doubleValue: NaN }, { doubleValue: Infinity }, { bytesValue: Buffer.from([1, 2, 3]) },
      { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 1 }, { doubleValue: 2.5 }, {}, { bytesValue: Buffer.from([255]) }] } },
      { kvlistValue: { values: [{ key: 'b', value: { intValue: 1 } }, { key: 'a', value: { stringValue: '<&>' } }] } },
      { kvlistValue: { values: [{ key: 'n', value: { doubleValue: NaN } }] } },
    ];
    const attributes = [...values.map((value, i) => ({ key: `k${i}`, value })), { key: nasty, value: { stringValue: nasty } }, { key: 'k0', value: { stringValue: 'replaced' } }];
    const body = encode(req(
      [
        span(1, { attributes, traceState: nasty, status: { code: 2, message: nasty }, kind: 9 }),
        span(2, { parentSpanId: id8(0x100), events: [{ timeUnixNano: String(NOW), name: nasty, attributes }, { timeUnixNano: '0', name: 'zero' }] }),
        span(3, { parentSpanId: Buffer.alloc(8), links: [{ traceId: id16(5), spanId: id8(6), traceState: 'a=b', attributes }, { traceId: Buffer.alloc(16), spanId: id8(7) }] }),
        span(4, { kind: 5, status: { code: 1 } }),
      ],
      [{ key: 'service.name', value: { stringValue: nasty } }, { key: 'host.name', value: { stringValue: 'h' } }],
      { name: nasty, version: nasty },
    ));
    const { generic, fast } = bothPaths(body);
    expect(fast.spans).toBe(4);
    expect(fast).toEqual(generic);
  });

  it('service.name missing, not a string, or duplicated', () => {
    for (const resource of [[], [{ key: 'service.name', value: { intValue: 7 } }], [{ key: 'service.name', value: { stringValue: 'a' } }, { key: 'service.name', value: { stringValue: 'b' } }]]) {
      const { generic, fast } = bothPaths(encode(req([span(1)], resource, {})));
      expect(fast).toEqual(generic);
    }
  });

  it('writes each map sorted by key bytes with duplicates kept in arrival order, ServiceName the first service.name', () => {
    const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });
    const body = encode(req(
      [span(1, { attributes: [kv('b', '1'), kv('😀', 's'), kv('a', '2'), kv('！', 'x'), kv('b', '3')] })],
      [kv('service.name', 'first'), kv('a', 'r'), kv('service.name', 'second')],
    ));
    const { generic, fast, rows } = bothPaths(body);
    expect(fast).toEqual(generic);
    expect([rows[0]!.ServiceName, rows[0]!.ResourceAttributes]).toEqual(['first', [['a', 'r'], ['service.name', 'first'], ['service.name', 'second']]]);
    expect(rows[0]!.SpanAttributes).toEqual([['a', '2'], ['b', '1'], ['b', '3'], ['！', 'x'], ['😀', 's']]);
  });

  it('rejects the same spans for the same reasons, keeping the rest', () => {
    const limits = { ...DEFAULT_ROW_LIMITS, maxAttributeValueBytes: 100 };
    let nested: Record<string, unknown> = { stringValue: 'leaf' };
    for (let i = 0; i < 40; i++) nested = { arrayValue: { values: [nested] } };
    const body = encode(req([
      span(1),
      span(2, { traceId: Buffer.from('0af765', 'hex') }),
      span(3, { spanId: Buffer.alloc(8) }),
      span(4, { spanId: Buffer.alloc(0) }),
      span(5, { startTimeUnixNano: String(Date.now()), endTimeUnixNano: String(Date.now()) }),
      span(6, { endTimeUnixNano: String(NOW - 1n) }),
      span(7, { attributes: [{ key: 'big', value: { stringValue: 'x'.repeat(101) } }] }),
      span(8, { attributes: [{ key: 'k'.repeat(1025), value: { stringValue: 'v' } }] }),
      span(9, { attributes: [{ key: 'deep', value: nested }] }),
      span(10, { events: [{ timeUnixNano: '18446744073709551615', name: 'e' }] }),
      span(11, { links: [{ traceId: Buffer.from('01', 'hex'), spanId: id8(1) }] }),
      span(12, { attributes: [{ key: 'é', value: { stringValue: 'é'.repeat(60) } }] }),
      span(13),
    ]));
    const { generic, fast } = bothPaths(body, limits);
    expect(fast.spans).toBe(3);
    expect(fast.rejectedSpans).toBe(10);
    expect(fast.body).toBe(generic.body);
    expect([fast.spans, fast.rejectedSpans]).toEqual([generic.spans, generic.rejectedSpans]);
    expect(fast.errors).toEqual(generic.errors);
  });

  it('a resource that cannot be read rejects all its spans', () => {
    const body = encode(req([span(1), span(2)], [{ key: 'service.name', value: { stringValue: 'x'.repeat(200) } }]));
    const limits = { ...DEFAULT_ROW_LIMITS, maxAttributeValueBytes: 100 };
    const { generic, fast } = bothPaths(body, limits);
    expect(fast).toEqual(generic);
    expect(fast.rejectedSpans).toBe(2);
  });

  it('refuses a truncated body as a whole', () => {
    const body = encode(req([span(1)]));
    expect(() => protobufToNative(body.subarray(0, body.length - 3), DEFAULT_ROW_LIMITS)).toThrow(/not a valid OTLP protobuf/);
  });
});
