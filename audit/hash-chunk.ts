/**
 * Reads one chunk file once: its SHA-256 and the leaf hash of every record, in order. Runs in a
 * worker thread when verify checks several files at once (chunk-hasher-pool.ts).
 *
 * The file is read synchronously in blocks of BLOCK_BYTES into one buffer reused for the whole
 * file: each block is hashed into the file hash, then every record ending in it is leaf-hashed
 * where it lies (the byte before it borrowed for the 0x00 prefix), and the unfinished tail is moved
 * to the front for the next read. Nothing is allocated per record. A record longer than a block
 * (a hostile file of one endless line) is hashed incrementally instead of held, and at most
 * `maxLeaves` leaves are kept (the rest only counted), so memory is bounded whatever the file
 * holds. CSV records may hold quoted line breaks: a newline ends a record only when the quotes
 * before it in the record are balanced (RFC 4180), and the header line is not a record.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { HASH_BYTES, alignedSubtrees, leafHashInPlace } from './merkle.ts';
import type { RecordFormat } from './record-format.ts';

export interface ChunkHashes {
  sha256: string;
  bytes: number;
  /** Records found (may exceed the leaves kept: see `maxLeaves`). */
  records: number;
  /** Packed 32-byte leaf hashes of the first `maxLeaves` records. */
  leaves: Buffer;
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
  /** Offset at which the next leaf goes, room made (read `buf` after calling: it may be replaced). */
  next(): number {
    if ((this.n + 1) * HASH_BYTES > this.buf.length) {
      const grown = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(grown, 0, 0, this.n * HASH_BYTES);
      this.buf = grown;
    }
    return this.n++ * HASH_BYTES;
  }
  packed(): Buffer {
    return this.buf.subarray(0, this.n * HASH_BYTES);
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

/** `capacity`: the records expected (verify knows the signed count), so the leaf list is allocated once; otherwise it grows by doubling. */
export async function hashChunk(file: string | number, format: RecordFormat, first: number, maxLeaves = Infinity, capacity = 4096): Promise<ChunkHashes> {
  return hashChunkIf(file, format, first, maxLeaves, null, capacity)!;
}

/** `file`: a path, or a file descriptor opened by the caller (read from its current position; not closed). */
export function hashChunkSync(file: string | number, format: RecordFormat, first: number, maxLeaves = Infinity): ChunkHashes {
  return hashChunkIf(file, format, first, maxLeaves, null)!;
}

/**
 * The same, but null as soon as `accept` refuses the whole records of a block (each block's records
 * are offered once, in order; a record longer than a block is never offered and counts as refused).
 * The export uses it on chunk files the store wrote, to find a record that needs rewriting.
 */
export function hashChunkIf(file: string | number, format: RecordFormat, first: number, maxLeaves: number, accept: ((records: Buffer) => boolean) | null, capacity = 4096): ChunkHashes | null {
  const fileHash = createHash('sha256');
  const leaves = new Leaves(Math.min(capacity, maxLeaves));
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
    if (leaves.n >= maxLeaves) return;
    const at = leaves.next();
    if (leaf) leaf.copy(leaves.buf, at);
    else leafHashInPlace(buf, start, end, leaves.buf, at);
  };

  const fd = typeof file === 'number' ? file : openSync(file, 'r');
  try {
    for (;;) {
      const n = readSync(fd, buf, 1 + held, BLOCK_BYTES, null);
      if (n === 0) break;
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
  const packed = leaves.packed();
  const subtrees = alignedSubtrees(packed, first);
  return {
    sha256: fileHash.digest('hex'),
    bytes,
    records,
    leaves: packed,
    first,
    subtreeSizes: subtrees.map((t) => t.size),
    subtreeRoots: Buffer.concat(subtrees.map((t) => t.root)),
  };
}
