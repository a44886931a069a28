/**
 * OTLP/gRPC trace receiver: `opentelemetry.proto.collector.trace.v1.TraceService/Export`, the
 * protocol many SDKs default to (port 4317), next to OTLP/HTTP.
 *
 * The request message is taken as raw bytes (identity deserializer) and goes through the same
 * conversion, queue and durability as an OTLP/HTTP protobuf body (receiver/otlp-export.ts);
 * grpc-js handles framing, message compression and the size limit. Status codes
 * follow the OTLP spec: OK with `partial_success` when some spans were rejected, INVALID_ARGUMENT
 * for a request that can never succeed, UNAUTHENTICATED for a missing or wrong bearer token,
 * UNAVAILABLE (which every OTLP exporter retries) when the store cannot take the spans now.
 */
import { Server, ServerCredentials, status, type Metadata, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import { NO_INGEST_LOG, type IngestLogSink } from '../receiver/ingest-log.ts';
import type { Ingestor } from '../receiver/ingest-queue.ts';
import { OtlpExports, type ExportFailure, type ReceiverCounters } from '../receiver/otlp-export.ts';
import { ExportTraceServiceResponse } from '../receiver/otlp-proto-schema.ts';
import type { IngestToken } from '../access/ingest-token.ts';
import type { OtlpReceiverOptions } from './otlp-receiver.ts';

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
  const exports = new OtlpExports(queue, opts, log);
  const server = new Server({ 'grpc.max_receive_message_length': opts.maxBodyBytes });

  async function exportSpans(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): Promise<void> {
    const request = exports.begin(call.request.length);
    try {
      if (opts.ingestToken !== undefined && !authorized(call.metadata, opts.ingestToken)) {
        callback(grpcError(request.unauthorized()));
        return;
      }
      const { rejectedSpans, partial } = await request.submit(call.request, 'protobuf');
      callback(null, encodeResponse(partial ? { partialSuccess: { rejectedSpans, errorMessage: partial } } : {}));
    } catch (err) {
      callback(grpcError(request.failed(err)));
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
    counters: exports.counters,
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

/** An export's failure as the OTLP spec's gRPC status: UNAVAILABLE (retried) or the client's error. */
function grpcError(f: ExportFailure): { code: status; details: string } {
  if (f.outcome === 'refused') return { code: status.UNAVAILABLE, details: f.internal ? f.message : `${f.message}; retry in ${f.retryAfterSeconds} s` };
  return { code: f.status === 401 ? status.UNAUTHENTICATED : status.INVALID_ARGUMENT, details: f.message };
}

function authorized(metadata: Metadata, token: IngestToken): boolean {
  const value = metadata.get('authorization')[0];
  return token.admits(typeof value === 'string' ? value : value?.toString('utf8'));
}
