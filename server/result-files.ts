/**
 * The folder where the query port's engine writes results asked for as files
 * (storage/result-file-protocol.ts), and its bounds: a reader may already make the engine compute
 * any approved result, but a file outlives the request, so how many may wait unclaimed and for
 * how long is limited here. File names are the server's (a random UUID), never the client's; the
 * folder is readable by this user only, so only a client running as the recorder's user on its
 * host can take a file.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { newResultFileName } from '../storage/result-file-protocol.ts';

export interface ResultFileLimits {
  /** Files written or being written and not yet taken by their client; more are refused until one is. */
  readonly maxWaiting: number;
  /** A finished file nobody took within this time is removed. */
  readonly ttlMs: number;
}

/** An export keeps two at a time (the page it adopts, the next one being written); a few such clients at once. */
export const DEFAULT_RESULT_FILE_LIMITS: ResultFileLimits = { maxWaiting: 6, ttlMs: 10 * 60_000 };

const DIR_NAME = 'flightrec-result-files';

export class ResultFilesFull extends Error {
  readonly clickhouseCode = 202;
  readonly clickhouseName = 'TOO_MANY_SIMULTANEOUS_QUERIES';
}

export class ResultFiles {
  readonly dir: string;
  readonly #limits: ResultFileLimits;
  /** Each file not yet taken: when it was finished (null while the engine writes it). */
  readonly #waiting = new Map<string, number | null>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(dataPath: string, limits: Partial<ResultFileLimits> = {}) {
    this.#limits = { ...DEFAULT_RESULT_FILE_LIMITS, ...limits };
    this.dir = join(dataPath, DIR_NAME);
    rmSync(this.dir, { recursive: true, force: true }); // files of a process that was killed
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(1000, this.#limits.ttlMs / 2)).unref();
  }

  /** A new file's path for the engine to write; refuses when too many wait. */
  reserve(): string {
    this.#sweep();
    if (this.#waiting.size >= this.#limits.maxWaiting) {
      throw new ResultFilesFull(`Too many result files wait to be taken (${this.#limits.maxWaiting}); take or wait for those first`);
    }
    const path = join(this.dir, newResultFileName());
    this.#waiting.set(path, null);
    return path;
  }

  /** The engine has finished with `path`: kept for its client when written, removed otherwise. */
  settle(path: string, written: boolean): void {
    if (written && existsSync(path)) this.#waiting.set(path, Date.now());
    else {
      rmSync(path, { force: true });
      this.#waiting.delete(path);
    }
  }

  /** Forgets files their clients took (moved away or removed); removes those left too long. */
  #sweep(): void {
    const now = Date.now();
    for (const [path, finished] of this.#waiting) {
      if (finished === null) continue;
      if (!existsSync(path)) this.#waiting.delete(path);
      else if (now - finished > this.#limits.ttlMs) {
        rmSync(path, { force: true });
        this.#waiting.delete(path);
      }
    }
  }

  close(): void {
    clearInterval(this.#sweeper);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
