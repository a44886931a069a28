/**
 * `flightrec up` as its own process (one chdb data directory per process, so two stores are two
 * processes), with reader and writer users, on free loopback ports; stop() ends it and removes its data.
 */
import type { ChildProcess } from 'node:child_process';
import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import { startCli } from '../../support/run-cli.ts';
import { tempDir } from '../../support/temp-dir.ts';

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
  const child = startCli(['up', '--data-dir', dir.path, '--otlp-port', '0', '--query-port', '0'], {
    env: { FLIGHTREC_WRITER_PASSWORD: WRITER.password, FLIGHTREC_READER_PASSWORD: READER.password, FLIGHTREC_FSYNC: '0', ...env },
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('Press Ctrl-C to stop.')) resolve(); });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => reject(new Error(`flightrec up exited with ${code}:\n${out}`)));
  });
  const otlpUrl = /OTLP\/HTTP traces:\s+(\S+)\/v1\/traces/.exec(out)![1]!;
  const queryUrl = /ClickHouse HTTP:\s+(\S+)/.exec(out)![1]!;
  const reader = createClient({ url: queryUrl, username: READER.name, password: READER.password, database: 'otel', request_timeout: 120_000, log: { level: ClickHouseLogLevel.OFF } });
  return {
    child, otlpUrl, queryUrl, reader, dataDir: dir.path,
    output: () => out,
    async stop() {
      await reader.close();
      if (child.exitCode === null) { child.kill('SIGINT'); await exited; }
      dir.cleanup();
    },
  };
}
