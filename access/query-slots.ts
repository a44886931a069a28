/**
 * A cap on queries running at once through the query port, over all users and per user, with a
 * bounded wait list. Each running chdb query holds a libuv pool thread; ingest (inserts, fsyncs)
 * needs the others.
 */

export class TooManyQueries extends Error {
  readonly clickhouseCode = 202;
  readonly clickhouseName = 'TOO_MANY_SIMULTANEOUS_QUERIES';
}

interface Waiter {
  readonly user: string;
  readonly grant: () => void;
}

export class QuerySlots {
  #running = 0;
  readonly #perUser = new Map<string, number>();
  readonly #waiting: Waiter[] = [];

  readonly total: number;
  readonly perUser: number;
  readonly queueLength: number;

  constructor(total: number, perUser: number, queueLength: number) {
    this.total = total;
    this.perUser = perUser;
    this.queueLength = queueLength;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Resolves with a release function once the user may run a query. `signal` (the client went
   * away) takes the request off the wait list. Throws TooManyQueries when the wait list is full.
   */
  acquire(user: string, signal?: AbortSignal): Promise<() => void> {
    if (this.#free(user)) return Promise.resolve(this.#take(user));
    if (this.#waiting.length >= this.queueLength) {
      return Promise.reject(new TooManyQueries(`Too many simultaneous queries: ${this.#running} running, ${this.#waiting.length} waiting`));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { user, grant: () => resolve(this.#take(user)) };
      this.#waiting.push(waiter);
      signal?.addEventListener('abort', () => {
        const i = this.#waiting.indexOf(waiter);
        if (i >= 0) {
          this.#waiting.splice(i, 1);
          reject(new Error('client went away while waiting'));
        }
      }, { once: true });
    });
  }

  #free(user: string): boolean {
    return this.#running < this.total && (this.#perUser.get(user) ?? 0) < this.perUser;
  }

  #take(user: string): () => void {
    this.#running++;
    this.#perUser.set(user, (this.#perUser.get(user) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#running--;
      const n = (this.#perUser.get(user) ?? 1) - 1;
      if (n === 0) this.#perUser.delete(user);
      else this.#perUser.set(user, n);
      this.#next();
    };
  }

  #next(): void {
    for (let i = 0; i < this.#waiting.length; i++) {
      const w = this.#waiting[i]!;
      if (!this.#free(w.user)) continue;
      this.#waiting.splice(i, 1);
      w.grant();
      return this.#next();
    }
  }
}
