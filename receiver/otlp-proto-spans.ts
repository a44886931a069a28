/**
 * The one-pass OTLP/protobuf span decoder: ExportTraceServiceRequest bytes → each span's columns,
 * checked, as byte ranges into the request (strings) or small values, handed to a SpanWriter
 * (native-span-writer.ts) with the resource's and scope's columns encoded once per resource/scope.
 * No protobufjs messages and no row objects: see protobuf-reader.ts for why.
 *
 * It must agree with the generic path (decode-request.ts + span-rows.ts) row for row — same
 * columns, same values, same rejections — which test/receiver-proto-fast-path.test.ts checks.
 * Nested attribute values (arrays, maps) are rare and go through the generic AnyValue code
 * (any-value.ts), with their strings as raw bytes.
 */
import { AttributeError, anyValueToString, formatDoubleLikeGo, MAX_KEY_LENGTH, MAX_NESTING_DEPTH, type LooseAnyValue, type LooseKeyValue } from './any-value.ts';
import { BadRequestError } from './decode-request.ts';
import { Reader, Truncated } from './protobuf-reader.ts';
import type { RowLimits } from './span-rows.ts';
import { compareBytes } from './utf8-order.ts';

export interface RowsBatch {
  /** The insert body (columns as storage/trace-columns.ts lists them). */
  readonly data: Buffer;
  readonly spans: number;
  readonly rejectedSpans: number;
  /** The first few rejection reasons. */
  readonly errors: string[];
}

const MAX_REPORTED_ERRORS = 5;

/** An attribute value: a string's byte range, or an already formatted string. */
export interface Attr {
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

/** One span's columns, decoded and checked: byte ranges into the request where the value is a string. */
export interface SpanParts {
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

export function serviceAttr(buf: Buffer, attrs: readonly Attr[]): Attr | undefined {
  return attrs.find((a) => a.kEnd - a.kStart === 12 && buf.toString('latin1', a.kStart, a.kEnd) === 'service.name');
}


/** Where decoded spans go: R and S are a resource's and a scope's columns, encoded once each. */
export interface SpanWriter<R, S> {
  resource(buf: Buffer, attrs: readonly Attr[]): R;
  scope(buf: Buffer, name: [number, number], version: [number, number]): S;
  row(buf: Buffer, p: SpanParts, res: R, scope: S): void;
  finish(): Buffer;
}

/**
 * Decode a whole protobuf request into `writer`. A body that is not a valid ExportTraceServiceRequest
 * is a BadRequestError (the whole request is refused, as the generic decoder does); an invalid span
 * is rejected on its own and counted.
 */
export function decodeSpans<R, S>(body: Buffer, limits: RowLimits, writer: SpanWriter<R, S>): RowsBatch {
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
