/**
 * Writes `otel_traces` rows into ClickHouse — chdb in process, or a server over HTTP — as one
 * pre-encoded INSERT body per group commit.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { insertBody } from '../storage/store-client.ts';
import { DEFAULT_DATABASE, Tables } from '../storage/tables.ts';
import type { SpanSink } from './ingest-queue.ts';
import { encodeRows, TRACE_INSERT_COLUMNS, type RowFormat } from './row-format.ts';
import type { OtelTraceRow } from './span-rows.ts';

export class ClickHouseSpanSink implements SpanSink {
  readonly #client: ClickHouseClient;
  readonly #database: string;
  readonly #format: RowFormat;

  constructor(client: ClickHouseClient, database: string = DEFAULT_DATABASE, format: RowFormat = 'TSV') {
    this.#client = client;
    this.#database = database;
    this.#format = format;
  }

  async write(rows: readonly OtelTraceRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const body = encodeRows(rows, this.#format);
    await insertBody(this.#client, { database: this.#database, table: Tables.traces, columns: TRACE_INSERT_COLUMNS, format: this.#format, body });
    return body.length;
  }
}
