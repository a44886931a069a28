/**
 * `flightrec up`: one process that owns the embedded store (chdb) and serves it twice — an OTLP/HTTP
 * receiver that writes spans, and ClickHouse's HTTP interface that every other process (the CLI,
 * Grafana, the audit export) reads through.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { drainPending } from 'chdb';
import type { QueryLimits } from '../access/query-limits.ts';
import { openEngine } from '../storage/engine-start.ts';
import { ClickHouseSpanSink } from '../receiver/clickhouse-span-sink.ts';
import { IngestLog } from '../receiver/ingest-log.ts';
import { IngestQueue, type Ingestor, type IngestQueueOptions } from '../receiver/ingest-queue.ts';
import { walDirOf, WriteAheadLog, type WriteAheadLogOptions } from '../receiver/write-ahead-log.ts';
import { DEFAULT_ROW_FORMAT, type RowFormat } from '../receiver/row-format.ts';
import { DEFAULT_ROW_LIMITS, type RowLimits } from '../receiver/span-rows.ts';
import { migrate, openStore } from '../storage/store-client.ts';
import { DEFAULT_DATABASE } from '../storage/tables.ts';
import { createClickHouseHandler, type QueryUser } from './clickhouse-http-interface.ts';
import type { ResultFileLimits } from './result-files.ts';
import { browserRefusal, isLoopback, loopbackHostNames } from './browser-guard.ts';
import { send } from './http-body.ts';
import { createOtlpHandler, type ReceiverCounters } from './otlp-receiver.ts';
import { IngestToken } from '../access/ingest-token.ts';
import { startOtlpGrpcReceiver, type OtlpGrpcReceiver } from './otlp-grpc-receiver.ts';

export interface EmbeddedServerOptions {
  readonly dataDir: string;
  /** Address to listen on; loopback unless told otherwise. */
  readonly host?: string;
  /** OTLP/HTTP port (4318 by convention); 0 picks a free one. */
  readonly otlpPort?: number;
  /** ClickHouse HTTP port (8123 by convention); 0 picks a free one. */
  readonly queryPort?: number;
  /** OTLP/gRPC port (4317 by convention; 0 picks a free one); no gRPC listener when absent. */
  readonly grpcPort?: number;
  readonly ingestToken?: string;
  readonly users?: readonly QueryUser[];
  /** Limits on queries through the ClickHouse HTTP port (defaults in access/query-limits.ts). */
  readonly queryLimits?: Partial<QueryLimits>;
  /** Bounds on query results written as files for clients on this host (result-files.ts). */
  readonly resultFiles?: Partial<ResultFileLimits>;
  readonly ttlDays?: number;
  /** fsync every insert before acknowledging (default true; see migrate() in storage/store-client.ts). */
  readonly fsync?: boolean;
  /** Insert format for spans (default Native, the fastest for chdb to read; see receiver/row-format.ts). */
  readonly rowFormat?: RowFormat;
  readonly database?: string;
  readonly maxBodyBytes?: number;
  /** Per-span limits (attribute size, timestamp range); defaults in receiver/span-rows.ts. */
  readonly rowLimits?: Partial<RowLimits>;
  readonly queue?: Partial<IngestQueueOptions>;
  /**
   * `wal` (default): acknowledge once rows are fsynced to a write-ahead log, insert in large batches
   * in the background (receiver/write-ahead-log.ts). `direct`: acknowledge after the insert holding
   * the rows returned (group commit, receiver/ingest-queue.ts).
   */
  readonly ingestMode?: IngestMode;
  /** Write-ahead log directory; default `<dataDir>/flightrec-wal` (chdb ignores it). */
  readonly walDir?: string;
  readonly wal?: Partial<Omit<WriteAheadLogOptions, 'dir'>>;
}

export type IngestMode = 'wal' | 'direct';
export const DEFAULT_INGEST_MODE: IngestMode = 'wal';
export const INGEST_MODES: readonly IngestMode[] = ['wal', 'direct'];

export interface EmbeddedServer {
  readonly otlpUrl: string;
  /** `host:port` of the OTLP/gRPC listener, when one was asked for. */
  readonly grpcAddress: string | null;
  readonly queryUrl: string;
  readonly dataDir: string;
  /** The in-process client that owns the store (writes go through it). */
  readonly client: ClickHouseClient;
  readonly queue: Ingestor;
  /** Set in `wal` mode. */
  readonly wal: WriteAheadLog | null;
  /**
   * Resolves once every span acknowledged before the call is in the store (at once in `direct`
   * mode, where acknowledgement means inserted). Queries through the ClickHouse HTTP interface do
   * this themselves; in-process readers of `client` call it after sending spans.
   */
  ingested(timeoutMs?: number): Promise<void>;
  readonly ingestLog: IngestLog;
  readonly counters: ReceiverCounters;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen(server.address() as AddressInfo);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((r) => {
    server.close(() => r());
    server.closeIdleConnections();
  });
}

function urlOf(host: string, addr: AddressInfo): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${addr.port}`;
}

/** Thrown before anything starts when the query port would be open to the network without passwords. */
export class UnsafeListenError extends Error {}

export async function startEmbeddedServer(opts: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const dataDir = resolve(opts.dataDir);
  const host = opts.host ?? '127.0.0.1';
  const database = opts.database ?? DEFAULT_DATABASE;
  const maxBodyBytes = opts.maxBodyBytes ?? 32 << 20;
  if (!isLoopback(host) && (opts.users ?? []).length === 0) {
    throw new UnsafeListenError(`refusing to listen on ${host} without passwords: set FLIGHTREC_READER_PASSWORD (or FLIGHTREC_READER_PASSWORD_FILE, a file with mode 0600), or listen on 127.0.0.1`);
  }
  // The engine starts from flightrec's own configuration, before anything else opens the directory.
  const engine = openEngine(dataDir);
  let client: ClickHouseClient;
  try {
    client = await openStore({ kind: 'embedded', path: dataDir }, database);
  } catch (err) {
    engine.close();
    throw err;
  }
  try {
    await migrate(client, { database, ttlDays: opts.ttlDays, fsync: opts.fsync ?? true });
  } catch (err) {
    await client.close();
    engine.close();
    throw err;
  }

  const ingestLog = new IngestLog(client, { database, receiver: 'otlp_http' });
  const rowFormat = opts.rowFormat ?? DEFAULT_ROW_FORMAT;
  const sink = new ClickHouseSpanSink(client, database, rowFormat);
  const fsync = opts.fsync ?? true;
  const wal = (opts.ingestMode ?? DEFAULT_INGEST_MODE) === 'wal' ? WriteAheadLog.open(sink, { fsync, ...opts.wal, dir: resolve(opts.walDir ?? walDirOf(dataDir)) }, ingestLog) : null;
  const queue: Ingestor = wal ?? new IngestQueue(sink, opts.queue, ingestLog);
  const ingested = async (timeoutMs?: number): Promise<void> => void (await wal?.caughtUp(timeoutMs));
  const receiverOptions = { rowFormat, ingestToken: opts.ingestToken === undefined ? undefined : new IngestToken(opts.ingestToken), maxBodyBytes, rowLimits: { ...DEFAULT_ROW_LIMITS, ...opts.rowLimits } };
  const otlp = createOtlpHandler(queue, receiverOptions, ingestLog);
  const clickhouse = createClickHouseHandler({ dataPath: dataDir, defaultDatabase: database, users: opts.users ?? [], maxBodyBytes, limits: opts.queryLimits, resultFiles: opts.resultFiles, beforeQuery: wal ? () => ingested() : undefined });

  const crash = (res: import('node:http').ServerResponse, err: unknown): void => {
    send(res, 500, `internal error: ${(err as Error).message}\n`, { 'Content-Type': 'text/plain' });
  };
  const otlpServer = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/v1/traces') {
      otlp.handle(req, res).catch((err) => crash(res, err));
    } else if (path === '/health' || path === '/') {
      req.resume();
      const walStatus = wal?.status;
      const health = { status: walStatus?.storeError ? 'degraded' : 'ok', ingestMode: wal ? 'wal' : 'direct', queuedSpans: queue.queuedRows, ...(walStatus && { wal: walStatus }), ...otlp.counters, ...(grpc && { grpc: grpc.counters }), ingestLogError: ingestLog.lastError };
      send(res, 200, JSON.stringify(health), { 'Content-Type': 'application/json' });
    } else {
      req.resume();
      send(res, 404, JSON.stringify({ code: 5, message: `no OTLP endpoint at ${path}; traces go to POST /v1/traces` }), { 'Content-Type': 'application/json' });
    }
  });
  // Set once the query port is listening (its port is known then).
  let ownOrigins: ReadonlySet<string> = new Set();
  let allowedHosts: ReadonlySet<string> | null = null;
  const queryServer = createServer((req, res) => {
    const refusal = browserRefusal(req, ownOrigins, allowedHosts);
    if (refusal) {
      req.resume();
      send(res, 403, `Code: 497. DB::Exception: ${refusal}. (ACCESS_DENIED)\n`, { 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Exception-Code': '497' });
      return;
    }
    clickhouse.handle(req, res).catch((err) => crash(res, err));
  });

  let otlpAddr: AddressInfo;
  let queryAddr: AddressInfo;
  let grpc: OtlpGrpcReceiver | null = null;
  let grpcLog: IngestLog | null = null;
  try {
    otlpAddr = await listen(otlpServer, opts.otlpPort ?? 4318, host);
    queryAddr = await listen(queryServer, opts.queryPort ?? 8123, host);
    ownOrigins = new Set([urlOf(host, queryAddr)]);
    // On loopback, a Host naming anything else is a web page reaching us by DNS rebinding; on a
    // network address the names are the network's (and passwords are required there).
    allowedHosts = isLoopback(host) ? loopbackHostNames() : null;
    if (opts.grpcPort !== undefined) {
      // Its refusals and rejections are labelled as gRPC on the pipeline-health dashboard; accepted
      // spans are counted by the shared queue's group commits.
      grpcLog = new IngestLog(client, { database, receiver: 'otlp_grpc' });
      grpc = await startOtlpGrpcReceiver(queue, host, opts.grpcPort, receiverOptions, grpcLog);
    }
  } catch (err) {
    await Promise.allSettled([closeServer(otlpServer), closeServer(queryServer)]);
    await wal?.abandon();
    await ingestLog.close();
    await grpcLog?.close();
    clickhouse.close();
    await client.close();
    engine.close();
    throw err;
  }

  let closed: Promise<void> | null = null;
  return {
    otlpUrl: urlOf(host, otlpAddr),
    grpcAddress: grpc?.address ?? null,
    queryUrl: urlOf(host, queryAddr),
    dataDir,
    client,
    queue,
    wal,
    ingested,
    ingestLog,
    counters: otlp.counters,
    close() {
      closed ??= (async () => {
        // Stop taking requests, let the queued ones reach the store, then release the directory.
        const stopping = Promise.all([closeServer(otlpServer), closeServer(queryServer), grpc?.close()]);
        await queue.close();
        await stopping;
        await ingestLog.close();
        await grpcLog?.close();
        clickhouse.close();
        await client.close();
        engine.close();
        // Until chdb has really released the directory, this process cannot open another one.
        await drainPending();
      })();
      return closed;
    },
  };
}
