import { parseArgs } from 'node:util';
import { logVerbosity, setLogVerbosity } from '@grpc/grpc-js';
import { DEFAULT_INGEST_MODE, INGEST_MODES } from '../../server/embedded-server.ts';
import { queryLimitsFromEnv, resolveQueryLimits, threadPoolSize } from '../../access/query-limits.ts';
import { DEFAULT_WAL_OPTIONS } from '../../receiver/write-ahead-log.ts';
import { DEFAULT_TTL_DAYS } from '../../storage/schema.ts';
import { DEFAULT_DATA_DIR } from '../connect.ts';
import { ingestTokenFromEnv, usersFromEnv } from '../users-from-env.ts';
import { UsageError, type Command } from '../command.ts';
import { portOption as port, startServer } from '../start-server.ts';
import { waitForStopSignal } from '../stop-signal.ts';

/** A whole number > 0 from the environment, or undefined when the variable is unset or empty. */
function positiveEnv(name: string, what: string): number | undefined {
  const text = process.env[name];
  if (!text) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${name} must be ${what}, got ${JSON.stringify(text)}`);
  return n;
}

export const up: Command = {
  name: 'up',
  summary: 'start the embedded collector and store (OTLP/HTTP and optionally OTLP/gRPC in, ClickHouse HTTP out)',
  usage:
    'flightrec up [--data-dir DIR] [--host 127.0.0.1] [--otlp-port 4318] [--query-port 8123] [--grpc-port 4317] [--ttl-days 180] [--no-fsync] [--ingest-mode wal|direct]\n' +
    '  env: FLIGHTREC_DATA_DIR, FLIGHTREC_HOST, FLIGHTREC_OTLP_PORT, FLIGHTREC_QUERY_PORT, FLIGHTREC_GRPC_PORT, FLIGHTREC_TTL_DAYS, FLIGHTREC_FSYNC=0, FLIGHTREC_INGEST_MODE, FLIGHTREC_WAL_FLUSH_MS,\n' +
    '       FLIGHTREC_WAL_BATCH_SPANS,\n' +
    '       FLIGHTREC_INGEST_TOKEN, FLIGHTREC_READER_PASSWORD, FLIGHTREC_WRITER_PASSWORD, FLIGHTREC_EXPORTER_PASSWORD (each also as …_FILE, mode 0600),\n' +
    '       FLIGHTREC_QUERY_MAX_SECONDS, FLIGHTREC_QUERY_MAX_MEMORY_BYTES, FLIGHTREC_QUERY_MAX_RESULT_ROWS, FLIGHTREC_QUERY_MAX_RESULT_BYTES,\n' +
    '       FLIGHTREC_QUERY_MAX_THREADS, FLIGHTREC_QUERY_CONCURRENCY, FLIGHTREC_QUERY_CONCURRENCY_PER_USER, FLIGHTREC_QUERY_QUEUE, UV_THREADPOOL_SIZE',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string' },
        host: { type: 'string' },
        'otlp-port': { type: 'string' },
        'query-port': { type: 'string' },
        'grpc-port': { type: 'string' },
        'ttl-days': { type: 'string' },
        'no-fsync': { type: 'boolean' },
        'ingest-mode': { type: 'string' },
      },
    });
    const ttlText = values['ttl-days'] ?? process.env.FLIGHTREC_TTL_DAYS;
    const ttl = ttlText === undefined || ttlText === '' ? undefined : Number(ttlText);
    if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 0)) throw new UsageError(`--ttl-days (FLIGHTREC_TTL_DAYS) must be a whole number >= 0 (0 keeps spans forever), got ${JSON.stringify(ttlText)}`);
    const fsync = !(values['no-fsync'] ?? process.env.FLIGHTREC_FSYNC === '0');
    const modeText = values['ingest-mode'] ?? (process.env.FLIGHTREC_INGEST_MODE || DEFAULT_INGEST_MODE);
    const ingestMode = INGEST_MODES.find((m) => m === modeText);
    if (!ingestMode) throw new UsageError(`--ingest-mode (FLIGHTREC_INGEST_MODE) must be one of ${INGEST_MODES.join(', ')}, got ${JSON.stringify(modeText)}`);
    const flushIntervalMs = positiveEnv('FLIGHTREC_WAL_FLUSH_MS', 'a whole number of milliseconds > 0') ?? DEFAULT_WAL_OPTIONS.flushIntervalMs;
    // The largest insert from the write-ahead log: larger is faster under a flood, and costs memory
    // while it is inserted (docs/storage.md).
    const maxBatchRows = positiveEnv('FLIGHTREC_WAL_BATCH_SPANS', 'a whole number of spans > 0') ?? DEFAULT_WAL_OPTIONS.maxBatchRows;
    // grpc-js would also print its own errors (a busy port) to stderr; ours say it in one line.
    setLogVerbosity(logVerbosity.NONE);
    let secrets: { users: ReturnType<typeof usersFromEnv>; ingestToken?: string };
    let queryLimits: ReturnType<typeof queryLimitsFromEnv>;
    try {
      secrets = { users: usersFromEnv(), ingestToken: ingestTokenFromEnv() };
      queryLimits = queryLimitsFromEnv(process.env);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const limits = resolveQueryLimits(queryLimits);
    const server = await startServer({
      ingestMode,
      wal: { flushIntervalMs, maxBatchRows },
      dataDir: values['data-dir'] ?? process.env.FLIGHTREC_DATA_DIR ?? DEFAULT_DATA_DIR,
      host: values.host ?? process.env.FLIGHTREC_HOST,
      otlpPort: port(values['otlp-port'] ?? process.env.FLIGHTREC_OTLP_PORT, 4318, 'otlp-port'),
      queryPort: port(values['query-port'] ?? process.env.FLIGHTREC_QUERY_PORT, 8123, 'query-port'),
      // OTLP/gRPC only when asked for: a second well-known port that a collector may already hold.
      grpcPort: values['grpc-port'] ?? process.env.FLIGHTREC_GRPC_PORT ? port(values['grpc-port'] ?? process.env.FLIGHTREC_GRPC_PORT, 4317, 'grpc-port') : undefined,
      ttlDays: ttl,
      fsync,
      ingestToken: secrets.ingestToken,
      users: secrets.users,
      queryLimits,
    });
    console.log(`flightrec is up (store: ${server.dataDir}; retention ${ttl === 0 ? 'forever' : `${ttl ?? DEFAULT_TTL_DAYS} days`}; fsync ${fsync ? 'on' : 'off'}; ingest ${ingestMode}${ingestMode === 'wal' ? `, inserts of up to ${maxBatchRows.toLocaleString('en-US')} spans` : ''})`);
    console.log(`  OTLP/HTTP traces:   ${server.otlpUrl}/v1/traces   (OTEL_EXPORTER_OTLP_ENDPOINT=${server.otlpUrl})`);
    if (server.grpcAddress) console.log(`  OTLP/gRPC traces:   ${server.grpcAddress}   (OTEL_EXPORTER_OTLP_PROTOCOL=grpc OTEL_EXPORTER_OTLP_ENDPOINT=http://${server.grpcAddress})`);
    console.log(`  ClickHouse HTTP:    ${server.queryUrl}   (flightrec query … --url ${server.queryUrl})`);
    console.log(`  queries: ${secrets.users.length ? secrets.users.map((u) => `${u.name} (${u.role})`).join(', ') : 'anonymous read-only'}; at most ${limits.concurrency} at once of ${threadPoolSize()} pool threads, ${limits.maxExecutionSeconds} s, ${Math.round(limits.maxMemoryBytes / 2 ** 20)} MiB each`);
    console.log('Press Ctrl-C to stop.');
    await waitForStopSignal();
    console.log('stopping: writing queued spans…');
    await server.close();
    return 0;
  },
};
