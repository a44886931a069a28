/**
 * Merkle tree hashing as RFC 6962 / RFC 9162 (Certificate Transparency) define it:
 * leaf = SHA-256(0x00 ‖ entry), node = SHA-256(0x01 ‖ left ‖ right), and a tree of n > 1 leaves is
 * split at k, the largest power of two smaller than n. The 0x00/0x01 prefixes keep a leaf from ever
 * being passed off as an inner node (second-preimage protection).
 *
 * Hand-written rather than taken from a library: it is a few dozen lines over node:crypto, it has
 * to stream (one pass, O(log n) memory) for million-record exports, and the npm Merkle libraries
 * either use other hashing rules or keep every level in memory.
 */
import { createHash, hash } from 'node:crypto';

export const HASH_BYTES = 32;
const NODE_PREFIX = Buffer.from([0x01]);

/**
 * SHA-256 as a Buffer. hash(…, 'buffer') makes a new ArrayBuffer on the C++ side for every call,
 * which costs more than hashing a whole record; a latin1 string (one character per byte) and a copy
 * from V8's pooled Buffer allocator cost a fraction of that, so that is how every hash here is
 * returned (figures in docs/audit.md, "Where verify's time goes").
 */
export function sha256Bytes(input: Uint8Array | string): Buffer {
  return Buffer.from(hash('sha256', input, 'binary'), 'latin1');
}

/** SHA-256 of input written as 32 bytes into out at offset: no Buffer made at all. */
export function sha256Into(input: Uint8Array, out: Buffer, offset: number): void {
  out.write(hash('sha256', input, 'binary'), offset, HASH_BYTES, 'latin1');
}

/** Leaf hash of a record given as a string; the record's bytes are its UTF-8 encoding. */
export function leafHashOfString(record: string): Buffer {
  // '\0' encodes to the single byte 0x00 in UTF-8, so this is SHA-256(0x00 ‖ utf8(record)) in one call.
  return sha256Bytes('\0' + record);
}

// One-shot hash() over a scratch buffer holding the prefix and the input: a third of the cost of
// createHash().update().update().digest() for inputs this small (a Hash object per call dominates).
let leafScratch = Buffer.alloc(1 << 16);

/** Leaf hash of a record given as bytes. */
export function leafHashOfBytes(record: Uint8Array): Buffer {
  if (record.length + 1 > leafScratch.length) leafScratch = Buffer.alloc(2 * (record.length + 1));
  leafScratch[0] = 0x00;
  leafScratch.set(record, 1);
  return sha256Bytes(leafScratch.subarray(0, record.length + 1));
}

/**
 * Leaf hash of the record in buf[start, end), written into out at offset. Borrows the byte before
 * the record (start >= 1) for the 0x00 prefix and puts it back: no copy of the record.
 */
export function leafHashInPlace(buf: Buffer, start: number, end: number, out: Buffer, offset: number): void {
  const before = buf[start - 1]!;
  buf[start - 1] = 0x00;
  sha256Into(buf.subarray(start - 1, end), out, offset);
  buf[start - 1] = before;
}

const nodeScratch = Buffer.alloc(1 + 2 * HASH_BYTES);

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_BYTES || right.length !== HASH_BYTES) {
    return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
  }
  nodeScratch[0] = 0x01;
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_BYTES);
  return sha256Bytes(nodeScratch);
}

/** MTH({}) = SHA-256 of the empty string. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

/** Largest power of two strictly smaller than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * Streaming tree head: push leaves in order, read the root at any time. Keeps one hash per set
 * bit of the leaf count, so memory is O(log n) whatever the size of the export.
 */
export class MerkleAccumulator {
  #stack: { hash: Buffer; size: number }[] = [];
  #count = 0;

  get size(): number {
    return this.#count;
  }

  /** An independent accumulator in the same state (the stack holds immutable hashes). */
  clone(): MerkleAccumulator {
    const copy = new MerkleAccumulator();
    copy.#stack = [...this.#stack];
    copy.#count = this.#count;
    return copy;
  }

  push(leaf: Buffer): void {
    this.pushSubtree(leaf, 1);
  }

  /**
   * Pushes the root of a perfect subtree of `size` leaves (a power of two) that starts at the
   * current size, which must be a multiple of `size` — the blocks alignedSubtrees() returns.
   * Same result as pushing its leaves one by one.
   */
  pushSubtree(root: Buffer, size: number): void {
    if (!Number.isSafeInteger(size) || size < 1 || 2 ** Math.round(Math.log2(size)) !== size || this.#count % size !== 0) {
      throw new RangeError(`a subtree of ${size} leaves cannot start at leaf ${this.#count}`);
    }
    let entry = { hash: root, size };
    // Merge equal-sized perfect subtrees: the left-to-right complete subtrees RFC 6962's split produces.
    while (this.#stack.length > 0 && this.#stack[this.#stack.length - 1]!.size === entry.size) {
      const left = this.#stack.pop()!;
      entry = { hash: nodeHash(left.hash, entry.hash), size: left.size * 2 };
    }
    this.#stack.push(entry);
    this.#count += size;
  }

  root(): Buffer {
    if (this.#stack.length === 0) return EMPTY_ROOT;
    let h = this.#stack[this.#stack.length - 1]!.hash;
    for (let i = this.#stack.length - 2; i >= 0; i--) h = nodeHash(this.#stack[i]!.hash, h);
    return h;
  }
}

/** Leaves packed as consecutive 32-byte hashes (the `.leaves` files of an export). */
export function leafAt(leaves: Uint8Array, i: number): Buffer {
  return Buffer.from(leaves.buffer, leaves.byteOffset + i * HASH_BYTES, HASH_BYTES);
}

/** MTH of leaves[lo, hi). */
export function subtreeRoot(leaves: Uint8Array, lo: number, hi: number): Buffer {
  const n = hi - lo;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return leafAt(leaves, lo);
  const k = splitPoint(n);
  return nodeHash(subtreeRoot(leaves, lo, lo + k), subtreeRoot(leaves, lo + k, hi));
}

/**
 * Splits leaves [first, first + n) of a larger tree into the fewest perfect subtrees that each
 * start at a multiple of their size, left to right, with their roots: what
 * MerkleAccumulator.pushSubtree takes, so a tree can be built from chunks hashed elsewhere (the
 * worker threads of verify) with O(log n) work where the chunks meet.
 */
export function alignedSubtrees(leaves: Uint8Array, first: number): { size: number; root: Buffer }[] {
  const n = leaves.length / HASH_BYTES;
  const out: { size: number; root: Buffer }[] = [];
  for (let p = 0; p < n; ) {
    let size = 1;
    while ((first + p) % (size * 2) === 0 && p + size * 2 <= n) size *= 2;
    out.push({ size, root: perfectSubtreeRoot(leaves, p, size) });
    p += size;
  }
  return out;
}

/**
 * alignedSubtrees() for leaves that arrive in pieces: each piece's aligned blocks are pushed in
 * order, and adjacent equal blocks that together start at a multiple of their joint size are
 * joined, so the result is the same fewest aligned perfect subtrees as alignedSubtrees() over all
 * the leaves, with O(log n) held at a time (verify hashes a chunk file without keeping its leaves).
 */
export class AlignedSubtreeBuilder {
  readonly #stack: { start: number; size: number; root: Buffer }[] = [];
  #next: number;

  constructor(first: number) {
    this.#next = first;
  }

  /** The next `leaves` (packed), which start where the previous ones ended. */
  pushLeaves(leaves: Uint8Array): void {
    for (const t of alignedSubtrees(leaves, this.#next)) this.#push(t.root, t.size);
  }

  #push(root: Buffer, size: number): void {
    let e = { start: this.#next, size, root };
    this.#next += size;
    for (let top = this.#stack.at(-1); top && top.size === e.size && top.start % (2 * e.size) === 0; top = this.#stack.at(-1)) {
      this.#stack.pop();
      e = { start: top.start, size: 2 * e.size, root: nodeHash(top.root, e.root) };
    }
    this.#stack.push(e);
  }

  /** The subtrees so far, left to right. */
  get subtrees(): { size: number; root: Buffer }[] {
    return this.#stack.map((t) => ({ size: t.size, root: t.root }));
  }
}

let levelScratch = Buffer.alloc(0);

/**
 * MTH of the `size` leaves from leaf lo, size a power of two: the same as subtreeRoot, computed
 * level by level in one scratch buffer rather than recursively, so no Buffer is made per node.
 * Each pair's two hashes are adjacent, and the byte before the pair (already consumed) is
 * overwritten with the 0x01 node prefix; each parent is written over the front of the level.
 */
export function perfectSubtreeRoot(leaves: Uint8Array, lo: number, size: number): Buffer {
  if (size === 1) return Buffer.from(leafAt(leaves, lo));
  const need = 1 + size * HASH_BYTES;
  if (levelScratch.length < need) levelScratch = Buffer.allocUnsafe(need);
  const s = levelScratch;
  s.set(leaves.subarray(lo * HASH_BYTES, (lo + size) * HASH_BYTES), 1);
  for (let width = size; width > 1; width /= 2) {
    for (let j = 0; j < width / 2; j++) {
      const at = 1 + j * 2 * HASH_BYTES;
      // s[at - 1] is the last byte of the previous pair's right child, or the spare byte 0.
      s[at - 1] = 0x01;
      sha256Into(s.subarray(at - 1, at + 2 * HASH_BYTES), s, 1 + j * HASH_BYTES);
    }
  }
  return Buffer.from(s.subarray(1, 1 + HASH_BYTES));
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]): the audit path for leaf m, bottom up. */
export function inclusionPath(leaves: Uint8Array, m: number, lo = 0, hi = leaves.length / HASH_BYTES): Buffer[] {
  const n = hi - lo;
  if (m < 0 || m >= n) throw new RangeError(`leaf index ${m} is outside a tree of ${n} leaves`);
  if (n === 1) return [];
  const k = splitPoint(n);
  if (m < k) return [...inclusionPath(leaves, m, lo, lo + k), subtreeRoot(leaves, lo + k, hi)];
  return [...inclusionPath(leaves, m - k, lo + k, hi), subtreeRoot(leaves, lo, lo + k)];
}

/** RFC 9162 §2.1.3.2: recompute the root from a leaf hash and its audit path. Null when the path cannot fit the tree. */
export function rootFromInclusionPath(leafIndex: number, treeSize: number, leaf: Uint8Array, path: readonly Uint8Array[]): Buffer | null {
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize) || leafIndex < 0 || leafIndex >= treeSize) return null;
  // Bit operations on numbers are 32-bit, so halve with Math.floor to stay exact for any safe size.
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}
