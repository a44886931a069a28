/**
 * SHA-256 over content and over canonical JSON (RFC 8785, via the `canonicalize` package), so the
 * same tool arguments hash the same whatever key order the agent produced them in.
 */
import { hash } from 'node:crypto';
import canonicalize from 'canonicalize';

export function sha256Hex(text: string): string {
  // One-shot crypto.hash: about a third cheaper than createHash().update().digest() for 1 KB here.
  return hash('sha256', text, 'hex');
}

/** Thrown inside sortedPlainCopy when a value is not one of the plain shapes it handles. */
const NOT_PLAIN: unique symbol = Symbol('not plain JSON');
const OBJECT_PROTO = Object.prototype;
/** Deeper than this goes to `canonicalize`, which also detects cycles. */
const FAST_MAX_DEPTH = 32;

/**
 * A copy of a plain JSON value with every object's keys inserted in RFC 8785 order (UTF-16 code
 * units, i.e. the default sort), so that the engine's own JSON.stringify writes canonical JSON in
 * one native pass. Only for the shapes where that is exactly RFC 8785: plain objects and arrays,
 * well-formed strings, finite numbers (JSON.stringify and RFC 8785 both use ECMAScript
 * Number::toString), booleans and null. Anything else — toJSON, boxed primitives, class
 * instances, holes, symbols, functions, BigInt, keys starting with a digit (array-index keys
 * always enumerate first, whatever the insertion order), lone surrogates, deep nesting — throws
 * NOT_PLAIN and the caller uses `canonicalize`, which owns those rules (and the errors).
 *
 * Why not only `canonicalize`: it builds the text by string concatenation with a
 * JSON.stringify per string, about a quarter of a wrapped tool call's CPU for 1 KB of arguments;
 * this path is a few allocations plus one native stringify. test/instrumentation-canonical-json
 * checks the two agree byte for byte.
 */
function sortedPlainCopy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      if (!value.isWellFormed()) throw NOT_PLAIN;
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw NOT_PLAIN;
      return value;
    case 'boolean':
      return value;
    case 'object':
      break;
    default:
      throw NOT_PLAIN;
  }
  if (value === null) return null;
  if (depth >= FAST_MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') throw NOT_PLAIN;
  if (Array.isArray(value)) {
    const n = value.length;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      if (!(i in value)) throw NOT_PLAIN;
      out[i] = sortedPlainCopy(value[i], depth + 1);
    }
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== OBJECT_PROTO && proto !== null) throw NOT_PLAIN;
  const keys = Object.keys(value).sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const c = key.charCodeAt(0);
    // '__proto__' would set the copy's prototype instead of adding a key.
    if ((c >= 48 && c <= 57) || key === '__proto__' || !key.isWellFormed()) throw NOT_PLAIN;
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue; // omitted, as in canonicalize and JSON.stringify
    out[key] = sortedPlainCopy(v, depth + 1);
  }
  return out;
}

/** Canonical JSON of a value; throws on what JSON cannot represent (cycles, BigInt, NaN). */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(sortedPlainCopy(value, 0));
    } catch (err) {
      if (err !== NOT_PLAIN) throw err;
    }
  }
  const out = canonicalize(value);
  // canonicalize returns undefined for a bare undefined/function/symbol; hash those as JSON null.
  return out ?? 'null';
}

/** canonicalJson through `canonicalize` alone (the reference the fast path is tested against). */
export function canonicalJsonReference(value: unknown): string {
  return canonicalize(value) ?? 'null';
}

/** SHA-256 of the canonical JSON of a value; strings are hashed as JSON strings too, for one rule. */
export function hashCanonical(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/**
 * Text of content for hashing and capture: strings as they are (so a reviewer can hash the
 * original text and compare), Uint8Array as UTF-8, anything else as canonical JSON.
 */
export function contentText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  return canonicalJson(value);
}
