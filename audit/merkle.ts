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

/** Leaf hash of a record given as a string; the record's bytes are its UTF-8 encoding. */
export function leafHashOfString(record: string): Buffer {
  // '\0' encodes to the single byte 0x00 in UTF-8, so this is SHA-256(0x00 ‖ utf8(record)) in one call.
  return hash('sha256', '\0' + record, 'buffer');
}

const LEAF_PREFIX = Buffer.from([0x00]);
/** Leaf hash of a record given as bytes. */
export function leafHashOfBytes(record: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(record).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
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

  push(leaf: Buffer): void {
    let entry = { hash: leaf, size: 1 };
    // Merge equal-sized perfect subtrees: the left-to-right complete subtrees RFC 6962's split produces.
    while (this.#stack.length > 0 && this.#stack[this.#stack.length - 1]!.size === entry.size) {
      const left = this.#stack.pop()!;
      entry = { hash: nodeHash(left.hash, entry.hash), size: left.size * 2 };
    }
    this.#stack.push(entry);
    this.#count++;
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
