/**
 * Runs a saved query with bound parameters through `@clickhouse/client`, against the embedded
 * server, a ClickHouse server, or an in-process store alike.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { resolveParams } from '../catalogue/query-params.ts';
import type { SavedQuery } from '../catalogue/saved-queries.ts';

export type Row = Record<string, unknown>;

export interface RunOptions {
  /**
   * Date-times as ISO 8601 in UTC (`2026-12-07T01:01:29.955123456Z`) instead of the server's
   * `YYYY-MM-DD hh:mm:ss` in its own zone: what human output needs to write UTC without guessing.
   */
  readonly isoTimes?: boolean;
}

export async function runSavedQuery(client: ClickHouseClient, q: SavedQuery, given: Readonly<Record<string, string>> = {}, opts: RunOptions = {}): Promise<Row[]> {
  const query_params = resolveParams(q, given);
  const rs = await client.query({
    query: q.sql,
    query_params,
    format: 'JSONEachRow',
    ...(opts.isoTimes ? { clickhouse_settings: { date_time_output_format: 'iso' as const } } : {}),
  });
  return (await rs.json()) as Row[];
}
