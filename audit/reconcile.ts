/**
 * Late-arriving spans: an export covers a closed period, but a span for that period may reach the
 * store after the export was made (a slow or restarted producer, a collector's retry queue) — it
 * is then in no export, and the chain still verifies. `flightrec reconcile` counts, for each export
 * whose signature holds, the spans its signed selection finds in the store now, and compares that
 * with the records it holds: more in the store are late arrivals (export the period again, or
 * chain a catch-up export for it); fewer are spans erased or expired since (erasure, the TTL).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { KeyObject } from 'node:crypto';
import { countQuery, filtersFromParams } from './export-query.ts';
import { readSignedManifest } from './verify-export.ts';

export interface ReconcileRow {
  dir: string;
  from: string | null;
  to: string;
  exported: number;
  /** Spans the export's selection finds in the store now. */
  stored: number;
}

export interface ReconcileReport {
  ok: boolean;
  rows: ReconcileRow[];
  /** Exports whose signed manifest could not be read (they are not counted). */
  unreadable: { dir: string; why: string }[];
}

export async function reconcile(client: ClickHouseClient, dirs: readonly string[], publicKey: KeyObject): Promise<ReconcileReport> {
  const rows: ReconcileRow[] = [];
  const unreadable: { dir: string; why: string }[] = [];
  for (const dir of dirs) {
    const m = readSignedManifest(dir, publicKey);
    if (!m.ok) {
      unreadable.push({ dir, why: m.why });
      continue;
    }
    const q = countQuery(filtersFromParams(m.manifest.query.params));
    const [row] = await (await client.query({ query: q.sql, query_params: q.params, format: 'JSONEachRow' })).json<{ n: string | number }>();
    rows.push({ dir, from: m.manifest.time_range.from, to: m.manifest.time_range.to, exported: m.manifest.records.count, stored: Number(row?.n ?? 0) });
  }
  rows.sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
  return { ok: unreadable.length === 0 && rows.every((r) => r.stored === r.exported), rows, unreadable };
}
