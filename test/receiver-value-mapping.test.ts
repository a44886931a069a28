/**
 * Column by column, the receiver writes what the contrib `clickhouse` exporter writes
 * (exporter_traces.go + pdata AsString, as read in /work/research/exporter.md §2). Each case is
 * checked twice: on the row the receiver builds, and on what ClickHouse returns after the row went
 * through the real insert path (TSV and JSONEachRow), so the encoding cannot drift either.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { anyValueToString, type LooseAnyValue } from '../receiver/any-value.ts';
import { ClickHouseSpanSink } from '../receiver/clickhouse-span-sink.ts';
import { encodeRows, ROW_FORMATS, type RowFormat } from '../receiver/row-format.ts';
import { requestToRows, type LooseTraceRequest } from '../receiver/span-rows.ts';
import { migrate, openStore } from '../storage/store-client.ts';
import { tempDir } from './support/temp-dir.ts';

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
  ['double NaN as json error text', { doubleValue: 'NaN' }, 'json: unsupported value: NaN'],
  ['double +Inf', { doubleValue: 'Infinity' }, 'json: unsupported value: +Inf'],
  ['double -Inf', { doubleValue: '-Infinity' }, 'json: unsupported value: -Inf'],
  ['bytes as padded standard base64', { bytesValue: b([1, 2, 3]) }, 'AQID'],
  ['bytes (OTLP/JSON sends base64 already)', { bytesValue: 'AQI=' }, 'AQI='],
  ['array of strings as JSON', { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } }, '["a","b"]'],
  ['mixed array', { arrayValue: { values: [{ intValue: 1 }, { doubleValue: 2.5 }, { boolValue: true }] } }, '[1,2.5,true]'],
  ['empty value in array is null', { arrayValue: { values: [{}, { stringValue: 'x' }] } }, '[null,"x"]'],
  ['bytes in array are base64', { arrayValue: { values: [{ bytesValue: b([255]) }] } }, '["/w=="]'],
  ['empty array', { arrayValue: { values: [] } }, '[]'],
  [
    'map: keys sorted, HTML escaped',
    { kvlistValue: { values: [{ key: 'b', value: { intValue: 1 } }, { key: 'a', value: { stringValue: 'x<y>&z' } }] } },
    '{"a":"x\\u003cy\\u003e\\u0026z","b":1}',
  ],
  [
    'nested map in array',
    { arrayValue: { values: [{ kvlistValue: { values: [{ key: 'k', value: { arrayValue: { values: [{ doubleValue: 1e-7 }] } } }] } }] } },
    '[{"k":[1e-7]}]',
  ],
  ['map holding NaN: json.Marshal fails, pdata leaves ""', { kvlistValue: { values: [{ key: 'n', value: { doubleValue: 'NaN' } }] } }, ''],
  ['U+2028 escaped in JSON', { arrayValue: { values: [{ stringValue: '\u2028' }] } }, '["\\u2028"]'],
];

describe('attribute values become pdata AsString() strings', () => {
  it.each(VALUE_CASES)('%s', (_name, value, expected) => {
    expect(anyValueToString(value)).toBe(expected);
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
