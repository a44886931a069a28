/**
 * OTLP/HTTP trace receiver: `POST /v1/traces`, protobuf or JSON, optionally gzip-compressed.
 *
 * Responses follow the OTLP/HTTP spec: 200 with an ExportTraceServiceResponse (carrying
 * `partialSuccess` when some spans were rejected), 4xx with a google.rpc.Status for requests that
 * can never succeed, 429/503 with Retry-After when the store cannot take them now.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadRequestError, decodeRequest, decompress, encodingOf, type OtlpEncoding } from '../receiver/decode-request.ts';
import { NO_INGEST_LOG, type IngestLogSink } from '../receiver/ingest-log.ts';
import { type Ingestor, RetryableError } from '../receiver/ingest-queue.ts';
import { ExportTraceServiceResponse, RpcStatus } from '../receiver/otlp-proto-schema.ts';
import { DEFAULT_ROW_LIMITS, RequestShapeError, requestToRows, type RowLimits } from '../receiver/span-rows.ts';
import { protobufToRows } from '../receiver/otlp-proto-rows.ts';
import { DEFAULT_ROW_FORMAT, encodeRows, type RowFormat } from '../receiver/row-format.ts';
import type { EncodedBatch } from '../receiver/ingest-queue.ts';
import { readBody, secretEquals, send } from './http-body.ts';

export interface OtlpReceiverOptions {
  /** The insert format the queue's sink takes; protobuf requests take the one-pass path for TSV and Native. */
  readonly rowFormat?: RowFormat;
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  readonly ingestToken?: string;
  /** Largest body accepted, before and after decompression. */
  readonly maxBodyBytes: number;
  readonly rowLimits: RowLimits;
}

export const DEFAULT_OTLP_RECEIVER_OPTIONS: OtlpReceiverOptions = { maxBodyBytes: 32 << 20, rowLimits: DEFAULT_ROW_LIMITS };

/** Counters for pipeline health; read by `/metrics`-style callers and the health query. */
export interface ReceiverCounters {
  requests: number;
  rejectedRequests: number;
  rejectedSpans: number;
  acceptedSpans: number;
  retryableRefusals: number;
}

// google.rpc.Status codes used in error bodies.
const RPC_INVALID_ARGUMENT = 3;
const RPC_UNAUTHENTICATED = 16;
const RPC_UNAVAILABLE = 14;
const RPC_RESOURCE_EXHAUSTED = 8;

function respond(res: ServerResponse, encoding: OtlpEncoding, status: number, message: object, headers: Record<string, string> = {}, type: 'response' | 'status' = 'response'): void {
  if (encoding === 'protobuf') {
    const Type = type === 'response' ? ExportTraceServiceResponse : RpcStatus;
    const bytes = Buffer.from(Type.encode(Type.fromObject(message)).finish());
    send(res, status, bytes, { 'Content-Type': 'application/x-protobuf', ...headers });
  } else {
    send(res, status, JSON.stringify(message), { 'Content-Type': 'application/json', ...headers });
  }
}

/** A request converted to an insert batch, with what was rejected from it. */
export interface ConvertedRequest extends EncodedBatch {
  readonly rejectedSpans: number;
  /** The partial-success message when some spans were rejected and some kept, else ''. */
  readonly partial: string;
}

/**
 * Decode a request body (protobuf through the one-pass path, JSON through the generic one) into a
 * batch in the sink's insert format. Throws BadRequestError / RequestShapeError for a body that can
 * never succeed, including one whose every span is rejected. Shared by OTLP/HTTP and OTLP/gRPC.
 */
export function convertRequest(body: Buffer, encoding: OtlpEncoding, opts: Pick<OtlpReceiverOptions, 'rowFormat' | 'rowLimits'>): ConvertedRequest {
  const format = opts.rowFormat ?? DEFAULT_ROW_FORMAT;
  let spans: number;
  let data: Buffer;
  let rejectedSpans: number;
  let errors: string[];
  if (encoding === 'protobuf' && format !== 'JSONEachRow') {
    ({ spans, data, rejectedSpans, errors } = protobufToRows(body, opts.rowLimits, format));
  } else {
    const converted = requestToRows(decodeRequest(body, encoding), opts.rowLimits);
    ({ rejectedSpans, errors } = converted);
    spans = converted.rows.length;
    data = encodeRows(converted.rows, format);
  }
  if (spans === 0 && rejectedSpans > 0) throw new BadRequestError(`all ${rejectedSpans} spans were rejected: ${errors.join('; ')}`);
  const partial = rejectedSpans > 0 ? `${rejectedSpans} of ${spans + rejectedSpans} spans rejected: ${errors.join('; ')}` : '';
  return { spans, data, format, rejectedSpans, partial };
}

export function createOtlpHandler(queue: Ingestor, opts: OtlpReceiverOptions = DEFAULT_OTLP_RECEIVER_OPTIONS, log: IngestLogSink = NO_INGEST_LOG) {
  const counters: ReceiverCounters = { requests: 0, rejectedRequests: 0, rejectedSpans: 0, acceptedSpans: 0, retryableRefusals: 0 };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counters.requests++;
    const receivedAt = performance.now();
    // Answer errors in the client's own encoding when we can tell it; JSON otherwise.
    let encoding: OtlpEncoding = 'json';
    let wireBytes = Number(req.headers['content-length']) || 0;
    let spansInRequest = 0;
    const note = (outcome: 'rejected' | 'refused' | 'partial', httpStatus: number, spans: number, message: string): void => {
      log.record({ outcome, spans, bytes: wireBytes, latencyMs: performance.now() - receivedAt, requests: 1, httpStatus, message });
    };
    try {
      if (req.method !== 'POST') {
        req.resume();
        throw new BadRequestError(`method ${req.method} not allowed on /v1/traces; use POST`, 405);
      }
      if (opts.ingestToken !== undefined) {
        const auth = req.headers.authorization ?? '';
        const token = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
        if (!secretEquals(token, opts.ingestToken)) {
          req.resume();
          counters.rejectedRequests++;
          note('rejected', 401, 0, 'missing or wrong bearer token');
          respond(res, encodingSafe(req), 401, { code: RPC_UNAUTHENTICATED, message: 'missing or wrong bearer token' }, { 'WWW-Authenticate': 'Bearer' }, 'status');
          return;
        }
      }
      encoding = encodingOf(req.headers['content-type']);
      const raw = await readBody(req, opts.maxBodyBytes);
      wireBytes = raw.length;
      const body = decompress(raw, req.headers['content-encoding'], opts.maxBodyBytes);
      const batch = convertRequest(body, encoding, opts);
      spansInRequest = batch.spans + batch.rejectedSpans;
      counters.rejectedSpans += batch.rejectedSpans;
      await queue.submit(batch, { bytes: wireBytes, receivedAt });
      counters.acceptedSpans += batch.spans;
      let message = {};
      if (batch.partial) {
        message = { partialSuccess: { rejectedSpans: batch.rejectedSpans, errorMessage: batch.partial } };
        note('partial', 200, batch.rejectedSpans, batch.partial);
      }
      respond(res, encoding, 200, message);
    } catch (err) {
      if (err instanceof RetryableError) {
        counters.retryableRefusals++;
        note('refused', err.status, spansInRequest, err.message);
        const code = err.status === 429 ? RPC_RESOURCE_EXHAUSTED : RPC_UNAVAILABLE;
        respond(res, encoding, err.status, { code, message: err.message }, { 'Retry-After': String(err.retryAfterSeconds) }, 'status');
        return;
      }
      counters.rejectedRequests++;
      if (err instanceof BadRequestError || err instanceof RequestShapeError) {
        const status = err instanceof BadRequestError ? err.status : 400;
        note('rejected', status, spansInRequest, err.message);
        // An oversize body may still be streaming in: close the connection rather than read it all.
        const close: Record<string, string> = status === 413 ? { Connection: 'close' } : {};
        respond(res, encoding, status, { code: RPC_INVALID_ARGUMENT, message: err.message }, close, 'status');
      } else {
        // Anything else is our bug, not the client's: say so, and let it retry.
        note('refused', 503, spansInRequest, `receiver error: ${(err as Error).message}`);
        respond(res, encoding, 503, { code: RPC_UNAVAILABLE, message: `receiver error: ${(err as Error).message}` }, { 'Retry-After': '1' }, 'status');
      }
    }
  }

  return { handle, counters };
}

function encodingSafe(req: IncomingMessage): OtlpEncoding {
  try {
    return encodingOf(req.headers['content-type']);
  } catch {
    return 'json';
  }
}
