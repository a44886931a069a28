import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import { startEmbeddedServer, type EmbeddedServer, type EmbeddedServerOptions } from '../../server/embedded-server.ts';
import { tempDir } from '../../tools/temp-dir.ts';

export interface TestServer {
  server: EmbeddedServer;
  /** An HTTP client for the server's ClickHouse interface, as another process would use it. */
  http: ClickHouseClient;
  stop(): Promise<void>;
}

/** Start the embedded server on free loopback ports in a temp data dir; stop() removes everything. */
export async function startTestServer(opts: Partial<EmbeddedServerOptions> = {}): Promise<TestServer> {
  const dir = tempDir();
  const server = await startEmbeddedServer({ dataDir: dir.path, otlpPort: 0, queryPort: 0, ...opts });
  const http = createClient({ url: server.queryUrl, database: 'otel', log: { level: ClickHouseLogLevel.OFF } });
  return {
    server,
    http,
    async stop() {
      await http.close();
      await server.close();
      dir.cleanup();
    },
  };
}

/**
 * Wait until every span the server acknowledged is in the store. Queries wait too, but only up to
 * 10 s (then they run on what is there): a suite that loads both cores can take longer than that to
 * insert, and a peer test's first query would then see none of its spans.
 */
export async function allIngested(t: TestServer): Promise<void> {
  await t.server.ingested(60_000);
}
