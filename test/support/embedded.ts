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
