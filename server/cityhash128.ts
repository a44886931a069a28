/**
 * CityHash128 as ClickHouse uses it (CityHash v1.0.2, which ClickHouse keeps frozen): the checksum of
 * every block of ClickHouse's native compression (server/clickhouse-native-compression.ts).
 *
 * Hand-written: no npm package implements this version's 128-bit hash (later CityHash versions and
 * FarmHash give different values). 64-bit arithmetic in BigInt, wrapped to 64 bits after each step.
 */
const M64 = 0xffffffffffffffffn;
const k0 = 0xc3a5c85c97cb3127n;
const k1 = 0xb492b66fbe98f273n;
const k2 = 0x9ae16a3b2f90404fn;
const k3 = 0xc949d7c7509e6557n;
const kMul = 0x9ddfea08eb382d69n;

export interface U128 { readonly low: bigint; readonly high: bigint }

const mul = (a: bigint, b: bigint): bigint => (a * b) & M64;
const add = (a: bigint, b: bigint): bigint => (a + b) & M64;
const rot = (v: bigint, shift: bigint): bigint => (shift === 0n ? v : ((v >> shift) | (v << (64n - shift))) & M64);
const shiftMix = (v: bigint): bigint => v ^ (v >> 47n);

function hash16(u: bigint, v: bigint): bigint {
  let a = mul(u ^ v, kMul);
  a ^= a >> 47n;
  let b = mul(v ^ a, kMul);
  b ^= b >> 47n;
  return mul(b, kMul);
}

function hash0to16(s: DataView, at: number, len: number): bigint {
  if (len > 8) {
    const a = s.getBigUint64(at, true);
    const b = s.getBigUint64(at + len - 8, true);
    return hash16(a, rot(add(b, BigInt(len)), BigInt(len))) ^ b;
  }
  if (len >= 4) {
    const a = BigInt(s.getUint32(at, true));
    return hash16(BigInt(len) + (a << 3n), BigInt(s.getUint32(at + len - 4, true)));
  }
  if (len > 0) {
    const y = (s.getUint8(at) + (s.getUint8(at + (len >> 1)) << 8)) >>> 0;
    const z = (len + (s.getUint8(at + len - 1) << 2)) >>> 0;
    return mul(shiftMix(mul(BigInt(y), k2) ^ mul(BigInt(z), k3)), k2);
  }
  return k2;
}

function murmur(s: DataView, at: number, len: number, seedLow: bigint, seedHigh: bigint): U128 {
  let a = seedLow;
  let b = seedHigh;
  let c: bigint;
  let d: bigint;
  let l = len - 16;
  if (l <= 0) {
    a = mul(shiftMix(mul(a, k1)), k1);
    c = add(mul(b, k1), hash0to16(s, at, len));
    d = shiftMix(add(a, len >= 8 ? s.getBigUint64(at, true) : c));
  } else {
    c = hash16(add(s.getBigUint64(at + len - 8, true), k1), a);
    d = hash16(add(b, BigInt(len)), add(c, s.getBigUint64(at + len - 16, true)));
    a = add(a, d);
    do {
      a ^= mul(shiftMix(mul(s.getBigUint64(at, true), k1)), k1);
      a = mul(a, k1);
      b ^= a;
      c ^= mul(shiftMix(mul(s.getBigUint64(at + 8, true), k1)), k1);
      c = mul(c, k1);
      d ^= c;
      at += 16;
      l -= 16;
    } while (l > 0);
  }
  a = hash16(a, c);
  b = hash16(d, b);
  return { low: a ^ b, high: hash16(b, a) };
}

/** Returns [a+z, b+c] of CityHash's WeakHashLen32WithSeeds over the 32 bytes at `at`. */
function weak32(s: DataView, at: number, a: bigint, b: bigint): [bigint, bigint] {
  const w = s.getBigUint64(at, true);
  const x = s.getBigUint64(at + 8, true);
  const y = s.getBigUint64(at + 16, true);
  const z = s.getBigUint64(at + 24, true);
  a = add(a, w);
  b = rot(add(add(b, a), z), 21n);
  const c = a;
  a = add(add(a, x), y);
  b = add(b, rot(a, 44n));
  return [add(a, z), add(b, c)];
}

function withSeed(s: DataView, start: number, len: number, seedLow: bigint, seedHigh: bigint): U128 {
  if (len < 128) return murmur(s, start, len, seedLow, seedHigh);
  const end = start + len;
  let x = seedLow;
  let y = seedHigh;
  let z = mul(BigInt(len), k1);
  let v0 = add(mul(rot(y ^ k1, 49n), k1), s.getBigUint64(start, true));
  let v1 = add(mul(rot(v0, 42n), k1), s.getBigUint64(start + 8, true));
  let w0 = add(mul(rot(add(y, z), 35n), k1), x);
  let w1 = mul(rot(add(x, s.getBigUint64(start + 88, true)), 53n), k1);
  let at = start;
  while (end - at >= 128) {
    for (let half = 0; half < 2; half++) {
      x = mul(rot(add(add(add(x, y), v0), s.getBigUint64(at + 16, true)), 37n), k1);
      y = mul(rot(add(add(y, v1), s.getBigUint64(at + 48, true)), 42n), k1);
      x ^= w1;
      y ^= v0;
      z = rot(z ^ w0, 33n);
      [v0, v1] = weak32(s, at, mul(v1, k1), add(x, w0));
      [w0, w1] = weak32(s, at + 32, add(z, w1), y);
      [z, x] = [x, z];
      at += 64;
    }
  }
  y = add(y, add(mul(rot(w0, 37n), k0), z));
  x = add(x, mul(rot(add(v0, z), 49n), k0));
  // Up to four 32-byte chunks from the end of the input.
  for (let done = 0; done < end - at;) {
    done += 32;
    y = add(mul(rot((y - x) & M64, 42n), k0), v1);
    w0 = add(w0, s.getBigUint64(end - done + 16, true));
    x = add(mul(rot(x, 49n), k0), w0);
    w0 = add(w0, v0);
    [v0, v1] = weak32(s, end - done, v0, v1);
  }
  x = hash16(x, v0);
  y = hash16(y, w0);
  return { low: add(hash16(add(x, v1), w1), y), high: hash16(add(x, w1), add(y, v1)) };
}

/** ClickHouse's CityHash128 of `bytes` (low and high 64-bit halves, as stored little-endian in a block header). */
export function cityHash128(bytes: Uint8Array): U128 {
  const s = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.byteLength;
  if (len >= 16) return withSeed(s, 16, len - 16, s.getBigUint64(0, true) ^ k3, s.getBigUint64(8, true));
  if (len >= 8) {
    return withSeed(s, 0, 0, s.getBigUint64(0, true) ^ mul(BigInt(len), k0), s.getBigUint64(len - 8, true) ^ k1);
  }
  return withSeed(s, 0, len, k0, k1);
}
