/**
 * OTLP/gRPC trace receiver: `opentelemetry.proto.collector.trace.v1.TraceService/Export`, the
 * protocol many SDKs default to (port 4317), next to OTLP/HTTP.
 *
 * The request message is taken as raw bytes (identity deserializer) and goes through the same
 * one-pass conversion, queue and durability as an OTLP/HTTP protobuf body (`convertRequest` in
 * otlp-receiver.ts); grpc-js handles framing, message compression and the size limit. Status codes
 * follow the OTLP spec: OK with `partial_success` when some spans were rejected, INVALID_ARGUMENT
 * for a request that can never succeed, UNAUTHENTICATED for a missing or wrong bearer token,
 * UNAVAILABLE (which every OTLP exporter retries) when the store cannot take the spans now.
 */
import { Server, ServerCredentials, status, type Metadata, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import { BadRequestError } from '../receiver/decode-request.ts';
import { NO_INGEST_LOG, type IngestLogSink } from '../receiver/ingest-log.ts';
import { type Ingestor, RetryableError } from '../receiver/ingest-queue.ts';
import { ExportTraceServiceResponse } from '../receiver/otlp-proto-schema.ts';
import { RequestShapeError } from '../receiver/span-rows.ts';
import { secretEquals } from './http-body.ts';
import { convertRequest, type OtlpReceiverOptions, type ReceiverCounters } from './otlp-receiver.ts';

const identity = (b: Buffer): Buffer => b;

/** The one method of the OTLP trace service, carrying raw message bytes both ways. */
const TRACE_SERVICE: ServiceDefinition = {
  Export: {
    path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

const encodeResponse = (message: object): Buffer => Buffer.from(ExportTraceServiceResponse.encode(ExportTraceServiceResponse.fromObject(message)).finish());

export interface OtlpGrpcReceiver {
  /** `host:port` it listens on. */
  readonly address: string;
  readonly port: number;
  readonly counters: ReceiverCounters;
  close(): Promise<void>;
}

export async function startOtlpGrpcReceiver(queue: Ingestor, host: string, port: number, opts: OtlpReceiverOptions, log: IngestLogSink = NO_INGEST_LOG): Promise<OtlpGrpcReceiver> {
  const counters: ReceiverCounters = { requests: 0, rejectedRequests: 0, rejectedSpans: 0, acceptedSpans: 0, retryableRefusals: 0 };
  const server = new Server({ 'grpc.max_receive_message_length': opts.maxBodyBytes });

  async function exportSpans(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): Promise<void> {
    counters.requests++;
    const receivedAt = performance.now();
    const bytes = call.request.length;
    let spansInRequest = 0;
    // The ingest log speaks HTTP statuses; a gRPC outcome is noted as its OTLP/HTTP equivalent.
    const note = (outcome: 'rejected' | 'refused' | 'partial', httpStatus: number, spans: number, message: string): void => {
      log.record({ outcome, spans, bytes, latencyMs: performance.now() - receivedAt, requests: 1, httpStatus, message });
    };
    try {
      if (opts.ingestToken !== undefined && !authorized(call.metadata, opts.ingestToken)) {
        counters.rejectedRequests++;
        note('rejected', 401, 0, 'missing or wrong bearer token');
        callback({ code: status.UNAUTHENTICATED, details: 'missing or wrong bearer token' });
        return;
      }
      const batch = convertRequest(call.request, 'protobuf', opts);
      spansInRequest = batch.spans + batch.rejectedSpans;
      counters.rejectedSpans += batch.rejectedSpans;
      await queue.submit(batch, { bytes, receivedAt });
      counters.acceptedSpans += batch.spans;
      if (batch.partial) note('partial', 200, batch.rejectedSpans, batch.partial);
      callback(null, encodeResponse(batch.partial ? { partialSuccess: { rejectedSpans: batch.rejectedSpans, errorMessage: batch.partial } } : {}));
    } catch (err) {
      if (err instanceof RetryableError) {
        counters.retryableRefusals++;
        note('refused', err.status, spansInRequest, err.message);
        callback({ code: status.UNAVAILABLE, details: `${err.message}; retry in ${err.retryAfterSeconds} s` });
        return;
      }
      counters.rejectedRequests++;
      if (err instanceof BadRequestError || err instanceof RequestShapeError) {
        note('rejected', 400, spansInRequest, err.message);
        callback({ code: status.INVALID_ARGUMENT, details: err.message });
      } else {
        const message = `receiver error: ${(err as Error).message}`;
        note('refused', 503, spansInRequest, message);
        callback({ code: status.UNAVAILABLE, details: message });
      }
    }
  }

  server.addService(TRACE_SERVICE, { Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => void exportSpans(call, callback) });
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, ServerCredentials.createInsecure(), (err, p) => {
      if (!err) return resolve(p);
      const busy = /EADDRINUSE/.test(err.message);
      reject(new Error(`cannot listen for OTLP/gRPC on ${host}:${port}: ${busy ? 'the port is already in use (a collector?); choose another with --grpc-port' : err.message}`));
    });
  });
  return {
    address: `${host}:${bound}`,
    port: bound,
    counters,
    close: () =>
      new Promise<void>((resolve) => {
        // Let calls in flight finish (their spans are being made durable), then stop.
        const timer = setTimeout(() => server.forceShutdown(), 5_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

function authorized(metadata: Metadata, token: string): boolean {
  const value = metadata.get('authorization')[0];
  const auth = typeof value === 'string' ? value : (value?.toString('utf8') ?? '');
  return secretEquals(auth.startsWith('Bearer ') ? auth.slice(7).trim() : '', token);
}
