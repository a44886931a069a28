/**
 * Writes `otel_traces` rows into ClickHouse — chdb in process, or a server over HTTP — as one
 * pre-encoded INSERT body per group commit.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { insertBody } from '../storage/store-client.ts';
import { DEFAULT_DATABASE, Tables } from '../storage/tables.ts';
import type { EncodedBatch, SpanSink } from './ingest-queue.ts';
import { encodeRows, TRACE_INSERT_COLUMNS, type RowFormat } from './row-format.ts';
import type { OtelTraceRow } from './span-rows.ts';

export class ClickHouseSpanSink implements SpanSink {
  readonly #client: ClickHouseClient;
  readonly #database: string;
  /** The format every batch handed to write() is encoded in. */
  readonly format: RowFormat;

  constructor(client: ClickHouseClient, database: string = DEFAULT_DATABASE, format: RowFormat = 'TSV') {
    this.#client = client;
    this.#database = database;
    this.format = format;
  }

  /** Write rows in one insert (for seeding and tools; the receiver hands over encoded batches). */
  write(rows: readonly OtelTraceRow[]): Promise<void> {
    return this.writeBatches([{ spans: rows.length, data: encodeRows(rows, this.format) }]);
  }

  async writeBatches(batches: readonly EncodedBatch[]): Promise<void> {
    if (batches.length === 0) return;
    const body = batches.length === 1 ? batches[0]!.data : Buffer.concat(batches.map((b) => b.data));
    await insertBody(this.#client, { database: this.#database, table: Tables.traces, columns: TRACE_INSERT_COLUMNS, format: this.format, body });
  }
}
