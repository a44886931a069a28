/**
 * The ingest hot path: OTLP/protobuf ExportTraceServiceRequest bytes → `otel_traces` rows as a
 * Native block (the default) or in TabSeparated form, in one pass, without building protobufjs
 * messages or row objects.
 *
 * Why hand-written: profiling the generic path (protobufjs decode → row objects → TSV) showed
 * ~48 µs per agent span, a third of it garbage collection, which capped the receiver far below the
 * engine's own insert rate (bench/ingest-throughput.ts; docs/storage.md). Here string bytes are
 * copied straight from the request into the insert body with TSV escaping; the resource and scope
 * columns are encoded once per resource/scope rather than once per span.
 *
 * It must agree with the generic path (span-rows.ts + row-format.ts) row for row — same columns,
 * same values, same rejections — which test/receiver-proto-fast-path.test.ts checks differentially.
 * Nested attribute values (arrays, maps) are rare and go through the generic AnyValue code.
 */
import { AttributeError, anyValueToString, formatDoubleLikeGo, MAX_KEY_LENGTH, MAX_NESTING_DEPTH, type LooseAnyValue, type LooseKeyValue } from './any-value.ts';
import { BadRequestError } from './decode-request.ts';
import { compareBytes } from './utf8-order.ts';
import { spanKindString, statusCodeString } from './otlp-enums.ts';
import { nanosToDateTime64, type RowLimits } from './span-rows.ts';
import { ArrayColumn, ByteSink, MapArrayColumn, MapColumn, NATIVE_TRACE_TYPES, nativeBlock } from './native-block.ts';
import { TRACE_INSERT_COLUMNS } from '../storage/schema.ts';

export interface RowsBatch {
  /** Rows in the requested form (TabSeparated rows or one Native block), columns as TRACE_INSERT_COLUMNS. */
  readonly data: Buffer;
  readonly spans: number;
  readonly rejectedSpans: number;
  /** The first few rejection reasons. */
  readonly errors: string[];
}

const MAX_REPORTED_ERRORS = 5;

class Truncated extends Error {}

/** A protobuf wire reader over one Buffer. */
class Reader {
  buf: Buffer;
  pos: number;
  end: number;
  /** End of the field the last delimited() call read. */
  fieldEnd = 0;
  constructor(buf: Buffer, pos: number, end: number) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }
  /** Point this reader at another range (a reader reused in a hot loop allocates nothing). */
  reset(buf: Buffer, pos: number, end: number): this {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    return this;
  }
  varint(): number {
    // Up to 2^53 exactly; larger values only matter for int64 attributes (read by varintBig).
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Truncated();
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * shift;
      if (b < 0x80) return result;
      shift *= 128;
    }
    throw new Truncated();
  }
  varintBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Truncated();
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asIntN(64, result);
      shift += 7n;
    }
    throw new Truncated();
  }
  fixed64(): bigint {
    if (this.pos + 8 > this.end) throw new Truncated();
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  double(): number {
    if (this.pos + 8 > this.end) throw new Truncated();
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  /** A length-delimited field: returns its start, sets fieldEnd, and moves past it. */
  delimited(): number {
    const len = this.varint();
    const start = this.pos;
    if (start + len > this.end) throw new Truncated();
    this.pos = start + len;
    this.fieldEnd = start + len;
    return start;
  }
  /** A length-delimited field: returns its [start, end) and moves past it. */
  lengthDelimited(): [number, number] {
    const start = this.delimited();
    return [start, this.fieldEnd];
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.lengthDelimited();
    else if (wireType === 5) this.pos += 4;
    else throw new Truncated();
    if (this.pos > this.end) throw new Truncated();
  }
}

/** A growing output buffer with TSV / quoted-literal escaping done at the byte level. */
class Out extends ByteSink {
  constructor() {
    super(1 << 16);
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }
  /** ASCII text that needs no escaping (digits, hex, fixed enum strings, punctuation). */
  ascii(s: string): void {
    this.ensure(s.length);
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }
  /** Bytes of `src` with TSV escapes; inside a quoted literal, the quote is escaped as well. */
  escaped(src: Buffer, start: number, end: number, quoted: boolean): void {
    this.ensure((end - start) * 2 + 2);
    const out = this.buf;
    let p = this.pos;
    if (quoted) out[p++] = 0x27;
    for (let i = start; i < end; i++) {
      const c = src[i]!;
      if (c > 0x27 && c !== 0x5c) {
        out[p++] = c;
        continue;
      }
      const e = ESCAPE[c];
      if (e !== 0 && (c !== 0x27 || quoted)) {
        out[p++] = 0x5c;
        out[p++] = e!;
      } else out[p++] = c;
    }
    if (quoted) out[p++] = 0x27;
    this.pos = p;
  }
  /** A JavaScript string (a formatted non-string attribute value) with the same escaping. */
  escapedString(s: string, quoted: boolean): void {
    const b = Buffer.from(s, 'utf8');
    this.escaped(b, 0, b.length, quoted);
  }
}

/** Byte → escape letter for \\, \t, \n, \r, \0, \b, \f and ' (0 = no escape). */
const ESCAPE = new Uint8Array(256);
ESCAPE[0x5c] = 0x5c;
ESCAPE[0x09] = 0x74;
ESCAPE[0x0a] = 0x6e;
ESCAPE[0x0d] = 0x72;
ESCAPE[0x00] = 0x30;
ESCAPE[0x08] = 0x62;
ESCAPE[0x0c] = 0x66;
ESCAPE[0x27] = 0x27;

/** An attribute value: a string's byte range, or an already formatted string. */
interface Attr {
  kStart: number;
  kEnd: number;
  vStart: number;
  vEnd: number;
  /** Set for non-string values (and for strings only when undefined). */
  text: string | undefined;
}

/** Character count of a UTF-8 byte range (only needed when its byte length is over a limit). */
function chars(buf: Buffer, start: number, end: number): number {
  return buf.toString('utf8', start, end).length;
}

/** Decode an AnyValue into the generic shape, for nested values handled by any-value.ts. */
function looseAnyValue(r: Reader, start: number, end: number, depth: number): LooseAnyValue {
  if (depth > MAX_NESTING_DEPTH + 1) throw new AttributeError(`attribute value nested deeper than ${MAX_NESTING_DEPTH} levels`);
  const sub = new Reader(r.buf, start, end);
  let v: LooseAnyValue = {};
  while (sub.pos < sub.end) {
    const tag = sub.varint();
    const field = Math.floor(tag / 8);
    const wt = tag & 7;
    if (field === 1 && wt === 2) {
      const [s, e] = sub.lengthDelimited();
      // Raw bytes: encoding/json replaces each invalid UTF-8 byte on its own (any-value.ts).
      v = { stringValue: r.buf.subarray(s, e) };
    } else if (field === 2 && wt === 0) v = { boolValue: sub.varint() !== 0 };
    else if (field === 3 && wt === 0) v = { intValue: sub.varintBig().toString() };
    else if (field === 4 && wt === 1) v = { doubleValue: sub.double() };
    else if ((field === 5 || field === 6) && wt === 2) {
      const [s, e] = sub.lengthDelimited();
      const list = new Reader(r.buf, s, e);
      const values: (LooseAnyValue | LooseKeyValue)[] = [];
      while (list.pos < list.end) {
        const t = list.varint();
        if (t === 0x0a) {
          const [is, ie] = list.lengthDelimited();
          values.push(field === 5 ? looseAnyValue(r, is, ie, depth + 1) : looseKeyValue(r, is, ie, depth + 1));
        } else list.skip(t & 7);
      }
      v = field === 5 ? { arrayValue: { values: values as LooseAnyValue[] } } : { kvlistValue: { values: values as LooseKeyValue[] } };
    } else if (field === 7 && wt === 2) {
      const [s, e] = sub.lengthDelimited();
      v = { bytesValue: r.buf.subarray(s, e) };
    } else sub.skip(wt);
  }
  return v;
}

function looseKeyValue(r: Reader, start: number, end: number, depth: number): LooseKeyValue {
  const sub = new Reader(r.buf, start, end);
  const kv: LooseKeyValue = { key: '' };
  while (sub.pos < sub.end) {
    const tag = sub.varint();
    if (tag === 0x0a) {
      const [s, e] = sub.lengthDelimited();
      kv.key = r.buf.subarray(s, e);
    } else if (tag === 0x12) {
      const [s, e] = sub.lengthDelimited();
      kv.value = looseAnyValue(r, s, e, depth);
    } else sub.skip(tag & 7);
  }
  return kv;
}

// Readers for readKeyValue, reused for every attribute (it is not re-entered: nested values are
// decoded by looseAnyValue with readers of their own).
const kvReader = new Reader(Buffer.alloc(0), 0, 0);
const avReader = new Reader(Buffer.alloc(0), 0, 0);

/** Read one KeyValue onto the end of `attrs` (a duplicate key is kept, as pdata and the exporter keep it). */
function readKeyValue(r: Reader, start: number, end: number, attrs: Attr[], limits: RowLimits): void {
  const buf = r.buf;
  const sub = kvReader.reset(buf, start, end);
  let kStart = start;
  let kEnd = start;
  let vStart = 0;
  let vEnd = 0;
  let text: string | undefined = '';
  while (sub.pos < sub.end) {
    const tag = sub.varint();
    if (tag === 0x0a) {
      kStart = sub.delimited();
      kEnd = sub.fieldEnd;
    } else if (tag === 0x12) {
      const as = sub.delimited();
      const ae = sub.fieldEnd;
      // AnyValue: a string (the common case) stays a byte range; everything else is formatted.
      text = '';
      const av = avReader.reset(buf, as, ae);
      while (av.pos < av.end) {
        const t = av.varint();
        const field = Math.floor(t / 8);
        const wt = t & 7;
        if (field === 1 && wt === 2) {
          vStart = av.delimited();
          vEnd = av.fieldEnd;
          text = undefined;
        } else if (field === 2 && wt === 0) text = av.varint() !== 0 ? 'true' : 'false';
        else if (field === 3 && wt === 0) text = av.varintBig().toString();
        else if (field === 4 && wt === 1) text = formatDoubleLikeGo(av.double());
        else if ((field === 5 || field === 6) && wt === 2) {
          av.lengthDelimited();
          text = anyValueToString(looseAnyValue(r, as, ae, 0));
          break;
        } else if (field === 7 && wt === 2) {
          const [bs, be] = av.lengthDelimited();
          text = buf.toString('base64', bs, be);
        } else av.skip(wt);
      }
    } else sub.skip(tag & 7);
  }
  if (kEnd - kStart > MAX_KEY_LENGTH && chars(buf, kStart, kEnd) > MAX_KEY_LENGTH) {
    const key = buf.toString('utf8', kStart, kEnd);
    throw new AttributeError(`attribute key ${JSON.stringify(key.slice(0, 80) + '…')} is ${key.length} characters, over the ${MAX_KEY_LENGTH}-character limit`);
  }
  const length = text === undefined ? (vEnd - vStart > limits.maxAttributeValueBytes ? chars(buf, vStart, vEnd) : 0) : text.length;
  if (length > limits.maxAttributeValueBytes) {
    throw new AttributeError(`attribute ${JSON.stringify(buf.toString('utf8', kStart, Math.min(kEnd, kStart + 80)))} is ${length} characters, over the ${limits.maxAttributeValueBytes}-character limit`);
  }
  attrs.push({ kStart, kEnd, vStart, vEnd, text });
}

function writeMap(out: Out, buf: Buffer, attrs: readonly Attr[]): void {
  out.byte(0x7b); // {
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i]!;
    if (i > 0) out.byte(0x2c);
    out.escaped(buf, a.kStart, a.kEnd, true);
    out.byte(0x3a);
    if (a.text === undefined) out.escaped(buf, a.vStart, a.vEnd, true);
    else out.escapedString(a.text, true);
  }
  out.byte(0x7d); // }
}

/** An attribute list as the exporter's map: every entry, sorted by key bytes, duplicates in arrival order. */
function readAttributes(r: Reader, ranges: readonly [number, number][], limits: RowLimits): Attr[] {
  const attrs: Attr[] = [];
  for (const [s, e] of ranges) readKeyValue(r, s, e, attrs, limits);
  // Insertion sort: stable, and the fastest for the few attributes a span carries.
  const buf = r.buf;
  for (let i = 1; i < attrs.length; i++) {
    const a = attrs[i]!;
    let j = i - 1;
    while (j >= 0 && compareBytes(buf, attrs[j]!.kStart, attrs[j]!.kEnd, a.kStart, a.kEnd) > 0) {
      attrs[j + 1] = attrs[j]!;
      j--;
    }
    attrs[j + 1] = a;
  }
  return attrs;
}

function idHex(buf: Buffer, range: [number, number] | null, bytes: number, what: string, required: boolean): string {
  if (!range || range[1] === range[0]) {
    if (required) throw new AttributeError(`${what} is missing`);
    return '';
  }
  const hex = buf.toString('hex', range[0], range[1]);
  if (range[1] - range[0] !== bytes) throw new AttributeError(`${what} must be ${bytes} bytes (${bytes * 2} hex digits), got ${JSON.stringify(hex.slice(0, 40))}`);
  let zero = true;
  for (let i = range[0]; i < range[1]; i++) if (buf[i] !== 0) zero = false;
  if (zero) {
    if (required) throw new AttributeError(`${what} is all zeroes, which OTLP defines as invalid`);
    return '';
  }
  return hex;
}

interface ResourceCols {
  /** `ServiceName\tResourceAttributes` already escaped. */
  readonly service: Buffer;
  readonly resource: Buffer;
}

/** One span's columns, decoded and checked: byte ranges into the request where the value is a string. */
interface SpanParts {
  startNs: bigint;
  endNs: bigint;
  trace: string;
  span: string;
  parent: string;
  traceState: [number, number];
  name: [number, number];
  kind: number;
  statusCode: number;
  statusMsg: [number, number];
  attrs: Attr[];
  evTimes: bigint[];
  evNames: [number, number][];
  evAttrs: Attr[][];
  lkTrace: string[];
  lkSpan: string[];
  lkState: [number, number][];
  lkAttrs: Attr[][];
}

/** Decode and check one span; throws AttributeError when it must be rejected (nothing is written then). */
function decodeSpan(r: Reader, start: number, end: number, limits: RowLimits): SpanParts {
  const buf = r.buf;
  const s = new Reader(buf, start, end);
  let traceId: [number, number] | null = null;
  let spanId: [number, number] | null = null;
  let parentId: [number, number] | null = null;
  let traceState: [number, number] = [start, start];
  let name: [number, number] = [start, start];
  let kind = 0;
  let startNs = 0n;
  let endNs = 0n;
  const attrRanges: [number, number][] = [];
  const events: [number, number][] = [];
  const links: [number, number][] = [];
  let statusCode = 0;
  let statusMsg: [number, number] = [start, start];
  while (s.pos < s.end) {
    const tag = s.varint();
    const field = Math.floor(tag / 8);
    const wt = tag & 7;
    if (wt === 2) {
      const range = s.lengthDelimited();
      if (field === 1) traceId = range;
      else if (field === 2) spanId = range;
      else if (field === 3) traceState = range;
      else if (field === 4) parentId = range;
      else if (field === 5) name = range;
      else if (field === 9) attrRanges.push(range);
      else if (field === 11) events.push(range);
      else if (field === 13) links.push(range);
      else if (field === 15) {
        const st = new Reader(buf, range[0], range[1]);
        while (st.pos < st.end) {
          const t = st.varint();
          if (t === 0x12) statusMsg = st.lengthDelimited();
          else if (t === 0x18) statusCode = st.varint();
          else st.skip(t & 7);
        }
      }
    } else if (field === 6 && wt === 0) kind = s.varint();
    else if (field === 7 && wt === 1) startNs = s.fixed64();
    else if (field === 8 && wt === 1) endNs = s.fixed64();
    else s.skip(wt);
  }
  const trace = idHex(buf, traceId, 16, 'traceId', true);
  const span = idHex(buf, spanId, 8, 'spanId', true);
  const parent = idHex(buf, parentId, 8, 'parentSpanId', false);
  if (startNs < limits.minStartNanos || startNs > limits.maxStartNanos) {
    throw new AttributeError(`startTimeUnixNano ${startNs} is outside the accepted range (years 2000 to 2262); was it sent in ms or s?`);
  }
  if (endNs < startNs) throw new AttributeError(`endTimeUnixNano ${endNs} is before startTimeUnixNano ${startNs}`);
  const attrs = readAttributes(r, attrRanges, limits);

  // Events and links: parallel arrays.
  const evTimes: bigint[] = [];
  const evNames: [number, number][] = [];
  const evAttrs: Attr[][] = [];
  events.forEach(([es, ee], index) => {
    const ev = new Reader(buf, es, ee);
    let t = 0n;
    let nm: [number, number] = [es, es];
    const ranges: [number, number][] = [];
    while (ev.pos < ev.end) {
      const tag = ev.varint();
      if (tag === 0x09) t = ev.fixed64();
      else if (tag === 0x12) nm = ev.lengthDelimited();
      else if (tag === 0x1a) ranges.push(ev.lengthDelimited());
      else ev.skip(tag & 7);
    }
    if (t > limits.maxStartNanos) throw new AttributeError(`events[${index}].timeUnixNano ${t} is past the year 2262`);
    evTimes.push(t);
    evNames.push(nm);
    evAttrs.push(readAttributes(r, ranges, limits));
  });
  const lkTrace: string[] = [];
  const lkSpan: string[] = [];
  const lkState: [number, number][] = [];
  const lkAttrs: Attr[][] = [];
  for (const [ls, le] of links) {
    const lk = new Reader(buf, ls, le);
    let lt: [number, number] | null = null;
    let lsid: [number, number] | null = null;
    let st: [number, number] = [ls, ls];
    const ranges: [number, number][] = [];
    while (lk.pos < lk.end) {
      const tag = lk.varint();
      if (tag === 0x0a) lt = lk.lengthDelimited();
      else if (tag === 0x12) lsid = lk.lengthDelimited();
      else if (tag === 0x1a) st = lk.lengthDelimited();
      else if (tag === 0x22) ranges.push(lk.lengthDelimited());
      else lk.skip(tag & 7);
    }
    lkTrace.push(idHex(buf, lt, 16, 'link traceId', false));
    lkSpan.push(idHex(buf, lsid, 8, 'link spanId', false));
    lkState.push(st);
    lkAttrs.push(readAttributes(r, ranges, limits));
  }

  return { startNs, endNs, trace, span, parent, traceState, name, kind, statusCode, statusMsg, attrs, evTimes, evNames, evAttrs, lkTrace, lkSpan, lkState, lkAttrs };
}

/** Where decoded spans go: TabSeparated rows or a Native block. */
interface RowWriter<R, S> {
  resource(buf: Buffer, attrs: readonly Attr[]): R;
  scope(buf: Buffer, name: [number, number], version: [number, number]): S;
  row(buf: Buffer, p: SpanParts, res: R, scope: S): void;
  finish(): Buffer;
}

/** TabSeparated rows; ServiceName/ResourceAttributes and the scope columns escaped once per resource/scope. */
class TsvWriter implements RowWriter<ResourceCols, Buffer> {
  readonly out = new Out();
  resource(buf: Buffer, attrs: readonly Attr[]): ResourceCols {
    const m = new Out();
    writeMap(m, buf, attrs);
    const svc = new Out();
    const service = serviceAttr(buf, attrs);
    if (service) {
      if (service.text === undefined) svc.escaped(buf, service.vStart, service.vEnd, false);
      else svc.escapedString(service.text, false);
    }
    return { service: Buffer.from(svc.take()), resource: Buffer.from(m.take()) };
  }
  scope(buf: Buffer, name: [number, number], version: [number, number]): Buffer {
    const scope = new Out();
    scope.escaped(buf, name[0], name[1], false);
    scope.byte(0x09);
    scope.escaped(buf, version[0], version[1], false);
    return Buffer.from(scope.take());
  }
  row(buf: Buffer, p: SpanParts, res: ResourceCols, scope: Buffer): void {
    writeTsvRow(this.out, buf, p, res, scope);
  }
  finish(): Buffer {
    return this.out.take();
  }
}

function serviceAttr(buf: Buffer, attrs: readonly Attr[]): Attr | undefined {
  return attrs.find((a) => a.kEnd - a.kStart === 12 && buf.toString('latin1', a.kStart, a.kEnd) === 'service.name');
}

function writeTsvRow(out: Out, buf: Buffer, p: SpanParts, res: ResourceCols, scope: Buffer): void {
  const { startNs, endNs, trace, span, parent, traceState, name, kind, statusCode, statusMsg, attrs, evTimes, evNames, evAttrs, lkTrace, lkSpan, lkState, lkAttrs } = p;
  // In TRACE_INSERT_COLUMNS order.
  out.ascii(nanosToDateTime64(startNs));
  out.ascii(`\t${trace}\t${span}\t${parent}\t`);
  out.escaped(buf, traceState[0], traceState[1], false);
  out.byte(0x09);
  out.escaped(buf, name[0], name[1], false);
  out.byte(0x09);
  out.ascii(spanKindString(kind > 0x7fffffff ? -1 : kind));
  out.byte(0x09);
  out.ensure(res.service.length + res.resource.length + scope.length + 3);
  out.pos += res.service.copy(out.buf, out.pos);
  out.byte(0x09);
  out.pos += res.resource.copy(out.buf, out.pos);
  out.byte(0x09);
  out.pos += scope.copy(out.buf, out.pos);
  out.byte(0x09);
  writeMap(out, buf, attrs);
  out.ascii(`\t${(endNs - startNs).toString()}\t${statusCodeString(statusCode > 0x7fffffff ? -1 : statusCode)}\t`);
  out.escaped(buf, statusMsg[0], statusMsg[1], false);
  out.byte(0x09);
  out.ascii('[' + evTimes.map((t) => `'${nanosToDateTime64(t)}'`).join(',') + ']\t[');
  evNames.forEach(([a, b], i) => {
    if (i > 0) out.byte(0x2c);
    out.escaped(buf, a, b, true);
  });
  out.ascii(']\t[');
  evAttrs.forEach((m, i) => {
    if (i > 0) out.byte(0x2c);
    writeMap(out, buf, m);
  });
  out.ascii(']\t[' + lkTrace.map((t) => `'${t}'`).join(',') + ']\t[' + lkSpan.map((t) => `'${t}'`).join(',') + ']\t[');
  lkState.forEach(([a, b], i) => {
    if (i > 0) out.byte(0x2c);
    out.escaped(buf, a, b, true);
  });
  out.ascii(']\t[');
  lkAttrs.forEach((m, i) => {
    if (i > 0) out.byte(0x2c);
    writeMap(out, buf, m);
  });
  out.ascii(']\n');
}

/** A resource's columns in Native form: ServiceName as one String value, its map entries as runs of keys and values. */
interface NativeResource {
  readonly service: Buffer;
  readonly keys: Buffer;
  readonly values: Buffer;
  readonly entries: number;
}

function nativeAttrs(col: MapColumn, buf: Buffer, attrs: readonly Attr[]): void {
  for (const a of attrs) {
    col.keys.bytes(buf, a.kStart, a.kEnd);
    if (a.text === undefined) col.values.bytes(buf, a.vStart, a.vEnd);
    else col.values.string(a.text);
  }
  col.endMap(attrs.length);
}

/** One Native block, a column buffer per column (receiver/native-block.ts); same values as TsvWriter. */
class NativeWriter implements RowWriter<NativeResource, [Buffer, Buffer]> {
  rows = 0;
  readonly timestamp = new ByteSink(1 << 14);
  readonly traceId = new ByteSink(1 << 15);
  readonly spanId = new ByteSink(1 << 14);
  readonly parentId = new ByteSink(1 << 14);
  readonly traceState = new ByteSink();
  readonly spanName = new ByteSink(1 << 14);
  readonly spanKind = new ByteSink(1 << 13);
  readonly serviceName = new ByteSink(1 << 13);
  readonly resourceAttrs = new MapColumn();
  readonly scopeName = new ByteSink(1 << 13);
  readonly scopeVersion = new ByteSink(1 << 13);
  readonly spanAttrs = new MapColumn();
  readonly duration = new ByteSink(1 << 14);
  readonly statusCode = new ByteSink(1 << 13);
  readonly statusMessage = new ByteSink();
  readonly evTimes = new ArrayColumn();
  readonly evNames = new ArrayColumn();
  readonly evAttrs = new MapArrayColumn();
  readonly lkTrace = new ArrayColumn();
  readonly lkSpan = new ArrayColumn();
  readonly lkState = new ArrayColumn();
  readonly lkAttrs = new MapArrayColumn();

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
  scope(buf: Buffer, name: [number, number], version: [number, number]): [Buffer, Buffer] {
    const n = new ByteSink(64);
    n.bytes(buf, name[0], name[1]);
    const v = new ByteSink(64);
    v.bytes(buf, version[0], version[1]);
    return [Buffer.from(n.take()), Buffer.from(v.take())];
  }
  row(buf: Buffer, p: SpanParts, res: NativeResource, scope: [Buffer, Buffer]): void {
    this.rows++;
    this.timestamp.int64(p.startNs);
    this.traceId.string(p.trace);
    this.spanId.string(p.span);
    this.parentId.string(p.parent);
    this.traceState.bytes(buf, p.traceState[0], p.traceState[1]);
    this.spanName.bytes(buf, p.name[0], p.name[1]);
    this.spanKind.string(spanKindString(p.kind > 0x7fffffff ? -1 : p.kind));
    this.serviceName.raw(res.service);
    this.resourceAttrs.keys.raw(res.keys);
    this.resourceAttrs.values.raw(res.values);
    this.resourceAttrs.endMap(res.entries);
    this.scopeName.raw(scope[0]);
    this.scopeVersion.raw(scope[1]);
    nativeAttrs(this.spanAttrs, buf, p.attrs);
    this.duration.uint64(p.endNs - p.startNs);
    this.statusCode.string(statusCodeString(p.statusCode > 0x7fffffff ? -1 : p.statusCode));
    this.statusMessage.bytes(buf, p.statusMsg[0], p.statusMsg[1]);
    for (const t of p.evTimes) this.evTimes.items.int64(t);
    this.evTimes.endRow(p.evTimes.length);
    for (const [a, b] of p.evNames) this.evNames.items.bytes(buf, a, b);
    this.evNames.endRow(p.evNames.length);
    for (const m of p.evAttrs) nativeAttrs(this.evAttrs.maps, buf, m);
    this.evAttrs.endRow(p.evAttrs.length);
    for (const t of p.lkTrace) this.lkTrace.items.string(t);
    this.lkTrace.endRow(p.lkTrace.length);
    for (const t of p.lkSpan) this.lkSpan.items.string(t);
    this.lkSpan.endRow(p.lkSpan.length);
    for (const [a, b] of p.lkState) this.lkState.items.bytes(buf, a, b);
    this.lkState.endRow(p.lkState.length);
    for (const m of p.lkAttrs) nativeAttrs(this.lkAttrs.maps, buf, m);
    this.lkAttrs.endRow(p.lkAttrs.length);
  }
  finish(): Buffer {
    if (this.rows === 0) return Buffer.alloc(0);
    const one = (b: ByteSink): Buffer[] => [b.take()];
    return nativeBlock(TRACE_INSERT_COLUMNS, NATIVE_TRACE_TYPES, this.rows, [
      one(this.timestamp), one(this.traceId), one(this.spanId), one(this.parentId), one(this.traceState), one(this.spanName),
      one(this.spanKind), one(this.serviceName), this.resourceAttrs.parts(), one(this.scopeName), one(this.scopeVersion),
      this.spanAttrs.parts(), one(this.duration), one(this.statusCode), one(this.statusMessage),
      this.evTimes.parts(), this.evNames.parts(), this.evAttrs.parts(),
      this.lkTrace.parts(), this.lkSpan.parts(), this.lkState.parts(), this.lkAttrs.parts(),
    ]);
  }
}

/**
 * Convert a whole protobuf request into TabSeparated rows or one Native block
 * (receiver/native-block.ts). A body that is not a valid ExportTraceServiceRequest is a
 * BadRequestError (the whole request is refused, as the generic decoder does); an invalid span is
 * rejected on its own and counted.
 */
export function protobufToRows(body: Buffer, limits: RowLimits, format: 'TSV' | 'Native'): RowsBatch {
  return format === 'Native' ? convert(body, limits, new NativeWriter()) : convert(body, limits, new TsvWriter());
}

function convert<R, S>(body: Buffer, limits: RowLimits, writer: RowWriter<R, S>): RowsBatch {
  const errors: string[] = [];
  let spans = 0;
  let rejectedSpans = 0;
  const reject = (count: number, where: string, err: unknown): void => {
    if (!(err instanceof AttributeError) && !(err instanceof RangeError)) throw err;
    rejectedSpans += count;
    if (errors.length < MAX_REPORTED_ERRORS) errors.push(`${where}: ${err.message}`);
  };
  try {
    const r = new Reader(body, 0, body.length);
    let ri = -1;
    while (r.pos < r.end) {
      const tag = r.varint();
      if (tag !== 0x0a) {
        r.skip(tag & 7);
        continue;
      }
      ri++;
      const [rsStart, rsEnd] = r.lengthDelimited();
      const rs = new Reader(body, rsStart, rsEnd);
      const resourceAttrs: [number, number][] = [];
      const scopes: [number, number][] = [];
      while (rs.pos < rs.end) {
        const t = rs.varint();
        if (t === 0x0a) {
          const [s, e] = rs.lengthDelimited();
          const res = new Reader(body, s, e);
          while (res.pos < res.end) {
            const rt = res.varint();
            if (rt === 0x0a) resourceAttrs.push(res.lengthDelimited());
            else res.skip(rt & 7);
          }
        } else if (t === 0x12) scopes.push(rs.lengthDelimited());
        else rs.skip(t & 7);
      }
      // Spans grouped per scope, counted before the resource is read, so a bad resource rejects them all.
      const perScope = scopes.map(([s, e]) => {
        const ss = new Reader(body, s, e);
        let scopeRange: [number, number] | null = null;
        const spanRanges: [number, number][] = [];
        while (ss.pos < ss.end) {
          const t = ss.varint();
          if (t === 0x0a) scopeRange = ss.lengthDelimited();
          else if (t === 0x12) spanRanges.push(ss.lengthDelimited());
          else ss.skip(t & 7);
        }
        return { scopeRange, spanRanges };
      });
      let res: R;
      try {
        res = writer.resource(body, readAttributes(r, resourceAttrs, limits));
      } catch (err) {
        reject(perScope.reduce((n, p) => n + p.spanRanges.length, 0), `resourceSpans[${ri}].resource`, err);
        continue;
      }
      perScope.forEach(({ scopeRange, spanRanges }, si) => {
        let nameR: [number, number] = [0, 0];
        let versionR: [number, number] = [0, 0];
        if (scopeRange) {
          const sc = new Reader(body, scopeRange[0], scopeRange[1]);
          while (sc.pos < sc.end) {
            const t = sc.varint();
            if (t === 0x0a) nameR = sc.lengthDelimited();
            else if (t === 0x12) versionR = sc.lengthDelimited();
            else sc.skip(t & 7);
          }
        }
        const scopeCols = writer.scope(body, nameR, versionR);
        spanRanges.forEach(([s, e], pi) => {
          let parts: SpanParts;
          try {
            parts = decodeSpan(r, s, e, limits);
          } catch (err) {
            if (err instanceof Truncated) throw err;
            reject(1, `resourceSpans[${ri}].scopeSpans[${si}].spans[${pi}]`, err);
            return;
          }
          writer.row(body, parts, res, scopeCols);
          spans++;
        });
      });
    }
  } catch (err) {
    if (err instanceof Truncated) throw new BadRequestError('body is not a valid OTLP protobuf ExportTraceServiceRequest: truncated or malformed message');
    throw err;
  }
  return { data: writer.finish(), spans, rejectedSpans, errors };
}
