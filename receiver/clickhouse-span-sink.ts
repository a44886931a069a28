/**
 * Writes `otel_traces` rows through `@clickhouse/client` — to chdb in process or to a server.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { Readable } from 'node:stream';
import { DEFAULT_DATABASE, Tables, quoteIdent } from '../storage/tables.ts';
import type { SpanSink } from './ingest-queue.ts';
import type { OtelTraceRow } from './span-rows.ts';

export class ClickHouseSpanSink implements SpanSink {
  readonly #client: ClickHouseClient;
  readonly #table: string;

  constructor(client: ClickHouseClient, database: string = DEFAULT_DATABASE) {
    this.#client = client;
    this.#table = `${quoteIdent(database)}.${quoteIdent(Tables.traces)}`;
  }

  async write(rows: readonly OtelTraceRow[]): Promise<void> {
    if (rows.length === 0) return;
    // One pre-joined body: the chdb connection materialises the body anyway, and this avoids the
    // client's per-row stream for large group commits.
    let body = '';
    for (const row of rows) body += JSON.stringify(row) + '\n';
    const result = await this.#client.exec({ query: `INSERT INTO ${this.#table} FORMAT JSONEachRow`, values: Readable.from([body]) });
    result.stream.resume();
  }
}
