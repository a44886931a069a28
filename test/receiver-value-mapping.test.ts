/**
 * Column by column, the receiver writes what the contrib `clickhouse` exporter writes
 * (exporter_traces.go + pdata's Value.AsString + clickhouse-go's ordered map, in the release
 * docs/storage.md names). Each case is checked twice: on the row the receiver builds, and on what
 * ClickHouse returns after the row went through the real insert path (every insert format, and
 * for map order both decoders), so the encoding cannot drift either.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { AttributeError, anyValueToString, type LooseAnyValue } from '../receiver/any-value.ts';
import { decodeRequest } from '../receiver/decode-request.ts';
import { ExportTraceServiceRequest } from '../receiver/otlp-proto-schema.ts';
import { protobufToNative } from '../receiver/native-span-writer.ts';
import { convertRequest } from '../receiver/otlp-request.ts';
import { ClickHouseSpanSink } from '../receiver/clickhouse-span-sink.ts';
import { encodeRows, ROW_FORMATS, type RowFormat } from '../receiver/row-format.ts';
import { DEFAULT_ROW_LIMITS, requestToRows, type LooseTraceRequest } from '../receiver/span-rows.ts';
import { migrate, openStore } from '../storage/store-client.ts';
import { tempDir } from '../tools/temp-dir.ts';

const b = (bytes: number[]): Uint8Array => new Uint8Array(bytes);

// [description, OTLP AnyValue, the string pdata's Value.AsString() gives]
const VALUE_CASES: [string, LooseAnyValue | undefined, string][] = [
  ['string as is', { stringValue: 'héllo <b>' }, 'héllo <b>'],
  ['empty string', { stringValue: '' }, ''],
  ['empty AnyValue', {}, ''],
  ['missing value', undefined, ''],
  ['bool true', { boolValue: true }, 'true'],
  ['bool false', { boolValue: false }, 'false'],
  ['int', { intValue: 42 }, '42'],
  ['int as JSON string', { intValue: '-7' }, '-7'],
  ['int beyond 2^53 exact', { intValue: '9007199254740993' }, '9007199254740993'],
  ['int64 min', { intValue: '-9223372036854775808' }, '-9223372036854775808'],
  ['double 1.0 drops the fraction', { doubleValue: 1.0 }, '1'],
  ['double 3.14', { doubleValue: 3.14 }, '3.14'],
  ['double 1e21 switches to exponent', { doubleValue: 1e21 }, '1e+21'],
  ['double below 1e21 stays fixed', { doubleValue: 123456789012345680000 }, '123456789012345680000'],
  ['double 1e-7 exponent without padding', { doubleValue: 1e-7 }, '1e-7'],
  ['double 0.000001 stays fixed', { doubleValue: 0.000001 }, '0.000001'],
  ['double negative zero keeps its sign', { doubleValue: -0 }, '-0'],
  ['double NaN by name', { doubleValue: 'NaN' }, 'NaN'],
  ['double +Inf', { doubleValue: 'Infinity' }, 'Infinity'],
  ['double -Inf', { doubleValue: '-Infinity' }, '-Infinity'],
  ['bytes as padded standard base64', { bytesValue: b([1, 2, 3]) }, 'AQID'],
  ['bytes (OTLP/JSON sends base64 already)', { bytesValue: 'AQI=' }, 'AQI='],
  ['OTLP/JSON bytes decoded and re-encoded (loose trailing bits)', { bytesValue: 'AQJ=' }, 'AQI='],
  ['empty bytes', { bytesValue: b([]) }, ''],
  ['int with a plus sign (strconv.ParseInt takes it)', { intValue: '+5' }, '5'],
  ['array of strings as JSON', { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } }, '["a","b"]'],
  ['mixed array', { arrayValue: { values: [{ intValue: 1 }, { doubleValue: 2.5 }, { boolValue: true }] } }, '[1,2.5,true]'],
  ['empty value in array is null', { arrayValue: { values: [{}, { stringValue: 'x' }] } }, '[null,"x"]'],
  ['bytes in array are base64', { arrayValue: { values: [{ bytesValue: b([255]) }] } }, '["/w=="]'],
  ['empty bytes in array are null (a nil slice)', { arrayValue: { values: [{ bytesValue: b([]) }, { bytesValue: '' }] } }, '[null,null]'],
  ['int64 max in array', { arrayValue: { values: [{ intValue: '9223372036854775807' }] } }, '[9223372036854775807]'],
  ['empty array', { arrayValue: { values: [] } }, '[]'],
  [
    'map: keys sorted, no HTML escaping',
    { kvlistValue: { values: [{ key: 'b', value: { intValue: 1 } }, { key: 'a', value: { stringValue: 'x<y>&z' } }] } },
    '{"a":"x<y>&z","b":1}',
  ],
  [
    'map keys sorted by UTF-8 bytes (U+FF01 before U+1F600), a later duplicate wins',
    { kvlistValue: { values: [{ key: '😀', value: { intValue: 1 } }, { key: '！', value: { intValue: 2 } }, { key: '😀', value: { intValue: 3 } }] } },
    '{"！":2,"😀":3}',
  ],
  ['control characters escaped as Go does, DEL kept', { arrayValue: { values: [{ stringValue: '\u0001\b\f\n\r\t"\\\u007f' }] } }, '["\\u0001\\b\\f\\n\\r\\t\\"\\\\\u007f"]'],
  ['invalid UTF-8 in a nested string: each bad byte is \\ufffd', { arrayValue: { values: [{ stringValue: b([0x61, 0xe2, 0x82, 0x62, 0xed, 0xa0, 0x80, 0xef, 0xbf, 0xbd]) }] } }, '["a\\ufffd\\ufffdb\\ufffd\\ufffd\\ufffd\ufffd"]'],
  ['invalid UTF-8 in a nested key', { kvlistValue: { values: [{ key: b([0xff, 0x6b]), value: { boolValue: true } }] } }, '{"\\ufffdk":true}'],
  [
    'nested map in array',
    { arrayValue: { values: [{ kvlistValue: { values: [{ key: 'k', value: { arrayValue: { values: [{ doubleValue: 1e-7 }] } } }] } }] } },
    '[{"k":[1e-7]}]',
  ],
  ['map holding NaN: json.Marshal fails, pdata leaves ""', { kvlistValue: { values: [{ key: 'n', value: { doubleValue: 'NaN' } }] } }, ''],
  ['U+2028 escaped in JSON', { arrayValue: { values: [{ stringValue: '\u2028' }] } }, '["\\u2028"]'],
];

// [description, AnyValue] the receiver refuses (pdata fails the whole request on these)
const REFUSED_VALUES: [string, LooseAnyValue][] = [
  ['int past int64', { intValue: '9223372036854775808' }],
  ['int past int64 in an array', { arrayValue: { values: [{ intValue: '-9223372036854775809' }] } }],
  ['bytes that are not base64', { bytesValue: 'not base64!' }],
  ['unpadded base64 (StdEncoding wants padding)', { bytesValue: 'AQI' }],
];

describe('attribute values become pdata AsString() strings', () => {
  it.each(VALUE_CASES)('%s', (_name, value, expected) => {
    expect(anyValueToString(value)).toBe(expected);
  });
  it.each(REFUSED_VALUES)('refused: %s', (_name, value) => {
    expect(() => anyValueToString(value)).toThrow(AttributeError);
  });
  it('an OTLP/JSON intValue sent as a number past 2^53 keeps every digit', () => {
    const body = Buffer.from(JSON.stringify(request({ attributes: [{ key: 'n', value: { intValue: 0 } }] })).replace('"intValue":0', '"intValue":9007199254740993'));
    const { rows } = requestToRows(decodeRequest(body, 'json'));
    expect(rows[0]!.SpanAttributes).toEqual([['n', '9007199254740993']]);
  });
});

const NOW = BigInt(Date.now()) * 1_000_000n;
// A start with every nanosecond digit set, recent enough to outlive the table's TTL.
const START_S = BigInt(Math.floor(Date.now() / 1000) - 3600);
const START_NS = START_S * 1_000_000_000n + 123_456_789n;
const START_TEXT = new Date(Number(START_S) * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '.123456789');
const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

function request(span: Record<string, unknown>, resourceAttrs: unknown[] = [{ key: 'service.name', value: { stringValue: 'svc' } }]): LooseTraceRequest {
  return {
    resourceSpans: [{
      resource: { attributes: resourceAttrs as never },
      scopeSpans: [{ scope: { name: 'scope-x', version: '1.2.3' }, spans: [{ traceId: TRACE, spanId: SPAN, startTimeUnixNano: String(NOW), endTimeUnixNano: String(NOW + 1500n), ...span }] }],
    }],
  } as LooseTraceRequest;
}

// [description, span fields / resource, column, expected value as ClickHouse returns it (JSONEachRow)]
type RowCase = [string, Record<string, unknown>, unknown[] | undefined, string, unknown];
const ROW_CASES: RowCase[] = [
  ['kind internal → Internal', { kind: 1 }, undefined, 'SpanKind', 'Internal'],
  ['kind server → Server', { kind: 2 }, undefined, 'SpanKind', 'Server'],
  ['kind client → Client', { kind: 3 }, undefined, 'SpanKind', 'Client'],
  ['kind producer → Producer', { kind: 4 }, undefined, 'SpanKind', 'Producer'],
  ['kind consumer → Consumer', { kind: 5 }, undefined, 'SpanKind', 'Consumer'],
  ['kind unset → Unspecified', {}, undefined, 'SpanKind', 'Unspecified'],
  ['kind out of range → ""', { kind: 9 }, undefined, 'SpanKind', ''],
  ['OTLP/JSON enum name → pdata form', { kind: 'SPAN_KIND_SERVER' }, undefined, 'SpanKind', 'Server'],
  ['status unset → Unset', {}, undefined, 'StatusCode', 'Unset'],
  ['status ok → Ok', { status: { code: 1 } }, undefined, 'StatusCode', 'Ok'],
  ['status error → Error', { status: { code: 2, message: 'boom' } }, undefined, 'StatusCode', 'Error'],
  ['status message kept', { status: { code: 2, message: 'boom' } }, undefined, 'StatusMessage', 'boom'],
  ['ids lowercase hex', { traceId: TRACE.toUpperCase() }, undefined, 'TraceId', TRACE],
  ['root span: ParentSpanId ""', {}, undefined, 'ParentSpanId', ''],
  ['all-zero parent → ""', { parentSpanId: '0000000000000000' }, undefined, 'ParentSpanId', ''],
  ['parent as hex', { parentSpanId: 'b7ad6b7169203331' }, undefined, 'ParentSpanId', 'b7ad6b7169203331'],
  ['protobuf bytes ids → hex', { traceId: Buffer.from(TRACE, 'hex'), spanId: Buffer.from(SPAN, 'hex') }, undefined, 'SpanId', SPAN],
  ['Timestamp is the start, nanoseconds kept', { startTimeUnixNano: String(START_NS), endTimeUnixNano: String(START_NS + 1n) }, undefined, 'Timestamp', START_TEXT],
  ['Duration in ns, end − start', {}, undefined, 'Duration', '1500'],
  ['trace state raw', { traceState: 'rojo=00f067aa0ba902b7' }, undefined, 'TraceState', 'rojo=00f067aa0ba902b7'],
  ['ServiceName from service.name', {}, undefined, 'ServiceName', 'svc'],
  ['ServiceName "" when missing (no unknown_service fallback)', {}, [{ key: 'host.name', value: { stringValue: 'h' } }], 'ServiceName', ''],
  ['ServiceName is AsString of a non-string', {}, [{ key: 'service.name', value: { intValue: 7 } }], 'ServiceName', '7'],
  ['service.name stays in ResourceAttributes', {}, undefined, 'ResourceAttributes', { 'service.name': 'svc' }],
  ['scope name', {}, undefined, 'ScopeName', 'scope-x'],
  ['scope version', {}, undefined, 'ScopeVersion', '1.2.3'],
  ['span attributes stringified', { attributes: [{ key: 'n', value: { intValue: 3 } }, { key: 'd', value: { doubleValue: 2.0 } }, { key: 'ok', value: { boolValue: true } }] }, undefined, 'SpanAttributes', { n: '3', d: '2', ok: 'true' }],
  ['no events: empty arrays', {}, undefined, 'Events.Name', []],
  ['event names', { events: [{ timeUnixNano: String(NOW + 1n), name: 'e1' }, { timeUnixNano: String(NOW + 2n), name: 'e2' }] }, undefined, 'Events.Name', ['e1', 'e2']],
  ['event timestamps', { events: [{ timeUnixNano: '1764000000000000001', name: 'e1' }] }, undefined, 'Events.Timestamp', ['2025-11-24 16:00:00.000000001']],
  ['event attributes', { events: [{ timeUnixNano: String(NOW), name: 'e', attributes: [{ key: 'k', value: { intValue: 1 } }] }] }, undefined, 'Events.Attributes', [{ k: '1' }]],
  ['link ids', { links: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '00f067aa0ba902b7' }] }, undefined, 'Links.SpanId', ['00f067aa0ba902b7']],
  ['all-zero link trace id → ""', { links: [{ traceId: '00000000000000000000000000000000', spanId: '00f067aa0ba902b7' }] }, undefined, 'Links.TraceId', ['']],
  ['link trace state', { links: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '00f067aa0ba902b7', traceState: 'a=b' }] }, undefined, 'Links.TraceState', ['a=b']],
  ['link attributes', { links: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '00f067aa0ba902b7', attributes: [{ key: 'x', value: { stringValue: 'y' } }] }] }, undefined, 'Links.Attributes', [{ x: 'y' }]],
];

let client: ClickHouseClient;
const dir = tempDir();
beforeAll(async () => {
  client = await openStore({ kind: 'embedded', path: dir.path });
  // No TTL: some cases use fixed 2025 timestamps, which a 180-day TTL would drop on insert.
  await migrate(client, { fsync: false, ttlDays: 0 });
});
afterAll(async () => {
  await client?.close();
  dir.cleanup();
});

async function stored(format: RowFormat, req: LooseTraceRequest): Promise<Record<string, unknown>> {
  await client.command({ query: 'TRUNCATE TABLE otel.otel_traces' });
  const { rows, rejectedSpans, errors } = requestToRows(req);
  expect({ rejectedSpans, errors }).toEqual({ rejectedSpans: 0, errors: [] });
  await new ClickHouseSpanSink(client, 'otel', format).writeBatches([{ spans: rows.length, data: encodeRows(rows, format) }]);
  const out = await (await client.query({ query: 'SELECT * FROM otel.otel_traces', format: 'JSONEachRow' })).json<Record<string, unknown>>();
  expect(out).toHaveLength(1);
  return out[0]!;
}

describe.each(ROW_FORMATS)('otel_traces columns as stored (%s insert)', (format) => {
  it.each(ROW_CASES)('%s', async (_name, span, resource, column, expected) => {
    const row = await stored(format, request(span, resource));
    const value = row[column];
    expect(typeof expected === 'object' ? value : String(value)).toEqual(expected);
  });

  it('every AsString case survives the insert unchanged as a SpanAttributes value', async () => {
    const attributes = VALUE_CASES.map(([, value], i) => ({ key: `v${i}`, value }));
    const row = await stored(format, request({ attributes }));
    const got = row.SpanAttributes as Record<string, string>;
    VALUE_CASES.forEach(([name, , expected], i) => expect([name, got[`v${i}`]]).toEqual([name, expected]));
  });

  it('strings with tabs, newlines, quotes, backslashes and NULs survive every column', async () => {
    const nasty = "a\tb\nc\\d'e\"f\r\0g\b\f {x}[y]:, é😀 \\t \\' ''";
    const kv = [{ key: nasty, value: { stringValue: nasty } }];
    const req = request({
      name: nasty, traceState: nasty, status: { code: 2, message: nasty }, attributes: kv,
      events: [{ timeUnixNano: String(NOW), name: nasty, attributes: kv }],
      links: [{ traceId: TRACE, spanId: SPAN, traceState: nasty, attributes: kv }],
    }, [{ key: 'service.name', value: { stringValue: nasty } }, ...kv]);
    req.resourceSpans![0]!.scopeSpans![0]!.scope = { name: nasty, version: nasty };
    const row = await stored(format, req);
    expect(row).toMatchObject({
      SpanName: nasty, TraceState: nasty, StatusMessage: nasty, ServiceName: nasty, ScopeName: nasty, ScopeVersion: nasty,
      SpanAttributes: { [nasty]: nasty }, ResourceAttributes: { [nasty]: nasty },
      'Events.Name': [nasty], 'Events.Attributes': [{ [nasty]: nasty }], 'Links.TraceState': [nasty], 'Links.Attributes': [{ [nasty]: nasty }],
    });
  });
});

describe('attribute maps as the exporter builds them: every entry, sorted by key bytes, duplicates in arrival order', () => {
  // Out of order, with duplicates, keys that JavaScript's UTF-16 order sorts differently from bytes
  // ('😀' U+1F600 is after '！' U+FF01 in UTF-8), digit keys (which a JS object would move first).
  const attrs = [
    ['zeta', 'z'], ['😀', 'smile'], ['alpha', 'a1'], ['10', 'ten'], ['！', 'bang'], ['alpha', 'a2'], ['2', 'two'], ['Alpha', 'A'], ['alpha', 'a3'],
  ].map(([key, v]) => ({ key, value: { stringValue: v } }));
  const keys = ['10', '2', 'Alpha', 'alpha', 'alpha', 'alpha', 'zeta', '！', '😀'];
  const values = ['ten', 'two', 'A', 'a1', 'a2', 'a3', 'z', 'bang', 'smile'];
  const resource = [{ key: 'service.name', value: { stringValue: 'first' } }, { key: 'host', value: { stringValue: 'h' } }, { key: 'service.name', value: { stringValue: 'second' } }];
  const req = request({
    attributes: attrs,
    events: [{ timeUnixNano: String(NOW), name: 'e', attributes: attrs }],
    links: [{ traceId: TRACE, spanId: SPAN, attributes: attrs }],
  }, resource);
  const protobufBody = Buffer.from(ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject({
    resourceSpans: req.resourceSpans!.map((rs) => ({
      ...rs,
      scopeSpans: rs.scopeSpans!.map((ss) => ({
        ...ss,
        spans: ss.spans!.map((sp) => ({
          ...sp, traceId: Buffer.from(TRACE, 'hex'), spanId: Buffer.from(SPAN, 'hex'),
          links: sp.links!.map((l) => ({ ...l, traceId: Buffer.from(TRACE, 'hex'), spanId: Buffer.from(SPAN, 'hex') })),
        })),
      })),
    })),
  } as never)).finish());

  const PATHS: [string, RowFormat, () => Buffer][] = [
    ...ROW_FORMATS.map((format): [string, RowFormat, () => Buffer] => [`OTLP/JSON → ${format}`, format, () => convertRequest(Buffer.from(JSON.stringify(req)), 'json', { rowFormat: format, rowLimits: DEFAULT_ROW_LIMITS }).data]),
    ...ROW_FORMATS.map((format): [string, RowFormat, () => Buffer] => [`OTLP/protobuf → ${format}`, format, () => convertRequest(protobufBody, 'protobuf', { rowFormat: format, rowLimits: DEFAULT_ROW_LIMITS }).data]),
  ];

  it.each(PATHS)('%s', async (_name, format, body) => {
    await client.command({ query: 'TRUNCATE TABLE otel.otel_traces' });
    await new ClickHouseSpanSink(client, 'otel', format).writeBatches([{ spans: 1, data: body() }]);
    const [row] = await (await client.query({
      query: `SELECT ServiceName, mapKeys(ResourceAttributes) AS rk, mapValues(ResourceAttributes) AS rv, mapKeys(SpanAttributes) AS k, mapValues(SpanAttributes) AS v,
        arrayMap(m -> mapKeys(m), Events.Attributes) AS ek, arrayMap(m -> mapValues(m), Links.Attributes) AS lv, SpanAttributes['alpha'] AS first
        FROM otel.otel_traces`,
      format: 'JSONEachRow',
    })).json<Record<string, unknown>>();
    expect(row).toEqual({
      ServiceName: 'first', rk: ['host', 'service.name', 'service.name'], rv: ['h', 'first', 'second'],
      k: keys, v: values, ek: [keys], lv: [values], first: 'a1',
    });
  });
});

describe('invalid UTF-8 in OTLP/protobuf, as pdata and the exporter keep it', () => {
  it('a top-level string keeps its bytes; a nested one has each bad byte as \\ufffd', async () => {
    // protobufjs only encodes valid strings: encode placeholders of the same length, then swap the bytes in.
    const body = Buffer.from(ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(request({
      traceId: Buffer.from(TRACE, 'hex'), spanId: Buffer.from(SPAN, 'hex'),
      attributes: [
        { key: 'top', value: { stringValue: 'Q1Q' } },
        { key: 'nested', value: { arrayValue: { values: [{ stringValue: 'Q2Q' }] } } },
        { key: 'map', value: { kvlistValue: { values: [{ key: 'Q3Q', value: { stringValue: 'v' } }] } } },
      ],
    }) as never)).finish());
    for (const [placeholder, bytes] of [['Q1Q', [0x61, 0xff, 0x62]], ['Q2Q', [0x61, 0xe2, 0x82]], ['Q3Q', [0xc0, 0x80, 0x6b]]] as const) {
      const at = body.indexOf(placeholder);
      expect(at).toBeGreaterThan(0);
      Buffer.from(bytes).copy(body, at);
    }
    await client.command({ query: 'TRUNCATE TABLE otel.otel_traces' });
    await new ClickHouseSpanSink(client, 'otel', 'Native').writeBatches([{ spans: 1, data: protobufToNative(body, DEFAULT_ROW_LIMITS).data }]);
    const [row] = await (await client.query({
      query: `SELECT hex(SpanAttributes['top']) AS top, SpanAttributes['nested'] AS nested, SpanAttributes['map'] AS map FROM otel.otel_traces`,
      format: 'JSONEachRow',
    })).json<Record<string, string>>();
    expect(row).toEqual({ top: '61FF62', nested: '["a\\ufffd\\ufffd"]', map: '{"\\ufffd\\ufffdk":"v"}' });
  });
});
