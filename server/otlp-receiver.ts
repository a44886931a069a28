/**
 * OTLP/HTTP trace receiver: `POST /v1/traces`, protobuf or JSON, optionally gzip-compressed.
 *
 * Responses follow the OTLP/HTTP spec: 200 with an ExportTraceServiceResponse (carrying
 * `partialSuccess` when some spans were rejected), 4xx with a google.rpc.Status for requests that
 * can never succeed, 429/503 with Retry-After when the store cannot take them now.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadRequestError, type OtlpEncoding } from '../receiver/decode-request.ts';
import { NO_INGEST_LOG, type IngestLogSink } from '../receiver/ingest-log.ts';
import type { Ingestor } from '../receiver/ingest-queue.ts';
import { OtlpExports, type ExportFailure } from '../receiver/otlp-export.ts';
import type { ConvertOptions } from '../receiver/otlp-request.ts';
import { ExportTraceServiceResponse, RpcStatus } from '../receiver/otlp-proto-schema.ts';
import { DEFAULT_ROW_LIMITS } from '../receiver/span-rows.ts';
import { decompress, readBody, send } from './http-body.ts';
import type { IngestToken } from '../access/ingest-token.ts';

export type { ReceiverCounters } from '../receiver/otlp-export.ts';

export interface OtlpReceiverOptions extends ConvertOptions {
  /** When set, requests must carry `Authorization: Bearer <token>` (held as a digest). */
  readonly ingestToken?: IngestToken;
  /** Largest body accepted, before and after decompression. */
  readonly maxBodyBytes: number;
}

export const DEFAULT_OTLP_RECEIVER_OPTIONS: OtlpReceiverOptions = { maxBodyBytes: 32 << 20, rowLimits: DEFAULT_ROW_LIMITS };

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

/** The OTLP/HTTP Content-Type → the request's encoding. */
export function encodingOf(contentType: string | undefined): OtlpEncoding {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/x-protobuf' || ct === 'application/protobuf') return 'protobuf';
  if (ct === 'application/json') return 'json';
  throw new BadRequestError(`unsupported Content-Type ${JSON.stringify(contentType ?? '')}: send application/x-protobuf or application/json`, 415);
}

function respondFailure(res: ServerResponse, encoding: OtlpEncoding, f: ExportFailure, headers: Record<string, string> = {}): void {
  if (f.outcome === 'refused') {
    const code = f.status === 429 ? RPC_RESOURCE_EXHAUSTED : RPC_UNAVAILABLE;
    respond(res, encoding, f.status, { code, message: f.message }, { 'Retry-After': String(f.retryAfterSeconds ?? 1) }, 'status');
    return;
  }
  const code = f.status === 401 ? RPC_UNAUTHENTICATED : RPC_INVALID_ARGUMENT;
  // An oversize body may still be streaming in: close the connection rather than read it all.
  const close: Record<string, string> = f.status === 413 ? { Connection: 'close' } : {};
  respond(res, encoding, f.status, { code, message: f.message }, { ...close, ...headers }, 'status');
}

export function createOtlpHandler(queue: Ingestor, opts: OtlpReceiverOptions = DEFAULT_OTLP_RECEIVER_OPTIONS, log: IngestLogSink = NO_INGEST_LOG) {
  const exports = new OtlpExports(queue, opts, log);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const call = exports.begin(Number(req.headers['content-length']) || 0);
    // Answer errors in the client's own encoding when we can tell it; JSON otherwise.
    let encoding: OtlpEncoding = 'json';
    try {
      if (req.method !== 'POST') {
        req.resume();
        throw new BadRequestError(`method ${req.method} not allowed on /v1/traces; use POST`, 405);
      }
      if (opts.ingestToken !== undefined) {
        if (!opts.ingestToken.admits(req.headers.authorization)) {
          req.resume();
          respondFailure(res, encodingSafe(req), call.unauthorized(), { 'WWW-Authenticate': 'Bearer' });
          return;
        }
      }
      encoding = encodingOf(req.headers['content-type']);
      const raw = await readBody(req, opts.maxBodyBytes);
      call.bytes = raw.length;
      const { rejectedSpans, partial } = await call.submit(decompress(raw, req.headers['content-encoding'], opts.maxBodyBytes), encoding);
      respond(res, encoding, 200, partial ? { partialSuccess: { rejectedSpans, errorMessage: partial } } : {});
    } catch (err) {
      respondFailure(res, encoding, call.failed(err));
    }
  }

  return { handle, counters: exports.counters };
}

function encodingSafe(req: IncomingMessage): OtlpEncoding {
  try {
    return encodingOf(req.headers['content-type']);
  } catch {
    return 'json';
  }
}
