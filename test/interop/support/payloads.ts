/**
 * OTLP request bodies sent the same, byte for byte, through the contrib collector and straight to
 * flightrec's receiver: the demo's sessions (workload/, through the real SDK and its protobuf
 * serializer) and an every-value payload written by hand (every AnyValue type, nested, duplicate keys,
 * unicode, events, links, every span kind and status code).
 */
import { randomBytes } from 'node:crypto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { ExportTraceServiceRequest } from '../../../receiver/otlp-proto-schema.ts';
import { replay, type ReplayedSession } from '../../../workload/replay.ts';
import { scenarios } from '../../../workload/scenarios.ts';
import type { Scenario } from '../../../workload/scenario.ts';

export interface Workload {
  readonly bodies: readonly Uint8Array[];
  readonly spans: number;
  readonly sessions: readonly ReplayedSession[];
}

/** The demo's sessions (plus `extra`) as OTLP protobuf bodies of at most `perBody` spans. */
export async function demoWorkload(runTag: string, extra: readonly Scenario[] = [], perBody = 256): Promise<Workload> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'acme-agents', 'telemetry.sdk.language': 'nodejs' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const sessions = replay(provider.getTracer('flightrec', '0.1.0'), [...scenarios, ...extra], { runTag, now: new Date(Date.now() - 60_000) });
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  const bodies: Uint8Array[] = [];
  for (let i = 0; i < spans.length; i += perBody) bodies.push(ProtobufTraceSerializer.serializeRequest(spans.slice(i, i + perBody))!);
  return { bodies, spans: spans.length, sessions };
}

type Any = Record<string, unknown>;
const str = (key: string, v: string): Any => ({ key, value: { stringValue: v } });
const int = (key: string, v: string | number): Any => ({ key, value: { intValue: v } });
const dbl = (key: string, v: number): Any => ({ key, value: { doubleValue: v } });
const bool = (key: string, v: boolean): Any => ({ key, value: { boolValue: v } });
const bytes = (key: string, v: Buffer): Any => ({ key, value: { bytesValue: v } });
const arr = (key: string, values: Any[]): Any => ({ key, value: { arrayValue: { values } } });
const kv = (key: string, values: Any[]): Any => ({ key, value: { kvlistValue: { values } } });

/** Every kind of attribute value, as a list with duplicate keys and keys out of byte order. */
function everyAttribute(tag: string): Any[] {
  return [
    str('zeta', `last key first (${tag})`),
    str('dup', 'first of two'),
    int('int.max', '9223372036854775807'),
    int('int.min', '-9223372036854775808'),
    int('int.big-for-json', '9007199254740993'),
    int('int.zero', 0),
    dbl('double.tenth', 0.1),
    dbl('double.big', 1e300),
    dbl('double.tiny', 5e-324),
    dbl('double.negative-zero', -0),
    dbl('double.whole', 3),
    dbl('double.nan', Number.NaN),
    dbl('double.inf', Number.POSITIVE_INFINITY),
    dbl('double.-inf', Number.NEGATIVE_INFINITY),
    bool('bool.true', true),
    bool('bool.false', false),
    bytes('bytes', Buffer.from([0, 1, 2, 0xfe, 0xff])),
    bytes('bytes.empty', Buffer.alloc(0)),
    str('string.empty', ''),
    str('unicode.ключ.鍵', 'héllo wörld — 日本語 — emoji 🚀 — tab\tnewline\nquote" backslash\\ nul\u0000 <html>&amp;'),
    arr('array.strings', [{ stringValue: 'a' }, { stringValue: '' }, { stringValue: '"quoted"' }]),
    arr('array.mixed', [{ stringValue: 's' }, { intValue: '-42' }, { doubleValue: 2.5 }, { boolValue: true }, { bytesValue: Buffer.from('hi') }, {}]),
    arr('array.nested', [{ arrayValue: { values: [{ intValue: 1 }, { arrayValue: { values: [] } }] } }, { kvlistValue: { values: [str('b', '2'), str('a', '1')] } }]),
    arr('array.empty', []),
    arr('array.doubles', [{ doubleValue: 1e21 }, { doubleValue: 1e-7 }, { doubleValue: 123456789.125 }, { doubleValue: Number.NaN }]),
    kv('kvlist', [str('z', 'last'), int('a', '9007199254740993'), kv('nested', [bytes('b', Buffer.from([0xff])), bytes('empty', Buffer.alloc(0)), arr('list', [{ boolValue: false }])]), str('a', 'duplicate a')]),
    kv('kvlist.empty', []),
    kv('kvlist.unicode', [str('ключ', 'значение'), str('<&>', '<&>')]),
    { key: 'no.value' },
    str('Dup', 'case differs from dup'),
    int('dup', 2),
    str('', 'empty key'),
    str('aa', 'sorts after a'),
    str('a', 'first a'),
    str('a', 'second a'),
  ];
}

const hex = (n: number): Buffer => randomBytes(n);

/** The every-value request as OTLP/JSON (ids in hex, 64-bit integers as strings, bytes in base64, NaN/±Infinity by name). */
export function everyValueJson(): string {
  const json = (v: unknown, key = ''): unknown => {
    if (Buffer.isBuffer(v)) return /^(traceId|spanId|parentSpanId)$/.test(key) ? v.toString('hex') : v.toString('base64');
    if (typeof v === 'number' && key === 'doubleValue') return Number.isFinite(v) ? (Object.is(v, -0) ? '-0' : v) : String(v);
    if (typeof v === 'number' && key === 'intValue') return String(v);
    if (Array.isArray(v)) return v.map((x) => json(x));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, json(x, k)]));
    return v;
  };
  return JSON.stringify(json(everyValueRequest()));
}

/** One request: two resources (one with two service.name entries), two scopes, every kind and status, events and links. */
export function everyValueBody(): Uint8Array {
  return ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(everyValueRequest())).finish();
}

function everyValueRequest(): Record<string, unknown> {
  const traceId = hex(16);
  const root = hex(8);
  const now = BigInt(Date.now() - 30_000) * 1_000_000n;
  const ns = (ms: number): string => (now + BigInt(ms) * 1_000_000n).toString();
  const spans = [0, 1, 2, 3, 4, 5].map((kind) => ({
    traceId,
    spanId: kind === 0 ? root : hex(8),
    parentSpanId: kind === 0 ? undefined : root,
    traceState: kind === 2 ? 'vendor=value,other=1' : '',
    name: kind === 3 ? 'unicode span 名前 🚀' : `kind-${kind}`,
    kind,
    startTimeUnixNano: ns(kind * 10),
    endTimeUnixNano: ns(kind * 10 + 7),
    attributes: everyAttribute(`kind ${kind}`),
    events: kind % 2 === 0 ? [
      { timeUnixNano: ns(kind * 10 + 1), name: 'exception', attributes: [str('exception.type', 'Error'), str('exception.message', 'boom ✗'), int('dup', 1), int('dup', 2)] },
      { timeUnixNano: ns(kind * 10 + 2), name: '', attributes: everyAttribute('event') },
      { timeUnixNano: ns(kind * 10 + 3), name: 'no attributes' },
    ] : [],
    links: kind >= 4 ? [
      { traceId: hex(16), spanId: hex(8), traceState: 'k=v', attributes: everyAttribute('link') },
      { traceId, spanId: root },
    ] : [],
    status: { code: kind % 3, message: kind % 3 === 2 ? 'failed: ünïcode ✗ "quoted"' : kind % 3 === 1 ? 'ok message' : '' },
  }));
  const request = {
    resourceSpans: [
      {
        resource: { attributes: [str('service.name', 'every-value-agent'), str('service.name', 'second service name'), ...everyAttribute('resource')] },
        scopeSpans: [
          { scope: { name: 'every-value', version: '1.2.3', attributes: [str('scope.attr', 'x')] }, spans: spans.slice(0, 3) },
          { scope: { name: '' }, spans: spans.slice(3) },
        ],
      },
      {
        // No service.name at all.
        resource: { attributes: [str('host.name', 'nameless')] },
        scopeSpans: [{ scope: { name: 'second-resource' }, spans: [{ ...spans[1]!, spanId: hex(8), name: 'nameless-resource span' }] }],
      },
    ],
  };
  return request;
}
