/**
 * Reads one chunk file once: its SHA-256 and the leaf hash of every record, in order. Runs in a
 * worker thread when verify checks several files at once (chunk-hasher-pool.ts).
 *
 * The file is read synchronously in blocks of BLOCK_BYTES into one buffer reused for the whole
 * file: each block is hashed into the file hash, then every record ending in it is leaf-hashed
 * where it lies (the byte before it borrowed for the 0x00 prefix), and the unfinished tail is moved
 * to the front for the next read. Nothing is allocated per record. A record longer than a block
 * (a hostile file of one endless line) is hashed incrementally instead of held. Leaves go out in
 * blocks: into the SHA-256 of all of them (what a `.leaves` file holds) and into the Merkle
 * subtrees the file covers; only the first `keep` are kept, so verify checks a file of any size
 * in bounded memory and keeps leaves only to say which records changed. At most `maxLeaves` are
 * hashed (the rest only counted), so a hostile file of endless newlines costs no more than that.
 * CSV records may hold quoted line breaks: a newline ends a record only when the quotes before it
 * in the record are balanced (RFC 4180), and the header line is not a record.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { AlignedSubtreeBuilder, HASH_BYTES, leafHashInPlace } from './merkle.ts';
import type { RecordFormat } from './record-format.ts';

export interface ChunkHashes {
  sha256: string;
  bytes: number;
  /** Records found (may exceed the leaves kept: see `maxLeaves`). */
  records: number;
  /** Packed 32-byte leaf hashes of the first `keep` records. */
  leaves: Buffer;
  /** SHA-256 of every leaf hashed (the first `maxLeaves`), packed in order: a `.leaves` file's hash. */
  leavesSha256: string;
  /** The leaves as aligned perfect subtrees of a tree in which this file starts at leaf `first` (merkle.ts alignedSubtrees). */
  first: number;
  subtreeSizes: number[];
  /** Their roots, packed 32 bytes each. */
  subtreeRoots: Buffer;
}

const BLOCK_BYTES = 1 << 20;
const NEWLINE = 0x0a;
const QUOTE = 0x22;
const ZERO = Buffer.alloc(1);

/** Growable packed leaf list. */
class Leaves {
  buf: Buffer;
  n = 0;
  /** `capacity`: the leaves expected; when it is right the list never grows, and `packed()` is the whole buffer. */
  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(HASH_BYTES * Math.max(1, capacity));
  }
  add(leaves: Uint8Array): void {
    const need = this.n * HASH_BYTES + leaves.length;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.n * HASH_BYTES);
      this.buf = grown;
    }
    this.buf.set(leaves, this.n * HASH_BYTES);
    this.n += leaves.length / HASH_BYTES;
  }
  packed(): Buffer {
    return this.buf.subarray(0, this.n * HASH_BYTES);
  }
}

const BLOCK_LEAVES = 4096;

/** LeafSink's block: one per thread, as the read buffer below (hashChunkIf is synchronous). */
let leafBlock: Buffer | null = null;

/** Where leaves go as they are hashed: a block at a time into the leaves' SHA-256, the subtrees, and the kept list. */
class LeafSink {
  readonly block = (leafBlock ??= Buffer.allocUnsafe(BLOCK_LEAVES * HASH_BYTES));
  n = 0;
  readonly hash = createHash('sha256');
  readonly subtrees: AlignedSubtreeBuilder;
  readonly kept: Leaves;
  readonly #keep: number;

  constructor(first: number, keep: number, capacity: number) {
    this.subtrees = new AlignedSubtreeBuilder(first);
    this.#keep = keep;
    this.kept = new Leaves(Math.min(keep, capacity));
  }

  /** Offset in `block` for the next leaf. */
  next(): number {
    if (this.n === BLOCK_LEAVES) this.flush();
    return this.n++ * HASH_BYTES;
  }

  flush(): void {
    if (this.n === 0) return;
    const leaves = this.block.subarray(0, this.n * HASH_BYTES);
    this.hash.update(leaves);
    this.subtrees.pushLeaves(leaves);
    const room = Math.min(this.n, this.#keep - this.kept.n);
    if (room > 0) this.kept.add(leaves.subarray(0, room * HASH_BYTES));
    this.n = 0;
  }
}

function countQuotes(b: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = b.indexOf(QUOTE, from); i >= 0 && i < to; i = b.indexOf(QUOTE, i + 1)) n++;
  return n;
}

/**
 * The read buffer, one per thread and reused for every file it hashes: a fresh 2 MiB a file is
 * memory outside the V8 heap that a hashing worker, whose heap hardly grows, frees only when a
 * collection happens to run (docs/audit.md: verify's peak memory).
 */
let readBuffer: Buffer | null = null;

export interface HashOptions {
  /** Leaves to keep and return (default: all); the rest only go into the leaves' SHA-256 and the subtrees. */
  keep?: number;
  /** Leaves expected, so the kept list is allocated once (verify knows the signed count); otherwise it grows by doubling. */
  capacity?: number;
}

export async function hashChunk(file: string | number, format: RecordFormat, first: number, maxLeaves = Infinity, opts: HashOptions = {}): Promise<ChunkHashes> {
  return hashChunkIf(file, format, first, maxLeaves, null, opts)!;
}

/** `file`: a path, or a file descriptor opened by the caller (read from its start; not closed). */
export function hashChunkSync(file: string | number, format: RecordFormat, first: number, maxLeaves = Infinity, opts: HashOptions = {}): ChunkHashes {
  return hashChunkIf(file, format, first, maxLeaves, null, opts)!;
}

/**
 * The same, but null as soon as `accept` refuses the whole records of a block (each block's records
 * are offered once, in order; a record longer than a block is never offered and counts as refused).
 * The export uses it on chunk files the store wrote, to find a record that needs rewriting.
 */
export function hashChunkIf(file: string | number, format: RecordFormat, first: number, maxLeaves: number, accept: ((records: Buffer) => boolean) | null, opts: HashOptions = {}): ChunkHashes | null {
  const fileHash = createHash('sha256');
  const leaves = new LeafSink(first, Math.min(opts.keep ?? Infinity, maxLeaves), opts.capacity ?? 4096);
  let hashed = 0;
  const csv = format === 'csv';
  let skipHeader = csv;
  let records = 0;
  let bytes = 0;
  // buf[0] is spare (the prefix byte of a record at the front); text from 1, `held` bytes of an unfinished record first.
  // (This function is synchronous and nothing it returns refers to the buffer, so one per thread serves every call.)
  const buf = (readBuffer ??= Buffer.allocUnsafe(1 + 2 * BLOCK_BYTES));
  let held = 0;
  /** The unfinished record, when it grew longer than a block: hashed as it is read, not held. */
  let long: Hash | null = null;
  /** CSV: quotes in the unfinished record so far (odd: inside a quoted field). */
  let quotes = 0;

  const emit = (start: number, end: number): void => {
    let leaf: Buffer | null = null;
    if (long) {
      leaf = long.update(buf.subarray(start, end)).digest();
      long = null;
    }
    if (skipHeader) {
      skipHeader = false;
      return;
    }
    records++;
    if (hashed >= maxLeaves) return;
    hashed++;
    const at = leaves.next();
    if (leaf) leaf.copy(leaves.block, at);
    else leafHashInPlace(buf, start, end, leaves.block, at);
  };

  const fd = typeof file === 'number' ? file : openSync(file, 'r');
  try {
    // Positioned reads from the start: a caller's descriptor can be hashed again (verify's second look at a changed file).
    for (let position = 0; ; ) {
      const n = readSync(fd, buf, 1 + held, BLOCK_BYTES, position);
      if (n === 0) break;
      position += n;
      const from = 1 + held;
      const end = from + n;
      fileHash.update(buf.subarray(from, end));
      bytes += n;
      let recStart = 1;
      let pos = from;
      for (let nl = buf.indexOf(NEWLINE, pos); nl >= 0 && nl < end; nl = buf.indexOf(NEWLINE, pos)) {
        if (csv) {
          quotes += countQuotes(buf, pos, nl);
          pos = nl + 1;
          if (quotes % 2 === 1) continue; // a line break inside a quoted field
          quotes = 0;
        }
        emit(recStart, nl);
        recStart = pos = nl + 1;
      }
      if (csv) quotes += countQuotes(buf, pos, end);
      if (accept && recStart > 1 && !accept(buf.subarray(1, recStart))) return null;
      held = end - recStart;
      if (held > BLOCK_BYTES) {
        if (accept) return null;
        (long ??= createHash('sha256').update(ZERO)).update(buf.subarray(recStart, end));
        held = 0;
      } else {
        buf.copyWithin(1, recStart, end);
      }
    }
    // Bytes after the last newline: a record missing its terminator.
    if (accept && (long || (held > 0 && !accept(buf.subarray(1, 1 + held))))) return null;
    if (held > 0 || long) emit(1, 1 + held);
  } finally {
    if (typeof file !== 'number') closeSync(fd);
  }
  leaves.flush();
  const subtrees = leaves.subtrees.subtrees;
  return {
    sha256: fileHash.digest('hex'),
    bytes,
    records,
    leaves: leaves.kept.packed(),
    leavesSha256: leaves.hash.digest('hex'),
    first,
    subtreeSizes: subtrees.map((t) => t.size),
    subtreeRoots: Buffer.concat(subtrees.map((t) => t.root)),
  };
}
