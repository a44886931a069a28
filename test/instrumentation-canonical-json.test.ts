/**
 * The canonical JSON that tool-argument and content hashes are taken over: the fast path
 * (sorted copy + native JSON.stringify) must give byte for byte what the `canonicalize` package
 * (RFC 8785) gives, and fail where it fails, on hand-picked edge cases and on seeded random values.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalJsonReference } from '../instrumentation/canonical-hash.ts';

function outcome(f: () => string): { text?: string; error?: boolean } {
  try {
    return { text: f() };
  } catch {
    return { error: true };
  }
}

function expectSame(value: unknown): void {
  expect(outcome(() => canonicalJson(value))).toEqual(outcome(() => canonicalJsonReference(value)));
}

class Point {
  x = 1;
  y = 2;
}

describe('canonical JSON fast path', () => {
  it('matches canonicalize on edge cases', () => {
    const nullProto = Object.assign(Object.create(null) as object, { b: 1, a: 2 });
    const withToJSON = { b: 1, toJSON: () => ({ z: 1, a: [2] }) };
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const shared = { k: 'v' };
    // eslint-disable-next-line no-sparse-arrays
    const holes = [1, , 3];
    const deep: unknown[] = [];
    let cur = deep;
    for (let i = 0; i < 60; i++) {
      const next: unknown[] = [];
      cur.push(next, { i });
      cur = next;
    }
    const cases: unknown[] = [
      { b: 1, a: 2, c: { z: [3, 2, 1], y: null } },
      { '\u20ac': 'euro', '\u00e9': 'e', z: 1, A: 2, a: 3, '': 4, 'e\u0301': 5, '\u{1F600}': 'emoji', '\uFFFF': 'max' },
      { 10: 'ten', 9: 'nine', 1: 'one', a: 'x' },
      { '1e3': 1, '-1': 2, '01': 3 },
      JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'),
      { n: [0, -0, 1, -1, 1.5, 0.1 + 0.2, 1e21, 1e-7, 123456789012345680000, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE, 5e-324, 1e308] },
      { nan: NaN },
      { inf: [Infinity] },
      { big: 10n },
      { s: 'quote " backslash \\ newline \n tab \t nul \u0000 bell \u0007 del \u007f line-sep \u2028 para \u2029 </script>' },
      { lone: 'a\uD800b' },
      { ['lone\uDC00key']: 1 },
      { pair: '\uD83D\uDE00' },
      { u: undefined, f: () => 1, s: Symbol('x'), keep: true },
      [undefined, () => 1, Symbol('x'), null],
      holes,
      { d: new Date(0) },
      { boxed: [new Number(1), new String('s'), new Boolean(false)] },
      new Point(),
      { m: new Map([['a', 1]]), set: new Set([1]) },
      { bytes: new Uint8Array([1, 2]) },
      nullProto,
      withToJSON,
      cyclic,
      { a: shared, b: shared, c: [shared, shared] },
      deep,
      [],
      {},
      [[[]], {}],
      'just a string',
      42,
      true,
      null,
      undefined,
    ];
    for (const c of cases) expectSame(c);
  });

  it('matches canonicalize on 2,000 seeded random values', () => {
    let seed = 0x5eed1234;
    const rnd = (): number => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const chars = ['a', 'Z', '0', '9', ' ', '"', '\\', '\n', '\u0001', 'é', '\u20ac', '\uD83D\uDE00', '\uD800', '\uDFFF', '_', '-', '.', '@', '\u00ff', '\u0100'];
    const str = (max: number): string => {
      let s = '';
      const n = Math.floor(rnd() * max);
      for (let i = 0; i < n; i++) s += pick(chars);
      return s;
    };
    const num = (): number => pick([0, -0, 1, -7, 3.14, 1e21, 1e-7, 2 ** 53, rnd() * 1e6, -rnd(), Math.floor(rnd() * 1e9), NaN, Infinity]);
    const value = (depth: number): unknown => {
      const r = rnd();
      if (depth > 4 || r < 0.35) return pick([() => str(12), num, () => rnd() < 0.5, () => null, () => undefined])();
      if (r < 0.65) return Array.from({ length: Math.floor(rnd() * 5) }, () => value(depth + 1));
      const o: Record<string, unknown> = {};
      const n = Math.floor(rnd() * 7);
      for (let i = 0; i < n; i++) o[rnd() < 0.1 ? String(Math.floor(rnd() * 20)) : str(6)] = value(depth + 1);
      return o;
    };
    let fast = 0;
    for (let i = 0; i < 2000; i++) {
      const v = value(0);
      expectSame(v);
      if (typeof v === 'object' && v !== null && outcome(() => canonicalJsonReference(v)).text !== undefined) fast++;
    }
    // The generator must exercise the object/array path, not only primitives.
    expect(fast).toBeGreaterThan(300);
  });
});
