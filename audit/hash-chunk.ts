/**
 * Reads one chunk file once: its SHA-256 and the leaf hash of every record, in order. Runs in a
 * worker thread when verify checks several files at once (chunk-hasher-pool.ts).
 *
 * JSON Lines (and OCSF) files are read synchronously in blocks of BLOCK_BYTES into one buffer that
 * is reused for the whole file: each block is hashed into the file hash, then every record ending
 * in it is leaf-hashed where it lies (the byte before it borrowed for the 0x00 prefix), and the
 * unfinished tail is moved to the front for the next read. Nothing is allocated per record but
 * the view handed to hash(). A block small enough to stay in the CPU cache between the two hash
 * passes measured fastest. CSV, whose records may hold quoted line breaks, goes through
 * RecordSplitter.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { HASH_BYTES, alignedSubtrees, leafHashInPlace, leafHashOfBytes } from './merkle.ts';
import type { RecordFormat } from './record-formats.ts';
import { RecordSplitter } from './record-splitter.ts';

export interface ChunkHashes {
  sha256: string;
  bytes: number;
  /** Packed 32-byte leaf hashes. */
  leaves: Buffer;
  /** The leaves as aligned perfect subtrees of a tree in which this file starts at leaf `first` (merkle.ts alignedSubtrees). */
  first: number;
  subtreeSizes: number[];
  /** Their roots, packed 32 bytes each. */
  subtreeRoots: Buffer;
}

const BLOCK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

/** Growable packed leaf list. */
class Leaves {
  buf = Buffer.allocUnsafe(HASH_BYTES * 4096);
  n = 0;
  add(leaf: Buffer): void {
    const at = this.next();
    leaf.copy(this.buf, at);
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

export async function hashChunk(path: string, format: RecordFormat, first: number): Promise<ChunkHashes> {
  return hashChunkSync(path, format, first);
}

export function hashChunkSync(path: string, format: RecordFormat, first: number): ChunkHashes {
  const fileHash = createHash('sha256');
  const leaves = new Leaves();
  let bytes = 0;
  const fd = openSync(path, 'r');
  try {
    if (format === 'csv') {
      const splitter = new RecordSplitter(format);
      // A new block each read: the splitter keeps views of the previous one (a quoted line break).
      for (let block = Buffer.allocUnsafe(BLOCK_BYTES), n; (n = readSync(fd, block, 0, block.length, null)) > 0; block = Buffer.allocUnsafe(BLOCK_BYTES)) {
        const chunk = block.subarray(0, n);
        fileHash.update(chunk);
        bytes += n;
        for (const record of splitter.push(chunk)) leaves.add(leafHashOfBytes(record));
      }
      for (const record of splitter.end()) leaves.add(leafHashOfBytes(record));
    } else {
      // buf[0] is spare (the prefix byte of a record at the front); text from 1, `held` bytes of an unfinished record first.
      let buf = Buffer.allocUnsafe(1 + BLOCK_BYTES);
      let held = 0;
      for (;;) {
        if (1 + held + BLOCK_BYTES > buf.length) {
          // One record longer than the buffer holds: grow it.
          const grown = Buffer.allocUnsafe(2 * buf.length);
          buf.copy(grown, 0, 0, 1 + held);
          buf = grown;
        }
        const n = readSync(fd, buf, 1 + held, buf.length - 1 - held, null);
        if (n === 0) break;
        fileHash.update(buf.subarray(1 + held, 1 + held + n));
        bytes += n;
        const end = 1 + held + n;
        const view = buf.subarray(0, end);
        let start = 1;
        for (let nl = view.indexOf(NEWLINE, start); nl >= 0; nl = view.indexOf(NEWLINE, start)) {
          const at = leaves.next();
          leafHashInPlace(buf, start, nl, leaves.buf, at);
          start = nl + 1;
        }
        held = end - start;
        buf.copyWithin(1, start, end);
      }
      // Bytes after the last newline: a record missing its terminator.
      if (held > 0) {
        const at = leaves.next();
        leafHashInPlace(buf, 1, 1 + held, leaves.buf, at);
      }
    }
  } finally {
    closeSync(fd);
  }
  const packed = leaves.packed();
  const subtrees = alignedSubtrees(packed, first);
  return {
    sha256: fileHash.digest('hex'),
    bytes,
    leaves: packed,
    first,
    subtreeSizes: subtrees.map((t) => t.size),
    subtreeRoots: Buffer.concat(subtrees.map((t) => t.root)),
  };
}
