/**
 * Hashes chunk files on worker threads, one file per worker at a time, so `verify` uses every core:
 * each file is hashed twice over (file SHA-256 and per-record leaves), and its leaves are combined
 * into the Merkle subtrees the file covers, which is nearly the whole cost of verifying. Jobs start in the order asked; callers await them in that order, so at most about one
 * result per worker waits in memory.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ChunkHashes } from './hash-chunk.ts';
import type { RecordFormat } from './record-format.ts';
import { moduleExtensionOf } from '../package/package-root.ts';

interface Job {
  id: number;
  /** An open file descriptor (threads share the process's table): the file the caller checked, not a path opened again. */
  fd: number;
  format: RecordFormat;
  first: number;
  maxLeaves: number;
  /** Leaves to return (hash-chunk.ts HashOptions). */
  keep: number;
  resolve: (r: ChunkHashes) => void;
  reject: (e: Error) => void;
}

export class ChunkHasherPool {
  readonly #idle: Worker[] = [];
  readonly #all: Worker[] = [];
  readonly #queue: Job[] = [];
  readonly #running = new Map<Worker, Job>();
  #nextId = 0;

  constructor(size: number = availableParallelism()) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const w = new Worker(new URL(`./hash-chunk-worker${moduleExtensionOf(import.meta.url)}`, import.meta.url));
      w.on('message', (m: { id: number; sha256?: string; bytes?: number; records?: number; leaves?: ArrayBuffer; leavesSha256?: string; first?: number; subtreeSizes?: number[]; subtreeRoots?: ArrayBuffer; error?: string }) => {
        const job = this.#running.get(w)!;
        this.#running.delete(w);
        if (m.error !== undefined) job.reject(new Error(m.error));
        else job.resolve({ sha256: m.sha256!, bytes: m.bytes!, records: m.records!, leaves: Buffer.from(m.leaves!), leavesSha256: m.leavesSha256!, first: m.first!, subtreeSizes: m.subtreeSizes!, subtreeRoots: Buffer.from(m.subtreeRoots!) });
        this.#idle.push(w);
        this.#pump();
      });
      w.on('error', (err) => {
        const job = this.#running.get(w);
        this.#running.delete(w);
        job?.reject(err);
      });
      this.#all.push(w);
      this.#idle.push(w);
    }
  }

  /** Hashes the open file, and its leaves as subtrees of a tree in which it starts at leaf `first`. */
  hash(fd: number, format: RecordFormat, first: number, maxLeaves: number, keep: number): Promise<ChunkHashes> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, fd, format, first, maxLeaves, keep, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const w = this.#idle.pop()!;
      const job = this.#queue.shift()!;
      this.#running.set(w, job);
      w.postMessage({ id: job.id, fd: job.fd, format: job.format, first: job.first, maxLeaves: job.maxLeaves, keep: job.keep });
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.#all.map((w) => w.terminate()));
  }
}
