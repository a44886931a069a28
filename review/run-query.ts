/**
 * Runs a saved query with bound parameters through `@clickhouse/client`, against the embedded
 * server, a ClickHouse server, or an in-process store alike.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { resolveParams } from '../catalogue/query-params.ts';
import type { SavedQuery } from '../catalogue/saved-queries.ts';

export type Row = Record<string, unknown>;

export async function runSavedQuery(client: ClickHouseClient, q: SavedQuery, given: Readonly<Record<string, string>> = {}): Promise<Row[]> {
  const query_params = resolveParams(q, given);
  const rs = await client.query({ query: q.sql, query_params, format: 'JSONEachRow' });
  return (await rs.json()) as Row[];
}
