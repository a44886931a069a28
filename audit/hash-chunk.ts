/**
 * Reads one chunk file once: its SHA-256 and the leaf hash of every record, in order. Runs in a
 * worker thread when verify checks several files at once (chunk-hasher-pool.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { HASH_BYTES, leafHashOfBytes } from './merkle.ts';
import { RecordSplitter, type RecordFormat } from './record-formats.ts';

export interface ChunkHashes {
  sha256: string;
  bytes: number;
  /** Packed 32-byte leaf hashes. */
  leaves: Buffer;
}

export async function hashChunk(path: string, format: RecordFormat): Promise<ChunkHashes> {
  const fileHash = createHash('sha256');
  const splitter = new RecordSplitter(format);
  let leaves = Buffer.allocUnsafe(1 << 16);
  let n = 0;
  let bytes = 0;
  const add = (record: Buffer): void => {
    if ((n + 1) * HASH_BYTES > leaves.length) {
      const grown = Buffer.allocUnsafe(leaves.length * 2);
      leaves.copy(grown, 0, 0, n * HASH_BYTES);
      leaves = grown;
    }
    leafHashOfBytes(record).copy(leaves, n * HASH_BYTES);
    n++;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    fileHash.update(buf);
    bytes += buf.length;
    for (const record of splitter.push(buf)) add(record);
  }
  for (const record of splitter.end()) add(record);
  return { sha256: fileHash.digest('hex'), bytes, leaves: leaves.subarray(0, n * HASH_BYTES) };
}
