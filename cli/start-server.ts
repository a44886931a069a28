/**
 * Starting the embedded server from `flightrec up` and `flightrec demo`: the port flags read, the
 * data directory and the ports checked before anything is created, and every start-up failure a
 * user can fix turned into one line that names the fix.
 */
import type { EmbeddedServer, EmbeddedServerOptions } from '../server/embedded-server.ts';
import { asPortError, checkPortsFree, type PortUse } from './check-ports.ts';
import { UsageError } from './command.ts';
import { DEFAULT_QUERY_URL } from './connect.ts';
import { isStoreLockedError, storeLockHolder } from './store-in-use.ts';

/** A port flag's value (or its environment variable's), 0 meaning any free port. */
export function portOption(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${flag} must be a port number 0..65535, got ${JSON.stringify(value)}`);
  return n;
}

function storeInUse(dataDir: string, holder?: number): UsageError {
  return new UsageError(`the store ${dataDir} is already open${holder ? ` in process ${holder}` : ''} (another \`flightrec up\` or demo?): ` +
    `query that one with --url (default ${DEFAULT_QUERY_URL}), stop it first, or start this one with another --data-dir`);
}

export async function startServer(opts: EmbeddedServerOptions & { readonly dataDir: string }): Promise<EmbeddedServer> {
  const holder = storeLockHolder(opts.dataDir);
  if (typeof holder === 'number') throw storeInUse(opts.dataDir, holder);
  const ports: PortUse[] = [
    { port: opts.otlpPort ?? 4318, what: 'OTLP/HTTP', flag: '--otlp-port' },
    { port: opts.queryPort ?? 8123, what: 'ClickHouse HTTP', flag: '--query-port' },
    ...(opts.grpcPort !== undefined ? [{ port: opts.grpcPort, what: 'OTLP/gRPC', flag: '--grpc-port' }] : []),
  ];
  await checkPortsFree(opts.host ?? '127.0.0.1', ports);
  // Loaded here, not at the top: the OpenTelemetry SDK and the server take ~0.5 s to import, and
  // every other CLI command would pay for it.
  const { startEmbeddedServer, UnsafeListenError } = await import('../server/embedded-server.ts');
  try {
    return await startEmbeddedServer(opts);
  } catch (err) {
    if (err instanceof UnsafeListenError) throw new UsageError(err.message);
    if (isStoreLockedError(err)) throw storeInUse(opts.dataDir);
    throw asPortError(err, ports);
  }
}
