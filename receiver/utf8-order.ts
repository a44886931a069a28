/**
 * Ordering strings by their UTF-8 bytes, as Go compares strings (the exporter's map entries and
 * encoding/json's map keys are sorted that way).
 *
 * JavaScript compares UTF-16 code units, which agrees with UTF-8 byte order except between a
 * surrogate (a character above U+FFFF) and U+E000–U+FFFF: there the code-unit order is reversed.
 */

/** Where a code unit falls in code-point order: surrogates after every other BMP unit. */
function rank(c: number): number {
  return c < 0xd800 ? c : c < 0xe000 ? c + 0x2000 : c - 0x800;
}

/** Negative, zero or positive as `a` sorts before, with, or after `b` in UTF-8 byte order. */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/** The same order on byte ranges of one buffer. */
export function compareBytes(buf: Uint8Array, a0: number, a1: number, b0: number, b1: number): number {
  const n = Math.min(a1 - a0, b1 - b0);
  for (let i = 0; i < n; i++) {
    const d = buf[a0 + i]! - buf[b0 + i]!;
    if (d !== 0) return d;
  }
  return a1 - a0 - (b1 - b0);
}
