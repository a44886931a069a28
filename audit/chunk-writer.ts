/**
 * Writes one chunk file of records plus its `.leaves` file, hashing as it goes: the file's SHA-256
 * over exactly the bytes written, and each record's Merkle leaf. Buffers about 1 MiB of text before
 * each write, so memory stays bounded by the buffer and the chunk's leaf list (32 bytes a record).
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { HASH_BYTES, leafHashOfString } from './merkle.ts';
import type { ManifestFile } from './manifest.ts';

const FLUSH_CHARS = 1 << 20;

export class ChunkWriter {
  readonly name: string;
  readonly leavesName: string;
  readonly firstIndex: number;
  readonly #dir: string;
  readonly #fd: number;
  readonly #hash: Hash = createHash('sha256');
  #text = '';
  #bytes = 0;
  #leaves: Buffer;
  #count = 0;

  constructor(dir: string, name: string, leavesName: string, firstIndex: number, capacity: number, header: string | null) {
    this.#dir = dir;
    this.name = name;
    this.leavesName = leavesName;
    this.firstIndex = firstIndex;
    this.#leaves = Buffer.allocUnsafe(capacity * HASH_BYTES);
    // 'wx': never overwrite; the export directory is new or empty.
    this.#fd = openSync(join(dir, name), 'wx', 0o644);
    if (header !== null) this.#text = header + '\n';
  }

  get count(): number {
    return this.#count;
  }

  /** Adds one record (no newline inside, except CSV's quoted ones) and returns its leaf hash. */
  add(record: string): Buffer {
    const leaf = leafHashOfString(record);
    if ((this.#count + 1) * HASH_BYTES > this.#leaves.length) {
      const grown = Buffer.allocUnsafe(this.#leaves.length * 2 + HASH_BYTES);
      this.#leaves.copy(grown, 0, 0, this.#count * HASH_BYTES);
      this.#leaves = grown;
    }
    leaf.copy(this.#leaves, this.#count * HASH_BYTES);
    this.#count++;
    this.#text += record + '\n';
    if (this.#text.length >= FLUSH_CHARS) this.#flush();
    return leaf;
  }

  #flush(): void {
    if (this.#text.length === 0) return;
    const buf = Buffer.from(this.#text, 'utf8');
    this.#text = '';
    this.#hash.update(buf);
    let off = 0;
    while (off < buf.length) off += writeSync(this.#fd, buf, off);
    this.#bytes += buf.length;
  }

  close(): ManifestFile {
    this.#flush();
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    const leaves = this.#leaves.subarray(0, this.#count * HASH_BYTES);
    const lfd = openSync(join(this.#dir, this.leavesName), 'wx', 0o644);
    let off = 0;
    while (off < leaves.length) off += writeSync(lfd, leaves, off);
    fsyncSync(lfd);
    closeSync(lfd);
    return {
      name: this.name,
      first_index: this.firstIndex,
      records: this.#count,
      bytes: this.#bytes,
      sha256: this.#hash.digest('hex'),
      leaves: { name: this.leavesName, sha256: createHash('sha256').update(leaves).digest('hex') },
    };
  }
}
