/**
 * OTLP AnyValue → the string the contrib exporter stores in a `Map(…, String)` column.
 *
 * The exporter calls pdata's `Value.AsString()`: strings as they are, booleans `true`/`false`,
 * integers in decimal, doubles as encoding/json formats float64 (the ES6 number-to-string rule, so
 * JavaScript's String() matches; NaN/Inf become json's error text), bytes as standard base64,
 * arrays and maps as JSON of their raw values (Go's encoding/json: map keys sorted, `<`, `>` and
 * `&` escaped), an empty value as ''.
 */

/** The shape of AnyValue shared by OTLP/JSON and protobufjs-decoded OTLP/protobuf. */
export interface LooseAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number | { toString(): string };
  doubleValue?: number | string;
  arrayValue?: { values?: LooseAnyValue[] };
  kvlistValue?: { values?: LooseKeyValue[] };
  bytesValue?: string | Uint8Array;
}

export interface LooseKeyValue {
  key?: string;
  value?: LooseAnyValue;
}

export class AttributeError extends Error {}

/** encoding/json's refusal of NaN/±Inf inside an array or map value. */
class UnsupportedJsonValue extends Error {}

export const MAX_NESTING_DEPTH = 32;

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function bytesToBase64(b: string | Uint8Array): string {
  // In OTLP/JSON, bytes values already arrive base64-encoded.
  return typeof b === 'string' ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** pdata's float64AsString: encoding/json's float format, which is ES6's (String() in JS). */
export function formatDoubleLikeGo(v: number): string {
  if (Number.isNaN(v)) return 'json: unsupported value: NaN';
  if (v === Infinity) return 'json: unsupported value: +Inf';
  if (v === -Infinity) return 'json: unsupported value: -Inf';
  // Go keeps the sign of negative zero ("-0"); JavaScript's String(-0) drops it.
  return Object.is(v, -0) ? '-0' : String(v);
}

function toDouble(v: number | string): number {
  return typeof v === 'number' ? v : Number(v);
}

/** The raw Go value behind an AnyValue, as JSON would encode it. */
function toRaw(v: LooseAnyValue | undefined, depth: number): unknown {
  if (depth > MAX_NESTING_DEPTH) throw new AttributeError(`attribute value nested deeper than ${MAX_NESTING_DEPTH} levels`);
  if (!v || typeof v !== 'object') return null;
  if (has(v, 'stringValue')) return String(v.stringValue ?? '');
  if (has(v, 'boolValue')) return Boolean(v.boolValue);
  if (has(v, 'intValue')) {
    const s = String(v.intValue);
    if (!/^-?\d{1,20}$/.test(s)) throw new AttributeError(`intValue is not an integer: ${s.slice(0, 40)}`);
    return BigInt(s);
  }
  if (has(v, 'doubleValue')) return toDouble(v.doubleValue!);
  if (has(v, 'arrayValue')) return (v.arrayValue?.values ?? []).map((x) => toRaw(x, depth + 1));
  if (has(v, 'kvlistValue')) {
    const out = new Map<string, unknown>();
    for (const kv of v.kvlistValue?.values ?? []) out.set(String(kv.key ?? ''), toRaw(kv.value, depth + 1));
    return out;
  }
  if (has(v, 'bytesValue')) return { __bytes: bytesToBase64(v.bytesValue!) };
  return null;
}

/** Go encoding/json's string escaping: JSON.stringify plus HTML-safe escapes. */
function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

function rawToGoJson(raw: unknown): string {
  if (raw === null || raw === undefined) return 'null';
  if (typeof raw === 'string') return goJsonString(raw);
  if (typeof raw === 'boolean') return raw ? 'true' : 'false';
  if (typeof raw === 'bigint') return raw.toString();
  if (typeof raw === 'number') {
    // encoding/json refuses NaN/Inf, and pdata's AsString then returns '' for the whole value.
    if (!Number.isFinite(raw)) throw new UnsupportedJsonValue();
    return formatDoubleLikeGo(raw);
  }
  if (Array.isArray(raw)) return '[' + raw.map(rawToGoJson).join(',') + ']';
  if (raw instanceof Map) {
    const keys = [...raw.keys()].sort();
    return '{' + keys.map((k) => goJsonString(k) + ':' + rawToGoJson(raw.get(k))).join(',') + '}';
  }
  if (typeof raw === 'object' && raw && '__bytes' in raw) return goJsonString(String((raw as { __bytes: string }).__bytes));
  return 'null';
}

export function anyValueToString(v: LooseAnyValue | undefined): string {
  if (!v || typeof v !== 'object') return '';
  if (has(v, 'stringValue')) return String(v.stringValue ?? '');
  if (has(v, 'boolValue')) return v.boolValue ? 'true' : 'false';
  if (has(v, 'intValue')) {
    const s = String(v.intValue);
    if (!/^-?\d+$/.test(s)) throw new AttributeError(`intValue is not an integer: ${s.slice(0, 40)}`);
    return BigInt(s).toString();
  }
  if (has(v, 'doubleValue')) return formatDoubleLikeGo(toDouble(v.doubleValue!));
  if (has(v, 'bytesValue')) return bytesToBase64(v.bytesValue!);
  if (has(v, 'arrayValue') || has(v, 'kvlistValue')) {
    try {
      return rawToGoJson(toRaw(v, 0));
    } catch (err) {
      // pdata: `jsonStr, _ := json.Marshal(...)` — a failed marshal leaves the string empty.
      if (err instanceof UnsupportedJsonValue) return '';
      throw err;
    }
  }
  return '';
}

/** Longest attribute key accepted; OTel SDKs have no key limit, but a key this long is a bug or an attack. */
export const MAX_KEY_LENGTH = 1024;

/** Key/value list → a plain record; a later duplicate key wins, as in pdata's Map. */
export function attributesToRecord(kvs: readonly LooseKeyValue[] | undefined, maxValueBytes: number): Record<string, string> {
  // A null-prototype object: keys like `__proto__` stay ordinary keys.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!kvs) return out;
  if (!Array.isArray(kvs)) throw new AttributeError('attributes must be a list of key/value pairs');
  for (const kv of kvs) {
    if (!kv || typeof kv !== 'object') throw new AttributeError('attribute is not a key/value object');
    const key = String(kv.key ?? '');
    if (key.length > MAX_KEY_LENGTH) throw new AttributeError(`attribute key ${JSON.stringify(key.slice(0, 80) + '…')} is ${key.length} characters, over the ${MAX_KEY_LENGTH}-character limit`);
    const value = anyValueToString(kv.value);
    if (value.length > maxValueBytes) {
      throw new AttributeError(`attribute ${JSON.stringify(key.slice(0, 80))} is ${value.length} characters, over the ${maxValueBytes}-character limit`);
    }
    out[key] = value;
  }
  return out;
}
