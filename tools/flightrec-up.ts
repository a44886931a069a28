/**
 * `flightrec up` as its own process (one chdb data directory per process, so two stores are two
 * processes), with reader and writer users, on free loopback ports; stop() ends it and removes its data.
 */
import type { ChildProcess } from 'node:child_process';
import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import { startUp as startUpProcess } from './run-cli.ts';
import { tempDir } from './temp-dir.ts';

export const WRITER = { name: 'writer', password: 'writer-pass' } as const;
export const READER = { name: 'reader', password: 'reader-pass' } as const;

export interface UpProcess {
  readonly child: ChildProcess;
  /** OTLP/HTTP base URL (append /v1/traces). */
  readonly otlpUrl: string;
  /** The ClickHouse HTTP interface. */
  readonly queryUrl: string;
  /** A reader client on the interface (database otel). */
  readonly reader: ClickHouseClient;
  readonly dataDir: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startUp(env: NodeJS.ProcessEnv = {}): Promise<UpProcess> {
  const dir = tempDir();
  const up = await startUpProcess(['--data-dir', dir.path, '--otlp-port', '0', '--query-port', '0'], {
    env: { FLIGHTREC_WRITER_PASSWORD: WRITER.password, FLIGHTREC_READER_PASSWORD: READER.password, FLIGHTREC_FSYNC: '0', ...env },
  });
  const queryUrl = up.queryUrl;
  const reader = createClient({ url: queryUrl, username: READER.name, password: READER.password, database: 'otel', request_timeout: 120_000, log: { level: ClickHouseLogLevel.OFF } });
  return {
    child: up.child, otlpUrl: up.otlpUrl, queryUrl, reader, dataDir: dir.path,
    output: up.output,
    async stop() {
      await reader.close();
      await up.stop();
      dir.cleanup();
    },
  };
}

/** The Grafana harness's name for the same process. */
export type RunningUp = UpProcess;
export const startFlightrecUp = startUp;
