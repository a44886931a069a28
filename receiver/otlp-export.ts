/**
 * One OTLP trace export, whatever carried it: convert the request (otlp-request.ts), hand it to
 * the ingest queue, count it, note it in the ingest log, and say what the transport must answer.
 * OTLP/HTTP and OTLP/gRPC (server/) only read their transport and map the outcome onto it.
 */
import { BadRequestError, type OtlpEncoding } from './decode-request.ts';
import type { IngestLogSink } from './ingest-log.ts';
import { type Ingestor, RetryableError } from './ingest-queue.ts';
import { convertRequest, type ConvertOptions } from './otlp-request.ts';
import { RequestShapeError } from './span-rows.ts';

/** Counters for pipeline health; read by `/metrics`-style callers and the health query. */
export interface ReceiverCounters {
  requests: number;
  rejectedRequests: number;
  rejectedSpans: number;
  acceptedSpans: number;
  retryableRefusals: number;
}

/** What a transport answers when an export did not succeed. */
export interface ExportFailure {
  /** rejected: the request can never succeed (4xx, not retried); refused: the client should retry. */
  readonly outcome: 'rejected' | 'refused';
  /** As an OTLP/HTTP status (the ingest log's unit; gRPC maps it). */
  readonly status: number;
  readonly message: string;
  /** Set when refused. */
  readonly retryAfterSeconds?: number;
  /** Refused because of a fault in the receiver itself, not the store. */
  readonly internal?: true;
}

/** A successful export: the partial-success message when some spans were rejected, else ''. */
export interface ExportResult {
  readonly rejectedSpans: number;
  readonly partial: string;
}

export class OtlpExports {
  readonly counters: ReceiverCounters = { requests: 0, rejectedRequests: 0, rejectedSpans: 0, acceptedSpans: 0, retryableRefusals: 0 };
  readonly #queue: Ingestor;
  readonly #opts: ConvertOptions;
  readonly #log: IngestLogSink;

  constructor(queue: Ingestor, opts: ConvertOptions, log: IngestLogSink) {
    this.#queue = queue;
    this.#opts = opts;
    this.#log = log;
  }

  /** Start one request; `bytes` is its size on the wire as far as known (set it again once the body is read). */
  begin(bytes: number): OtlpExport {
    this.counters.requests++;
    return new OtlpExport(this.#queue, this.#opts, this.#log, this.counters, bytes);
  }
}

export class OtlpExport {
  /** Request body bytes on the wire. */
  bytes: number;
  readonly #receivedAt = performance.now();
  #spans = 0;
  readonly #queue: Ingestor;
  readonly #opts: ConvertOptions;
  readonly #log: IngestLogSink;
  readonly #counters: ReceiverCounters;

  constructor(queue: Ingestor, opts: ConvertOptions, log: IngestLogSink, counters: ReceiverCounters, bytes: number) {
    this.#queue = queue;
    this.#opts = opts;
    this.#log = log;
    this.#counters = counters;
    this.bytes = bytes;
  }

  #note(outcome: 'rejected' | 'refused' | 'partial', httpStatus: number, spans: number, message: string): void {
    this.#log.record({ outcome, spans, bytes: this.bytes, latencyMs: performance.now() - this.#receivedAt, requests: 1, httpStatus, message });
  }

  /** Convert and queue a (decompressed) body. Throws what failed() classifies. */
  async submit(body: Buffer, encoding: OtlpEncoding): Promise<ExportResult> {
    const batch = convertRequest(body, encoding, this.#opts);
    this.#spans = batch.spans + batch.rejectedSpans;
    this.#counters.rejectedSpans += batch.rejectedSpans;
    await this.#queue.submit(batch, { bytes: this.bytes, receivedAt: this.#receivedAt });
    this.#counters.acceptedSpans += batch.spans;
    if (batch.partial) this.#note('partial', 200, batch.rejectedSpans, batch.partial);
    return { rejectedSpans: batch.rejectedSpans, partial: batch.partial };
  }

  /** The request had no valid bearer token. */
  unauthorized(): ExportFailure {
    const message = 'missing or wrong bearer token';
    this.#counters.rejectedRequests++;
    this.#note('rejected', 401, 0, message);
    return { outcome: 'rejected', status: 401, message };
  }

  /** What went wrong, counted and noted: the client's fault, a full or failing store, or our bug. */
  failed(err: unknown): ExportFailure {
    if (err instanceof RetryableError) {
      this.#counters.retryableRefusals++;
      this.#note('refused', err.status, this.#spans, err.message);
      return { outcome: 'refused', status: err.status, message: err.message, retryAfterSeconds: err.retryAfterSeconds };
    }
    this.#counters.rejectedRequests++;
    if (err instanceof BadRequestError || err instanceof RequestShapeError) {
      const status = err instanceof BadRequestError ? err.status : 400;
      this.#note('rejected', status, this.#spans, err.message);
      return { outcome: 'rejected', status, message: err.message };
    }
    // Anything else is our bug, not the client's: say so, and let it retry.
    const message = `receiver error: ${(err as Error).message}`;
    this.#note('refused', 503, this.#spans, message);
    return { outcome: 'refused', status: 503, message, retryAfterSeconds: 1, internal: true };
  }
}
