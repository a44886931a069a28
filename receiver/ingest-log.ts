/**
 * Pipeline-health rows for `flightrec_ingest_log`: one per group commit, one per refused or rejected
 * request. They are buffered in memory and written in one small insert per second, so the log
 * costs the hot path one array push. Health rows are observations, not acknowledged data: if the
 * store is down they wait (bounded) and the oldest are summarised rather than kept without limit.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { insertBody } from '../storage/store-client.ts';
import { Tables } from '../storage/tables.ts';

/**
 * accepted — a group commit wrote spans (Spans = rows written, Requests = requests in it);
 * partial — a request was acknowledged but some of its spans were invalid (Spans = rejected spans);
 * rejected — a request answered 4xx, never retried (Spans = spans in it when known);
 * refused — a request answered 429/503 (queue full, shutting down, store failure), the client retries;
 * store_error — an insert failed (Spans = rows in it; each of its requests is also `refused`).
 */
export type IngestOutcome = 'accepted' | 'partial' | 'rejected' | 'refused' | 'store_error';

export interface IngestLogEntry {
  readonly outcome: IngestOutcome;
  readonly spans: number;
  readonly bytes: number;
  readonly latencyMs: number;
  readonly requests: number;
  readonly httpStatus: number;
  readonly message: string;
}

export interface IngestLogSink {
  record(entry: IngestLogEntry): void;
}

/** For callers that do not log (tests of the queue alone, benchmarks of the raw path). */
export const NO_INGEST_LOG: IngestLogSink = { record() {} };

/** Columns written, in flightrec_ingest_log (storage/schema.ts). */
const COLUMNS = ['Time', 'Receiver', 'Outcome', 'Spans', 'Bytes', 'LatencyMs', 'Requests', 'HttpStatus', 'Message'] as const;

export interface IngestLogOptions {
  readonly database: string;
  /** Receiver label, e.g. `otlp_http`. */
  readonly receiver: string;
  readonly flushIntervalMs?: number;
  /** Entries kept while the store cannot take them; beyond this the oldest are dropped and counted. */
  readonly maxBuffered?: number;
}

const MAX_MESSAGE = 1000;

export class IngestLog implements IngestLogSink {
  readonly #client: ClickHouseClient;
  readonly #opts: Required<IngestLogOptions>;
  #buffer: string[] = [];
  #dropped = 0;
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  /** Why the last flush failed (shown on the receiver's /health), or null. */
  lastError: string | null = null;

  constructor(client: ClickHouseClient, opts: IngestLogOptions) {
    this.#client = client;
    this.#opts = { flushIntervalMs: 1000, maxBuffered: 50_000, ...opts };
    this.#timer = setInterval(() => void this.flush(), this.#opts.flushIntervalMs);
    this.#timer.unref();
  }

  record(e: IngestLogEntry): void {
    if (this.#buffer.length >= this.#opts.maxBuffered) {
      this.#buffer.shift();
      this.#dropped++;
    }
    this.#buffer.push(
      JSON.stringify({
        // A string: ClickHouse reads a JSON *number* with a fraction as no DateTime64.
        Time: (Date.now() / 1000).toFixed(3),
        Receiver: this.#opts.receiver,
        Outcome: e.outcome,
        Spans: e.spans,
        Bytes: e.bytes,
        LatencyMs: Math.round(e.latencyMs * 1000) / 1000,
        Requests: e.requests,
        HttpStatus: e.httpStatus,
        Message: e.message.length > MAX_MESSAGE ? e.message.slice(0, MAX_MESSAGE) + '…' : e.message,
      }),
    );
  }

  /**
   * Write what is buffered; on failure keep it for the next attempt. A flush already under way took
   * its rows before this call's were recorded, so wait for it and then write the rest.
   */
  flush(): Promise<void> {
    const start = (): Promise<void> =>
      (this.#flushing ??= this.#flushOnce().finally(() => {
        this.#flushing = null;
      }));
    return this.#flushing ? this.#flushing.then(start) : start();
  }

  async #flushOnce(): Promise<void> {
    if (this.#dropped > 0) {
      const dropped = this.#dropped;
      this.#dropped = 0;
      this.record({ outcome: 'store_error', spans: 0, bytes: 0, latencyMs: 0, requests: 0, httpStatus: 0, message: `${dropped} ingest-log rows dropped while the store was unavailable` });
    }
    if (this.#buffer.length === 0) return;
    const lines = this.#buffer;
    this.#buffer = [];
    try {
      await insertBody(this.#client, { database: this.#opts.database, table: Tables.ingestLog, columns: COLUMNS, format: 'JSONEachRow', body: Buffer.from(lines.join('\n') + '\n') });
      this.lastError = null;
    } catch (err) {
      // The store is down (the same failure the span path reports as 503); try again next tick.
      this.lastError = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      this.#buffer = lines.concat(this.#buffer).slice(-this.#opts.maxBuffered);
    }
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.flush();
  }
}
