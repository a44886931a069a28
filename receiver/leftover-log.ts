/**
 * Rows a stopped `flightrec up` left in its write-ahead log (killed, or the store refused them at
 * shutdown), stored before a CLI command reads the same data directory in-process: they were
 * acknowledged to their clients, so a query that skipped them would answer from less than was
 * accepted.
 */
import { existsSync } from 'node:fs';
import type { ClickHouseClient } from '@clickhouse/client';
import { ClickHouseSpanSink } from './clickhouse-span-sink.ts';
import { walDirOf, WriteAheadLog } from './write-ahead-log.ts';

export interface LeftoverResult {
  /** Spans found in the log. */
  readonly found: number;
  /** Of those, still in the log because the store did not take them (also said on stderr). */
  readonly left: number;
}

export async function storeLeftoverLog(client: ClickHouseClient, dataDir: string, database: string): Promise<LeftoverResult> {
  const dir = walDirOf(dataDir);
  if (!existsSync(dir)) return { found: 0, left: 0 };
  const wal = WriteAheadLog.open(new ClickHouseSpanSink(client, database), { dir });
  const found = wal.status.backlogSpans;
  // close() inserts every segment and deletes each once its insert returned; what fails stays on disk.
  await wal.close();
  return { found, left: wal.status.backlogSpans };
}
