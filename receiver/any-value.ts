/**
 * OTLP AnyValue → the string the contrib `clickhouse` exporter stores in a `Map(…, String)` column,
 * and attribute lists → the map entries it writes.
 *
 * Read from the sources of the release flightrec matches (docs/storage.md names it: contrib
 * `exporter/clickhouseexporter` v0.165.1 with pdata v1.71.0 and clickhouse-go v2.47.0): the exporter
 * calls pdata's `Value.AsString()` — strings as they are (bytes too: pdata keeps invalid UTF-8),
 * booleans `true`/`false`, integers in decimal, doubles in the ES6 number-to-string form with
 * `NaN` / `Infinity` / `-Infinity`, bytes as standard base64, arrays and maps as Go `encoding/json` of
 * their raw values without HTML escaping (map keys sorted bytewise, an empty bytes value `null`, an
 * invalid UTF-8 byte `\ufffd`, a NaN or ±Inf anywhere inside → the whole value ''), an empty value ''.
 * Each attribute map is then built with clickhouse-go's ordered map, which keeps every entry
 * (duplicates too) and sorts them by key in byte order.
 */
import { compareUtf8 } from './utf8-order.ts';

/** The shape of AnyValue shared by OTLP/JSON and the protobuf decoders. */
export interface LooseAnyValue {
  /** A string, or (from the protobuf reader) its raw UTF-8 bytes, which may be invalid. */
  stringValue?: string | Uint8Array;
  boolValue?: boolean;
  intValue?: string | number | { toString(): string };
  doubleValue?: number | string;
  arrayValue?: { values?: LooseAnyValue[] };
  kvlistValue?: { values?: LooseKeyValue[] };
  bytesValue?: string | Uint8Array;
}

export interface LooseKeyValue {
  key?: string | Uint8Array;
  value?: LooseAnyValue;
}

export class AttributeError extends Error {}

/** encoding/json's refusal of NaN/±Inf inside an array or map value. */
class UnsupportedJsonValue extends Error {}

export const MAX_NESTING_DEPTH = 32;

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** An OTLP intValue as pdata reads it: a JSON number or decimal string within int64 (else the request fails). */
function int64Of(v: string | number | { toString(): string }): bigint {
  const s = String(v);
  if (!/^[+-]?\d{1,30}$/.test(s)) throw new AttributeError(`intValue is not an integer: ${s.slice(0, 40)}`);
  const n = BigInt(s);
  if (n < INT64_MIN || n > INT64_MAX) throw new AttributeError(`intValue ${s.slice(0, 40)} is outside the int64 range`);
  return n;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A bytes value's standard base64; OTLP/JSON sends base64, which pdata decodes (strictly) and re-encodes. */
function bytesToBase64(b: string | Uint8Array): string {
  if (typeof b !== 'string') return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
  const s = b.replace(/[\r\n]/g, '');
  if (!BASE64.test(s)) throw new AttributeError(`bytesValue is not standard base64: ${JSON.stringify(b.slice(0, 40))}`);
  return Buffer.from(s, 'base64').toString('base64');
}

/** pdata's float64AsString: the ES6 form (String() in JS), `-0` kept, NaN and the infinities by name. */
export function formatDoubleLikeGo(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  // Go keeps the sign of negative zero ("-0"); JavaScript's String(-0) drops it.
  return Object.is(v, -0) ? '-0' : String(v);
}

function toDouble(v: number | string): number {
  return typeof v === 'number' ? v : Number(v);
}

/**
 * A string inside an array or map, as its UTF-8 bytes held one byte per UTF-16 unit ('latin1'): Go
 * strings are bytes, so sorting (code-unit order is then byte order) and encoding work on bytes.
 */
function byteString(s: string | Uint8Array): string {
  return typeof s === 'string' ? Buffer.from(s, 'utf8').toString('latin1') : Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString('latin1');
}

/** A bytes value inside an array or map: its base64, or null for an empty one (pdata's AsRaw gives a nil slice). */
class RawBytes {
  readonly base64: string | null;
  constructor(base64: string | null) {
    this.base64 = base64;
  }
}
/** A string inside an array or map, as a byte string (see byteString). */
class RawString {
  readonly bytes: string;
  constructor(bytes: string) {
    this.bytes = bytes;
  }
}
type Raw = null | boolean | bigint | number | RawString | RawBytes | Raw[] | Map<string, Raw>;

/** The raw Go value behind an AnyValue (pdata's AsRaw), as encoding/json will see it. */
function toRaw(v: LooseAnyValue | undefined, depth: number): Raw {
  if (depth > MAX_NESTING_DEPTH) throw new AttributeError(`attribute value nested deeper than ${MAX_NESTING_DEPTH} levels`);
  if (!v || typeof v !== 'object') return null;
  if (has(v, 'stringValue')) return new RawString(byteString(v.stringValue ?? ''));
  if (has(v, 'boolValue')) return Boolean(v.boolValue);
  if (has(v, 'intValue')) return int64Of(v.intValue!);
  if (has(v, 'doubleValue')) return toDouble(v.doubleValue!);
  if (has(v, 'arrayValue')) return (v.arrayValue?.values ?? []).map((x) => toRaw(x, depth + 1));
  if (has(v, 'kvlistValue')) {
    // A Go map: a later duplicate key replaces the earlier one.
    const out = new Map<string, Raw>();
    for (const kv of v.kvlistValue?.values ?? []) out.set(byteString(kv.key ?? ''), toRaw(kv.value, depth + 1));
    return out;
  }
  if (has(v, 'bytesValue')) {
    const b64 = bytesToBase64(v.bytesValue!);
    return new RawBytes(b64 === '' ? null : b64);
  }
  return null;
}

const HEX = '0123456789abcdef';

/** Length of the valid UTF-8 sequence at s[i] (a byte string), or 0 where Go's DecodeRune sees an error. */
function utf8SequenceLength(s: string, i: number): number {
  const b0 = s.charCodeAt(i);
  const cont = (j: number, lo = 0x80, hi = 0xbf): boolean => j < s.length && s.charCodeAt(j) >= lo && s.charCodeAt(j) <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(i + 1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const [lo, hi] = b0 === 0xe0 ? [0xa0, 0xbf] : b0 === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const [lo, hi] = b0 === 0xf0 ? [0x90, 0xbf] : b0 === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

/**
 * Go encoding/json's string encoding without HTML escaping (pdata sets SetEscapeHTML(false)), on a
 * byte string: `"`, `\` and control characters escaped (`\b \f \n \r \t`, others `\u00XX`), U+2028 and
 * U+2029 escaped, each byte that is not part of valid UTF-8 replaced by the six characters `\ufffd`.
 * Returns a byte string.
 */
function goJsonString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x80 && c !== 0x22 && c !== 0x5c) {
      i++;
      continue;
    }
    if (c < 0x80) {
      out += s.slice(start, i);
      if (c === 0x22 || c === 0x5c) out += '\\' + s[i];
      else if (c === 0x08) out += '\\b';
      else if (c === 0x0c) out += '\\f';
      else if (c === 0x0a) out += '\\n';
      else if (c === 0x0d) out += '\\r';
      else if (c === 0x09) out += '\\t';
      else out += '\\u00' + HEX[c >> 4] + HEX[c & 15];
      start = ++i;
      continue;
    }
    const n = utf8SequenceLength(s, i);
    if (n === 0) {
      out += s.slice(start, i) + '\\ufffd';
      start = ++i;
      continue;
    }
    if (n === 3 && c === 0xe2 && s.charCodeAt(i + 1) === 0x80 && (s.charCodeAt(i + 2) === 0xa8 || s.charCodeAt(i + 2) === 0xa9)) {
      out += s.slice(start, i) + (s.charCodeAt(i + 2) === 0xa8 ? '\\u2028' : '\\u2029');
      start = i + 3;
    }
    i += n;
  }
  return out + s.slice(start) + '"';
}

/** encoding/json of a raw value, as a byte string. */
function rawToGoJson(raw: Raw): string {
  if (raw === null) return 'null';
  if (raw instanceof RawString) return goJsonString(raw.bytes);
  if (typeof raw === 'boolean') return raw ? 'true' : 'false';
  if (typeof raw === 'bigint') return raw.toString();
  if (typeof raw === 'number') {
    // encoding/json refuses NaN/Inf, and pdata's AsString then returns '' for the whole value.
    if (!Number.isFinite(raw)) throw new UnsupportedJsonValue();
    return formatDoubleLikeGo(raw);
  }
  if (raw instanceof RawBytes) return raw.base64 === null ? 'null' : '"' + raw.base64 + '"';
  if (Array.isArray(raw)) return '[' + raw.map(rawToGoJson).join(',') + ']';
  // Byte strings: code-unit order is byte order, as Go sorts map keys.
  const keys = [...raw.keys()].sort();
  return '{' + keys.map((k) => goJsonString(k) + ':' + rawToGoJson(raw.get(k)!)).join(',') + '}';
}

export function anyValueToString(v: LooseAnyValue | undefined): string {
  if (!v || typeof v !== 'object') return '';
  if (has(v, 'stringValue')) {
    const s = v.stringValue ?? '';
    return typeof s === 'string' ? s : Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString('utf8');
  }
  if (has(v, 'boolValue')) return v.boolValue ? 'true' : 'false';
  if (has(v, 'intValue')) return int64Of(v.intValue!).toString();
  if (has(v, 'doubleValue')) return formatDoubleLikeGo(toDouble(v.doubleValue!));
  if (has(v, 'bytesValue')) return bytesToBase64(v.bytesValue!);
  if (has(v, 'arrayValue') || has(v, 'kvlistValue')) {
    let json: string;
    try {
      json = rawToGoJson(toRaw(v, 0));
    } catch (err) {
      // pdata ignores json's error and keeps what was written: nothing, for a NaN/Inf inside.
      if (err instanceof UnsupportedJsonValue) return '';
      throw err;
    }
    return Buffer.from(json, 'latin1').toString('utf8');
  }
  return '';
}

/** Longest attribute key accepted; OTel SDKs have no key limit, but a key this long is a bug or an attack. */
export const MAX_KEY_LENGTH = 1024;

/** One map entry: key, value. */
export type AttributeEntry = readonly [key: string, value: string];
/** An attribute map as the exporter writes it: entries sorted by key in UTF-8 byte order, duplicates kept in arrival order. */
export type AttributeEntries = readonly AttributeEntry[];

const byKey = (a: AttributeEntry, b: AttributeEntry): number => compareUtf8(a[0], b[0]);

/** Key/value list → the exporter's map entries: every entry (duplicates too), sorted by key, stable. */
export function attributesToEntries(kvs: readonly LooseKeyValue[] | undefined, maxValueBytes: number): AttributeEntry[] {
  if (!kvs) return [];
  if (!Array.isArray(kvs)) throw new AttributeError('attributes must be a list of key/value pairs');
  const out: AttributeEntry[] = [];
  for (const kv of kvs) {
    if (!kv || typeof kv !== 'object') throw new AttributeError('attribute is not a key/value object');
    const key = typeof kv.key === 'object' && kv.key !== null ? Buffer.from(kv.key).toString('utf8') : String(kv.key ?? '');
    if (key.length > MAX_KEY_LENGTH) throw new AttributeError(`attribute key ${JSON.stringify(key.slice(0, 80) + '…')} is ${key.length} characters, over the ${MAX_KEY_LENGTH}-character limit`);
    const value = anyValueToString(kv.value);
    if (value.length > maxValueBytes) {
      throw new AttributeError(`attribute ${JSON.stringify(key.slice(0, 80))} is ${value.length} characters, over the ${maxValueBytes}-character limit`);
    }
    out.push([key, value]);
  }
  // Array#sort is stable: duplicates keep their order (as Go's sort does for up to 12 entries; docs/storage.md).
  return out.sort(byKey);
}

/** The first entry for `key` (pdata's Map.Get), or undefined. */
export function firstValue(entries: AttributeEntries, key: string): string | undefined {
  for (const [k, v] of entries) if (k === key) return v;
  return undefined;
}

/** A map a row may carry: the receiver's entries, or a plain record (seeding tools), which is written sorted. */
export type AttributeMap = AttributeEntries | Readonly<Record<string, string>>;

/** A row's map as the entries to write. */
export function entriesOf(m: AttributeMap): AttributeEntries {
  return Array.isArray(m) ? (m as AttributeEntries) : Object.entries(m).sort(byKey);
}
