/**
 * A chunk file the store wrote itself: with the store in this process, or a `flightrec up` on this
 * host, each page of JSON Lines records goes from the engine straight into a file
 * (storage/store-client.ts selectIntoNewFile, storage/server-result-file.ts) instead of through a
 * result buffer, this process's memory and a write of its own: less CPU and less memory
 * (docs/audit.md has the figures). The file is then read once in blocks, as verify reads it
 * (hash-chunk.ts): its SHA-256 and every record's leaf, and it is moved into place beside its
 * leaves file (copied when it lies on another file system, as a server's result file may).
 *
 * The engine's text differs from RFC 8785 for a record with a byte outside ASCII or a `\u`
 * escape (jsonl-sql.ts); such a file is refused here, and the export rewrites its records through
 * a ChunkWriter instead.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, constants, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncAndClose } from './chunk-writer.ts';
import { hashChunkIf } from './hash-chunk.ts';
import { needsRecanonicalising } from './jsonl-sql.ts';
import type { ManifestFile } from './manifest.ts';
import { HASH_BYTES, type MerkleAccumulator } from './merkle.ts';

export interface AdoptedChunk {
  records: number;
  /** The manifest entry; resolves once both files are fsynced. Null when the file held no record (it is removed). */
  file: Promise<ManifestFile> | null;
}

/** Moves `from` to `to`, a new name; across file systems by a copy (never over an existing file) and a removal. */
function moveNew(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    copyFileSync(from, to, constants.COPYFILE_EXCL);
    unlinkSync(from);
  }
}

/**
 * Hashes the store-written file `partPath` as the chunk `name` (in `dir`) whose first record is
 * leaf `tree.size`, adds its leaves to `tree`, writes `leavesName` and moves the file to `name`.
 * Null, with nothing changed, when a record needs rewriting (see above).
 */
export function adoptStoreWrittenChunk(partPath: string, dir: string, name: string, leavesName: string, tree: MerkleAccumulator): AdoptedChunk | null {
  const hashes = hashChunkIf(partPath, 'jsonl', tree.size, Infinity, (records) => !needsRecanonicalising(records));
  if (!hashes) return null;
  if (hashes.records === 0) {
    unlinkSync(partPath);
    return { records: 0, file: null };
  }
  for (let i = 0; i < hashes.subtreeSizes.length; i++) tree.pushSubtree(hashes.subtreeRoots.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES), hashes.subtreeSizes[i]!);
  // 'wx': never overwrite; the export directory is new or empty.
  const lfd = openSync(join(dir, leavesName), 'wx', 0o644);
  for (let off = 0; off < hashes.leaves.length; ) off += writeSync(lfd, hashes.leaves, off);
  moveNew(partPath, join(dir, name));
  const fd = openSync(join(dir, name), 'r');
  const entry: ManifestFile = {
    name,
    first_index: hashes.first,
    records: hashes.records,
    bytes: hashes.bytes,
    sha256: hashes.sha256,
    leaves: { name: leavesName, sha256: createHash('sha256').update(hashes.leaves).digest('hex') },
  };
  return { records: hashes.records, file: Promise.all([fsyncAndClose(fd), fsyncAndClose(lfd)]).then(() => entry) };
}
