/**
 * CityHash128 as ClickHouse uses it (CityHash v1.0.2, which ClickHouse keeps frozen): the checksum of
 * every block of ClickHouse's native compression (server/clickhouse-native-compression.ts).
 *
 * Hand-written: no npm package implements this version's 128-bit hash (later CityHash versions and
 * FarmHash give different values). 64-bit words are kept as two unsigned 32-bit halves in plain numbers
 * (faster than a BigInt version, which was the largest share of the HTTP interface's work per
 * exporter batch; both measured in docs/storage.md). Results come back through the module's
 * `H`/`L` registers to avoid allocating a pair per operation.
 */

export interface U128 { readonly low: bigint; readonly high: bigint }

// Registers: every 64-bit helper leaves its result in (H, L).
let H = 0;
let L = 0;

const K0H = 0xc3a5c85c, K0L = 0x97cb3127;
const K1H = 0xb492b66f, K1L = 0xbe98f273;
const K2H = 0x9ae16a3b, K2L = 0x2f90404f;
const K3H = 0xc949d7c7, K3L = 0x509e6557;
const KMH = 0x9ddfea08, KML = 0xeb382d69;

function add(ah: number, al: number, bh: number, bl: number): void {
  const lo = al + bl;
  L = lo >>> 0;
  H = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}
function sub(ah: number, al: number, bh: number, bl: number): void {
  const lo = al - bl;
  L = lo >>> 0;
  H = (ah - bh - (lo < 0 ? 1 : 0)) >>> 0;
}
/** The low 64 bits of a × b. */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
  const p00 = a0 * b0;
  const mid = a0 * b1 + a1 * b0 + (p00 >>> 16);
  L = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  const carry = a1 * b1 + Math.floor(mid / 65536);
  H = (carry + Math.imul(al, bh) + Math.imul(ah, bl)) >>> 0;
}
/** Rotate right by 0 < s < 64. */
function rot(h: number, l: number, s: number): void {
  if (s === 32) { H = l; L = h; return; }
  if (s > 32) { const t = h; h = l; l = t; s -= 32; }
  H = ((h >>> s) | (l << (32 - s))) >>> 0;
  L = ((l >>> s) | (h << (32 - s))) >>> 0;
}
/** v ^ (v >> 47). */
function shiftMix(h: number, l: number): void {
  L = (l ^ (h >>> 15)) >>> 0;
  H = h;
}
/** ClickHouse's Hash128to64 (CityHash's HashLen16). */
function hash16(uh: number, ul: number, vh: number, vl: number): void {
  mul((uh ^ vh) >>> 0, (ul ^ vl) >>> 0, KMH, KML);
  shiftMix(H, L);
  const ah = H, al = L;
  mul((vh ^ ah) >>> 0, (vl ^ al) >>> 0, KMH, KML);
  shiftMix(H, L);
  mul(H, L, KMH, KML);
}

let buf: Uint8Array = new Uint8Array(0);
let dv = new DataView(buf.buffer);
const f32 = (at: number): number => dv.getUint32(at, true);
/** Fetch64 into (H, L). */
function f64(at: number): void { L = dv.getUint32(at, true); H = dv.getUint32(at + 4, true); }

function hash0to16(at: number, len: number): void {
  if (len > 8) {
    f64(at); const ah = H, al = L;
    f64(at + len - 8); const bh = H, bl = L;
    add(bh, bl, 0, len); rot(H, L, len);
    hash16(ah, al, H, L);
    H = (H ^ bh) >>> 0; L = (L ^ bl) >>> 0;
    return;
  }
  if (len >= 4) {
    const a = f32(at);
    // len + (a << 3) as 64 bits
    add(a >>> 29, (a << 3) >>> 0, 0, len);
    hash16(H, L, 0, f32(at + len - 4));
    return;
  }
  if (len > 0) {
    const y = (buf[at]! + (buf[at + (len >> 1)]! << 8)) >>> 0;
    const z = (len + (buf[at + len - 1]! << 2)) >>> 0;
    mul(0, y, K2H, K2L); const yh = H, yl = L;
    mul(0, z, K3H, K3L);
    shiftMix((yh ^ H) >>> 0, (yl ^ L) >>> 0);
    mul(H, L, K2H, K2L);
    return;
  }
  H = K2H; L = K2L;
}

/** CityHash128WithSeed for inputs under 128 bytes (CityMurmur). */
function murmur(at: number, len: number, sh: number, sl: number, th: number, tl: number): void {
  let ah = sh, al = sl, bh = th, bl = tl, ch: number, cl: number, dh: number, dl: number;
  let l = len - 16;
  if (l <= 0) {
    mul(ah, al, K1H, K1L); shiftMix(H, L); mul(H, L, K1H, K1L); ah = H; al = L;
    mul(bh, bl, K1H, K1L); const xh = H, xl = L;
    hash0to16(at, len); add(xh, xl, H, L); ch = H; cl = L;
    if (len >= 8) { f64(at); add(ah, al, H, L); } else add(ah, al, ch, cl);
    shiftMix(H, L); dh = H; dl = L;
  } else {
    f64(at + len - 8); add(H, L, K1H, K1L); hash16(H, L, ah, al); ch = H; cl = L;
    add(bh, bl, 0, len); const xh = H, xl = L;
    f64(at + len - 16); add(ch, cl, H, L); hash16(xh, xl, H, L); dh = H; dl = L;
    add(ah, al, dh, dl); ah = H; al = L;
    do {
      f64(at); mul(H, L, K1H, K1L); shiftMix(H, L); mul(H, L, K1H, K1L);
      mul((ah ^ H) >>> 0, (al ^ L) >>> 0, K1H, K1L); ah = H; al = L;
      bh = (bh ^ ah) >>> 0; bl = (bl ^ al) >>> 0;
      f64(at + 8); mul(H, L, K1H, K1L); shiftMix(H, L); mul(H, L, K1H, K1L);
      mul((ch ^ H) >>> 0, (cl ^ L) >>> 0, K1H, K1L); ch = H; cl = L;
      dh = (dh ^ ch) >>> 0; dl = (dl ^ cl) >>> 0;
      at += 16;
      l -= 16;
    } while (l > 0);
  }
  hash16(ah, al, ch, cl); ah = H; al = L;
  hash16(dh, dl, bh, bl); bh = H; bl = L;
  const lowH = (ah ^ bh) >>> 0, lowL = (al ^ bl) >>> 0;
  hash16(bh, bl, ah, al);
  R0H = lowH; R0L = lowL; R1H = H; R1L = L;
}

// The 128-bit result.
let R0H = 0, R0L = 0, R1H = 0, R1L = 0;
// WeakHashLen32WithSeeds result.
let W0H = 0, W0L = 0, W1H = 0, W1L = 0;

/** WeakHashLen32WithSeeds over the 32 bytes at `at` with seeds a, b: result in W0 (a + z) and W1 (b + c). */
function weak32(at: number, ah: number, al: number, bh: number, bl: number): void {
  f64(at); add(ah, al, H, L); ah = H; al = L; // a += w
  f64(at + 24); const zh = H, zl = L;
  add(bh, bl, ah, al); add(H, L, zh, zl); rot(H, L, 21); bh = H; bl = L; // b = rot(b + a + z, 21)
  const ch = ah, cl = al;
  f64(at + 8); add(ah, al, H, L); ah = H; al = L; // a += x
  f64(at + 16); add(ah, al, H, L); ah = H; al = L; // a += y
  rot(ah, al, 44); add(bh, bl, H, L); bh = H; bl = L; // b += rot(a, 44)
  add(ah, al, zh, zl); W0H = H; W0L = L;
  add(bh, bl, ch, cl); W1H = H; W1L = L;
}

function withSeed(start: number, len: number, sh: number, sl: number, th: number, tl: number): void {
  if (len < 128) { murmur(start, len, sh, sl, th, tl); return; }
  const end = start + len;
  let xh = sh, xl = sl, yh = th, yl = tl;
  mul(0, len, K1H, K1L); let zh = H, zl = L;
  // v0 = rot(y ^ k1, 49) * k1 + fetch64(s); v1 = rot(v0, 42) * k1 + fetch64(s + 8)
  rot((yh ^ K1H) >>> 0, (yl ^ K1L) >>> 0, 49); mul(H, L, K1H, K1L); const m0h = H, m0l = L; f64(start); add(m0h, m0l, H, L);
  let v0h = H, v0l = L;
  rot(v0h, v0l, 42); mul(H, L, K1H, K1L); const m1h = H, m1l = L; f64(start + 8); add(m1h, m1l, H, L);
  let v1h = H, v1l = L;
  // w0 = rot(y + z, 35) * k1 + x; w1 = rot(x + fetch64(s + 88), 53) * k1
  add(yh, yl, zh, zl); rot(H, L, 35); mul(H, L, K1H, K1L); add(H, L, xh, xl);
  let w0h = H, w0l = L;
  f64(start + 88); add(xh, xl, H, L); rot(H, L, 53); mul(H, L, K1H, K1L);
  let w1h = H, w1l = L;
  let at = start;
  while (end - at >= 128) {
    for (let half = 0; half < 2; half++) {
      // x = rot(x + y + v0 + fetch64(s + 16), 37) * k1
      add(xh, xl, yh, yl); add(H, L, v0h, v0l); const th1 = H, tl1 = L; f64(at + 16); add(th1, tl1, H, L); rot(H, L, 37); mul(H, L, K1H, K1L);
      xh = H; xl = L;
      // y = rot(y + v1 + fetch64(s + 48), 42) * k1
      add(yh, yl, v1h, v1l); const th2 = H, tl2 = L; f64(at + 48); add(th2, tl2, H, L); rot(H, L, 42); mul(H, L, K1H, K1L);
      yh = H; yl = L;
      xh = (xh ^ w1h) >>> 0; xl = (xl ^ w1l) >>> 0;
      yh = (yh ^ v0h) >>> 0; yl = (yl ^ v0l) >>> 0;
      rot((zh ^ w0h) >>> 0, (zl ^ w0l) >>> 0, 33); zh = H; zl = L;
      mul(v1h, v1l, K1H, K1L); const sah = H, sal = L; add(xh, xl, w0h, w0l);
      weak32(at, sah, sal, H, L); v0h = W0H; v0l = W0L; v1h = W1H; v1l = W1L;
      add(zh, zl, w1h, w1l);
      weak32(at + 32, H, L, yh, yl); w0h = W0H; w0l = W0L; w1h = W1H; w1l = W1L;
      const swh = zh, swl = zl; zh = xh; zl = xl; xh = swh; xl = swl;
      at += 64;
    }
  }
  // y += rot(w0, 37) * k0 + z; x += rot(v0 + z, 49) * k0
  rot(w0h, w0l, 37); mul(H, L, K0H, K0L); add(H, L, zh, zl); add(yh, yl, H, L); yh = H; yl = L;
  add(v0h, v0l, zh, zl); rot(H, L, 49); mul(H, L, K0H, K0L); add(xh, xl, H, L); xh = H; xl = L;
  for (let done = 0; done < end - at;) {
    done += 32;
    // y = rot(y - x, 42) * k0 + v1
    sub(yh, yl, xh, xl); rot(H, L, 42); mul(H, L, K0H, K0L); add(H, L, v1h, v1l); yh = H; yl = L;
    // w0 += fetch64(s + len - done + 16)
    f64(end - done + 16); add(w0h, w0l, H, L); w0h = H; w0l = L;
    // x = rot(x, 49) * k0 + w0
    rot(xh, xl, 49); mul(H, L, K0H, K0L); add(H, L, w0h, w0l); xh = H; xl = L;
    add(w0h, w0l, v0h, v0l); w0h = H; w0l = L;
    weak32(end - done, v0h, v0l, v1h, v1l); v0h = W0H; v0l = W0L; v1h = W1H; v1l = W1L;
  }
  hash16(xh, xl, v0h, v0l); xh = H; xl = L;
  hash16(yh, yl, w0h, w0l); yh = H; yl = L;
  add(xh, xl, v1h, v1l); hash16(H, L, w1h, w1l); add(H, L, yh, yl); R0H = H; R0L = L;
  add(xh, xl, w1h, w1l); const ph = H, pl = L; add(yh, yl, v1h, v1l); hash16(ph, pl, H, L); R1H = H; R1L = L;
}

/** ClickHouse's CityHash128 of `bytes` into the result registers. */
function hashInto(bytes: Uint8Array): void {
  buf = bytes;
  dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.byteLength;
  if (len >= 16) {
    f64(0); const ah = (H ^ K3H) >>> 0, al = (L ^ K3L) >>> 0;
    f64(8);
    withSeed(16, len - 16, ah, al, H, L);
  } else if (len >= 8) {
    mul(0, len, K0H, K0L); const mh = H, ml = L;
    f64(0); const ah = (H ^ mh) >>> 0, al = (L ^ ml) >>> 0;
    f64(len - 8);
    withSeed(0, 0, ah, al, (H ^ K1H) >>> 0, (L ^ K1L) >>> 0);
  } else {
    withSeed(0, len, K0H, K0L, K1H, K1L);
  }
}

/** ClickHouse's CityHash128 of `bytes` (low and high 64-bit halves, as stored little-endian in a block header). */
export function cityHash128(bytes: Uint8Array): U128 {
  hashInto(bytes);
  return { low: (BigInt(R0H) << 32n) | BigInt(R0L), high: (BigInt(R1H) << 32n) | BigInt(R1L) };
}

/** Whether `expected` (16 bytes, little-endian low then high) is the CityHash128 of `bytes`. */
export function cityHash128Matches(bytes: Uint8Array, expected: Uint8Array): boolean {
  hashInto(bytes);
  const e = new DataView(expected.buffer, expected.byteOffset, 16);
  return e.getUint32(0, true) === R0L && e.getUint32(4, true) === R0H && e.getUint32(8, true) === R1L && e.getUint32(12, true) === R1H;
}

/** Writes the CityHash128 of `bytes` into `out` at `at` (16 bytes, little-endian low then high). */
export function writeCityHash128(bytes: Uint8Array, out: Uint8Array, at: number): void {
  hashInto(bytes);
  const o = new DataView(out.buffer, out.byteOffset + at, 16);
  o.setUint32(0, R0L, true); o.setUint32(4, R0H, true); o.setUint32(8, R1L, true); o.setUint32(12, R1H, true);
}
