/**
 * Writes one chunk file of records plus its `.leaves` file, hashing as it goes: the file's SHA-256
 * over exactly the bytes written, and each record's Merkle leaf. Records are copied into one write
 * buffer of about 1 MiB (as UTF-8 bytes, each followed by its newline), so memory stays bounded by
 * the buffer and the chunk's leaf list (32 bytes a record).
 *
 * The leaf SHA-256(0x00 ‖ record) is taken in place: the byte before a record in the buffer is the
 * previous record's newline (or a reserved byte at the start), set to 0x00 for the one-shot hash
 * and put back. No per-record string, copy, Hash object or Buffer (merkle.ts sha256Into).
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fsync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HASH_BYTES, alignedSubtrees, leafHashInPlace, type MerkleAccumulator } from './merkle.ts';
import type { ManifestFile } from './manifest.ts';

const FLUSH_BYTES = 1 << 20;
const NEWLINE = 0x0a;
const fsyncAsync = promisify(fsync);

export class ChunkWriter {
  readonly name: string;
  readonly leavesName: string;
  readonly firstIndex: number;
  readonly #dir: string;
  readonly #fd: number;
  readonly #hash: Hash = createHash('sha256');
  /** Byte 0 is reserved (the 0x00 prefix of the first record's leaf); text starts at 1. */
  #buf: Buffer = Buffer.allocUnsafe(FLUSH_BYTES + 1);
  #pos = 1;
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
    if (header !== null) {
      this.#room(Buffer.byteLength(header) + 1);
      this.#pos += this.#buf.write(header, this.#pos);
      this.#buf[this.#pos++] = NEWLINE;
    }
  }

  get count(): number {
    return this.#count;
  }

  /** Adds one record (no newline inside, except CSV's quoted ones) and its leaf hash. */
  add(record: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; measure only when that bound does not fit.
    this.#room(record.length * 3 + 1 <= FLUSH_BYTES ? record.length * 3 + 1 : Buffer.byteLength(record) + 1);
    const start = this.#pos;
    this.#commit(start, start + this.#buf.write(record, start));
  }

  /** Adds one record given as its UTF-8 bytes; same as add(record.toString()). */
  addBytes(record: Uint8Array): void {
    this.#room(record.length + 1);
    const start = this.#pos;
    this.#buf.set(record, start);
    this.#commit(start, start + record.length);
  }

  /** At least n bytes free after #pos (and the byte before it ours to borrow). */
  #room(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    this.#flush();
    if (1 + n > this.#buf.length) this.#buf = Buffer.allocUnsafe(1 + n);
  }

  /** The record is in #buf[start, end): hash its leaf into the leaf list, terminate it. */
  #commit(start: number, end: number): void {
    if ((this.#count + 1) * HASH_BYTES > this.#leaves.length) {
      const grown = Buffer.allocUnsafe(this.#leaves.length * 2 + HASH_BYTES);
      this.#leaves.copy(grown, 0, 0, this.#count * HASH_BYTES);
      this.#leaves = grown;
    }
    const at = this.#count * HASH_BYTES;
    leafHashInPlace(this.#buf, start, end, this.#leaves, at);
    this.#buf[end] = NEWLINE;
    this.#pos = end + 1;
    this.#count++;
    if (this.#pos >= FLUSH_BYTES) this.#flush();
  }

  /**
   * Adds this chunk's leaves to the export's tree, which must hold exactly the leaves before it:
   * as the aligned perfect subtrees they form (merkle.ts alignedSubtrees, hashed level by level in
   * place), not leaf by leaf, so the tree costs no object or Buffer per record.
   */
  foldInto(tree: MerkleAccumulator): void {
    if (tree.size !== this.firstIndex) throw new Error(`chunk ${this.name} starts at leaf ${this.firstIndex}, the tree holds ${tree.size}`);
    for (const t of alignedSubtrees(this.#leaves.subarray(0, this.#count * HASH_BYTES), this.firstIndex)) tree.pushSubtree(t.root, t.size);
  }

  #flush(): void {
    if (this.#pos === 1) return;
    const text = this.#buf.subarray(1, this.#pos);
    this.#hash.update(text);
    let off = 0;
    while (off < text.length) off += writeSync(this.#fd, text, off);
    this.#bytes += text.length;
    this.#pos = 1;
  }

  /**
   * Writes what is buffered and the leaves file and returns the chunk's manifest entry. The
   * hashes are final when this returns; the promise resolves once both files are fsynced (on
   * libuv's thread pool, so the export goes on with the next chunk meanwhile).
   */
  close(): Promise<ManifestFile> {
    this.#flush();
    const leaves = this.#leaves.subarray(0, this.#count * HASH_BYTES);
    const lfd = openSync(join(this.#dir, this.leavesName), 'wx', 0o644);
    let off = 0;
    while (off < leaves.length) off += writeSync(lfd, leaves, off);
    const entry: ManifestFile = {
      name: this.name,
      first_index: this.firstIndex,
      records: this.#count,
      bytes: this.#bytes,
      sha256: this.#hash.digest('hex'),
      leaves: { name: this.leavesName, sha256: createHash('sha256').update(leaves).digest('hex') },
    };
    return Promise.all([fsyncAndClose(this.#fd), fsyncAndClose(lfd)]).then(() => entry);
  }
}

/** Makes a written file durable, on libuv's thread pool, and closes it whatever happens. */
export async function fsyncAndClose(fd: number): Promise<void> {
  try {
    await fsyncAsync(fd);
  } finally {
    closeSync(fd);
  }
}
