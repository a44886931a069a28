/**
 * Group commit between OTLP requests and the store.
 *
 * Each request's rows wait in memory only until the next insert, which carries every request that
 * arrived while the previous insert ran. A request is acknowledged only after the insert holding
 * its rows has returned, so nothing acknowledged can be lost; when the queue is full or the store
 * fails, the request is refused with a retryable error and its client sends it again.
 */
import type { RowFormat } from './row-format.ts';
import { NO_INGEST_LOG, type IngestLogSink } from './ingest-log.ts';

/** One request's valid spans, already encoded in the sink's insert format (see row-format.ts). */
export interface EncodedBatch {
  readonly spans: number;
  readonly data: Buffer;
  /** The insert format of `data`; when absent, the sink's own. */
  readonly format?: RowFormat;
}

/** Where rows go; the ClickHouse implementation is clickhouse-span-sink.ts. */
export interface SpanSink {
  /**
   * Resolves once every batch is written — in one insert, or one per run of batches in the same
   * format (only a log replayed across an upgrade mixes them); rejects if not all were, and the
   * caller writes them again (at-least-once).
   */
  writeBatches(batches: readonly EncodedBatch[]): Promise<void>;
}

/** What the receiver knows about a request, for the ingest log. */
export interface RequestInfo {
  /** Body size on the wire (before decompression). */
  readonly bytes: number;
  /** performance.now() when the request arrived. */
  readonly receivedAt: number;
}

/** A retryable refusal: answered with 429/503 and Retry-After, so standard OTLP exporters retry. */
export class RetryableError extends Error {
  readonly status: 429 | 503;
  readonly retryAfterSeconds: number;
  constructor(message: string, status: 429 | 503, retryAfterSeconds: number) {
    super(message);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface IngestQueueOptions {
  /** Rows waiting (not yet in an insert) past which new requests are refused with 429. */
  readonly maxQueuedRows: number;
  /** Largest number of rows in one insert. */
  readonly maxBatchRows: number;
  readonly retryAfterSeconds: number;
  /**
   * When fewer than minBatchRows are waiting, wait up to lingerMs for more before inserting. Each
   * insert has a fixed cost (new parts in three tables, their fsync), and the senders whose batches
   * were just acknowledged need a round trip to send the next ones: without the wait, the group
   * commit settles at about half the senders (measured in bench/ingest-throughput.ts).
   */
  readonly lingerMs: number;
  readonly minBatchRows: number;
}

export const DEFAULT_INGEST_QUEUE_OPTIONS: IngestQueueOptions = { maxQueuedRows: 200_000, maxBatchRows: 50_000, retryAfterSeconds: 1, lingerMs: 10, minBatchRows: 8192 };

interface Pending {
  batch: EncodedBatch;
  info: RequestInfo;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** What the OTLP handler submits requests to: the group commit (IngestQueue) or the WriteAheadLog. */
export interface Ingestor {
  submit(batch: EncodedBatch, info?: RequestInfo): Promise<void>;
  readonly queuedRows: number;
  readonly stats: IngestStats;
  close(): Promise<void>;
}

export interface IngestStats {
  acceptedRequests: number;
  acceptedSpans: number;
  refusedRequests: number;
  failedInserts: number;
  inserts: number;
}

export class IngestQueue implements Ingestor {
  readonly #sink: SpanSink;
  readonly #opts: IngestQueueOptions;
  readonly #log: IngestLogSink;
  #pending: Pending[] = [];
  #queuedRows = 0;
  #flushing: Promise<void> | null = null;
  #linger: NodeJS.Timeout | null = null;
  #closed = false;
  readonly stats: IngestStats = { acceptedRequests: 0, acceptedSpans: 0, refusedRequests: 0, failedInserts: 0, inserts: 0 };

  constructor(sink: SpanSink, opts: Partial<IngestQueueOptions> = {}, log: IngestLogSink = NO_INGEST_LOG) {
    this.#sink = sink;
    this.#log = log;
    this.#opts = { ...DEFAULT_INGEST_QUEUE_OPTIONS, ...opts };
  }

  get queuedRows(): number {
    return this.#queuedRows;
  }

  /** Resolves once the rows are written; rejects with RetryableError when they were not. */
  submit(batch: EncodedBatch, info: RequestInfo = { bytes: 0, receivedAt: performance.now() }): Promise<void> {
    if (batch.spans === 0) return Promise.resolve();
    if (this.#closed) {
      this.stats.refusedRequests++;
      return Promise.reject(new RetryableError('receiver is shutting down', 503, this.#opts.retryAfterSeconds));
    }
    if (this.#queuedRows > 0 && this.#queuedRows + batch.spans > this.#opts.maxQueuedRows) {
      this.stats.refusedRequests++;
      return Promise.reject(
        new RetryableError(`ingest queue is full (${this.#queuedRows} spans waiting for the store); retry later`, 429, this.#opts.retryAfterSeconds),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ batch, info, resolve, reject });
      this.#queuedRows += batch.spans;
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#flushing || this.#pending.length === 0) return;
    if (!this.#closed && this.#opts.lingerMs > 0 && this.#queuedRows < this.#opts.minBatchRows) {
      this.#linger ??= setTimeout(() => {
        this.#linger = null;
        this.#startFlush();
      }, this.#opts.lingerMs);
      return;
    }
    this.#startFlush();
  }

  #startFlush(): void {
    if (this.#linger) {
      clearTimeout(this.#linger);
      this.#linger = null;
    }
    if (this.#flushing || this.#pending.length === 0) return;
    this.#flushing = this.#flushOnce().finally(() => {
      this.#flushing = null;
      this.#kick();
    });
  }

  async #flushOnce(): Promise<void> {
    const batch: Pending[] = [];
    let count = 0;
    while (this.#pending.length > 0 && (batch.length === 0 || count + this.#pending[0]!.batch.spans <= this.#opts.maxBatchRows)) {
      const p = this.#pending.shift()!;
      batch.push(p);
      count += p.batch.spans;
    }
    this.#queuedRows -= count;
    let bytes = 0;
    let oldest = Infinity;
    for (const p of batch) {
      bytes += p.info.bytes;
      oldest = Math.min(oldest, p.info.receivedAt);
    }
    try {
      await this.#sink.writeBatches(batch.map((p) => p.batch));
      this.stats.inserts++;
      this.stats.acceptedRequests += batch.length;
      this.stats.acceptedSpans += count;
      for (const p of batch) p.resolve();
      // LatencyMs: from the oldest request's arrival to its acknowledgement — the pipeline's lag.
      this.#log.record({ outcome: 'accepted', spans: count, bytes, latencyMs: performance.now() - oldest, requests: batch.length, httpStatus: 200, message: '' });
    } catch (err) {
      this.stats.failedInserts++;
      const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
      this.#log.record({ outcome: 'store_error', spans: count, bytes, latencyMs: performance.now() - oldest, requests: batch.length, httpStatus: 503, message: reason });
      const refusal = new RetryableError(`the store did not accept the spans (${reason}); retry later`, 503, this.#opts.retryAfterSeconds);
      for (const p of batch) p.reject(refusal);
    }
  }

  /** Refuse new requests and wait for the ones already queued to be written or refused. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#startFlush();
    while (this.#flushing) await this.#flushing;
  }
}
