/**
 * The ingest hot path's writer: spans from the one-pass protobuf decoder (otlp-proto-spans.ts) →
 * one Native block, string bytes copied straight from the request. Each column's writing is listed
 * by column name (the compiler checks every column in storage/trace-columns.ts has one); the block's
 * column order and types are read from that table. Must write the same bytes as the generic rows →
 * Native writer (native-rows.ts): test/receiver-proto-fast-path.test.ts compares them.
 */
import { NATIVE_TRACE_TYPES, TRACE_COLUMNS, TRACE_INSERT_COLUMNS, type ColumnKind, type TraceColumnName } from '../storage/trace-columns.ts';
import { ArrayColumn, ByteSink, MapArrayColumn, MapColumn, nativeBlock } from './native-block.ts';
import { decodeSpans, serviceAttr, type Attr, type RowsBatch, type SpanParts, type SpanWriter } from './otlp-proto-spans.ts';
import { spanKindString, statusCodeString } from './otlp-enums.ts';
import type { RowLimits } from './span-rows.ts';

/** A resource's columns in Native form: ServiceName as one String value, its map entries as runs of keys and values. */
interface NativeResource {
  readonly service: Buffer;
  readonly keys: Buffer;
  readonly values: Buffer;
  readonly entries: number;
}

/** A scope's ScopeName and ScopeVersion values. */
type NativeScope = readonly [Buffer, Buffer];

function nativeAttrs(col: MapColumn, buf: Buffer, attrs: readonly Attr[]): void {
  for (const a of attrs) {
    col.keys.bytes(buf, a.kStart, a.kEnd);
    if (a.text === undefined) col.values.bytes(buf, a.vStart, a.vEnd);
    else col.values.string(a.text);
  }
  col.endMap(attrs.length);
}

type SinkOf<K extends ColumnKind> = K extends 'map' ? MapColumn : K extends 'maps' ? MapArrayColumn : K extends 'times' | 'asciis' | 'texts' ? ArrayColumn : ByteSink;
type Sinks = { readonly [C in (typeof TRACE_COLUMNS)[number] as C['name']]: SinkOf<C['kind']> };

function newSink(kind: ColumnKind): ByteSink | MapColumn | ArrayColumn | MapArrayColumn {
  if (kind === 'map') return new MapColumn();
  if (kind === 'maps') return new MapArrayColumn();
  if (kind === 'times' || kind === 'asciis' || kind === 'texts') return new ArrayColumn();
  return new ByteSink(1 << 14);
}

const partsOf = (sink: ByteSink | MapColumn | ArrayColumn | MapArrayColumn): Buffer[] => (sink instanceof ByteSink ? [sink.take()] : sink.parts());

/** An out-of-range int32 enum (read as an unsigned varint) is pdata's '' too. */
const enumValue = (v: number): number => (v > 0x7fffffff ? -1 : v);

type WriteColumn<K extends TraceColumnName> = (col: Sinks[K], buf: Buffer, p: SpanParts, res: NativeResource, scope: NativeScope) => void;

/** How each column is written from a decoded span. */
const WRITE: { readonly [K in TraceColumnName]: WriteColumn<K> } = {
  Timestamp: (c, _b, p) => c.int64(p.startNs),
  TraceId: (c, _b, p) => c.string(p.trace),
  SpanId: (c, _b, p) => c.string(p.span),
  ParentSpanId: (c, _b, p) => c.string(p.parent),
  TraceState: (c, b, p) => c.bytes(b, p.traceState[0], p.traceState[1]),
  SpanName: (c, b, p) => c.bytes(b, p.name[0], p.name[1]),
  SpanKind: (c, _b, p) => c.string(spanKindString(enumValue(p.kind))),
  ServiceName: (c, _b, _p, res) => c.raw(res.service),
  ResourceAttributes: (c, _b, _p, res) => {
    c.keys.raw(res.keys);
    c.values.raw(res.values);
    c.endMap(res.entries);
  },
  ScopeName: (c, _b, _p, _r, scope) => c.raw(scope[0]),
  ScopeVersion: (c, _b, _p, _r, scope) => c.raw(scope[1]),
  SpanAttributes: (c, b, p) => nativeAttrs(c, b, p.attrs),
  Duration: (c, _b, p) => c.uint64(p.endNs - p.startNs),
  StatusCode: (c, _b, p) => c.string(statusCodeString(enumValue(p.statusCode))),
  StatusMessage: (c, b, p) => c.bytes(b, p.statusMsg[0], p.statusMsg[1]),
  'Events.Timestamp': (c, _b, p) => {
    for (const t of p.evTimes) c.items.int64(t);
    c.endRow(p.evTimes.length);
  },
  'Events.Name': (c, b, p) => {
    for (const [s, e] of p.evNames) c.items.bytes(b, s, e);
    c.endRow(p.evNames.length);
  },
  'Events.Attributes': (c, b, p) => {
    for (const m of p.evAttrs) nativeAttrs(c.maps, b, m);
    c.endRow(p.evAttrs.length);
  },
  'Links.TraceId': (c, _b, p) => {
    for (const t of p.lkTrace) c.items.string(t);
    c.endRow(p.lkTrace.length);
  },
  'Links.SpanId': (c, _b, p) => {
    for (const t of p.lkSpan) c.items.string(t);
    c.endRow(p.lkSpan.length);
  },
  'Links.TraceState': (c, b, p) => {
    for (const [s, e] of p.lkState) c.items.bytes(b, s, e);
    c.endRow(p.lkState.length);
  },
  'Links.Attributes': (c, b, p) => {
    for (const m of p.lkAttrs) nativeAttrs(c.maps, b, m);
    c.endRow(p.lkAttrs.length);
  },
};

type AnyWrite = (col: unknown, buf: Buffer, p: SpanParts, res: NativeResource, scope: NativeScope) => void;
const WRITERS = TRACE_COLUMNS.map((c) => WRITE[c.name] as AnyWrite);

class NativeSpanWriter implements SpanWriter<NativeResource, NativeScope> {
  rows = 0;
  readonly sinks = TRACE_COLUMNS.map((c) => newSink(c.kind));

  resource(buf: Buffer, attrs: readonly Attr[]): NativeResource {
    const svc = new ByteSink(64);
    const service = serviceAttr(buf, attrs);
    if (!service) svc.varUInt(0);
    else if (service.text === undefined) svc.bytes(buf, service.vStart, service.vEnd);
    else svc.string(service.text);
    const m = new MapColumn();
    nativeAttrs(m, buf, attrs);
    return { service: Buffer.from(svc.take()), keys: Buffer.from(m.keys.take()), values: Buffer.from(m.values.take()), entries: attrs.length };
  }
  scope(buf: Buffer, name: [number, number], version: [number, number]): NativeScope {
    const n = new ByteSink(64);
    n.bytes(buf, name[0], name[1]);
    const v = new ByteSink(64);
    v.bytes(buf, version[0], version[1]);
    return [Buffer.from(n.take()), Buffer.from(v.take())];
  }
  row(buf: Buffer, p: SpanParts, res: NativeResource, scope: NativeScope): void {
    this.rows++;
    for (let i = 0; i < WRITERS.length; i++) WRITERS[i]!(this.sinks[i], buf, p, res, scope);
  }
  finish(): Buffer {
    if (this.rows === 0) return Buffer.alloc(0);
    return nativeBlock(TRACE_INSERT_COLUMNS, NATIVE_TRACE_TYPES, this.rows, this.sinks.map(partsOf));
  }
}

/** A whole OTLP/protobuf request → one Native block, in one pass (otlp-proto-spans.ts has the rules). */
export function protobufToNative(body: Buffer, limits: RowLimits): RowsBatch {
  return decodeSpans(body, limits, new NativeSpanWriter());
}
