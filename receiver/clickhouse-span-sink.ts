/**
 * Writes `otel_traces` rows into ClickHouse — chdb in process, or a server over HTTP — as one
 * pre-encoded INSERT body per group commit.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { insertBody } from '../storage/store-client.ts';
import { DEFAULT_DATABASE, Tables } from '../storage/tables.ts';
import type { EncodedBatch, SpanSink } from './ingest-queue.ts';
import { TRACE_INSERT_COLUMNS } from '../storage/trace-columns.ts';
import { DEFAULT_ROW_FORMAT, encodeRows, type RowFormat } from './row-format.ts';
import type { OtelTraceRow } from './span-rows.ts';

export class ClickHouseSpanSink implements SpanSink {
  readonly #client: ClickHouseClient;
  readonly #database: string;
  /** The format every batch handed to write() is encoded in. */
  readonly format: RowFormat;

  constructor(client: ClickHouseClient, database: string = DEFAULT_DATABASE, format: RowFormat = DEFAULT_ROW_FORMAT) {
    this.#client = client;
    this.#database = database;
    this.format = format;
  }

  /** Write rows in one insert (for seeding and tools; the receiver hands over encoded batches). */
  write(rows: readonly OtelTraceRow[]): Promise<void> {
    return this.writeBatches([{ spans: rows.length, data: encodeRows(rows, this.format) }]);
  }

  /** One insert per run of batches in the same format (a log replayed across an upgrade may mix them). */
  async writeBatches(batches: readonly EncodedBatch[]): Promise<void> {
    for (let i = 0; i < batches.length; ) {
      const format = batches[i]!.format ?? this.format;
      let j = i + 1;
      while (j < batches.length && (batches[j]!.format ?? this.format) === format) j++;
      // The parts as they are: a segment of the write-ahead log is inserted without a copy into one buffer.
      const body = batches.slice(i, j).map((b) => b.data);
      await insertBody(this.#client, { database: this.#database, table: Tables.traces, columns: TRACE_INSERT_COLUMNS, format, body });
      i = j;
    }
  }
}
