/**
 * Canonical JSON (RFC 8785, JSON Canonicalization Scheme) for the values an export holds:
 * strings, safe integers, booleans, null, arrays and plain objects. Object members are sorted by
 * their UTF-16 code units and strings are escaped as ECMAScript's JSON.stringify does, which is
 * what RFC 8785 specifies for these types.
 *
 * Hand-written (about twenty lines) rather than the `canonicalize` npm package (which the
 * instrumentation uses): it refuses anything but safe integers, so RFC 8785's number formatting is
 * out of scope, and the record encoder in record-formats.ts specialises it for the hot path.
 */
export type CanonicalValue = string | number | boolean | null | readonly CanonicalValue[] | { readonly [key: string]: CanonicalValue | undefined };

export function canonicalJson(value: CanonicalValue): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`canonical JSON here holds only safe integers, got ${value}`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map((v: CanonicalValue) => canonicalJson(v)).join(',')}]`;
  const obj = value as { readonly [key: string]: CanonicalValue | undefined };
  // Default sort compares UTF-16 code units, as RFC 8785 §3.2.3 requires.
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k]!)}`).join(',')}}`;
}
