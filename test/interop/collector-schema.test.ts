/**
 * The contrib exporter's own DDL (`create_schema: true`) against flightrec's schema, with the real
 * collector:
 * 1. against tables `flightrec schema` already made, it changes nothing (every table's SHOW CREATE
 *    TABLE, before and after, in the exporter's database);
 * 2. a stock exporter (its default database `default`, no TTL) on a store without flightrec's schema
 *    creates an otel_traces that flightrec's schema would make too, but flightrec's saved queries need
 *    flightrec's own tables and views in that database, created before the spans arrive (materialized
 *    views fill from inserts).
 *
 * The shipped config runs `create_schema: false`: flightrec up's writer may only insert. So this test
 * serves its own store (in this process, test/support/embedded.ts) whose HTTP writer may still run DDL,
 * and reads and changes the schema through the store's owner connection (the process's own client).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { allDdl, traceIdTsDdl, tracesTableDdl } from '../../storage/schema.ts';
import { Tables } from '../../storage/tables.ts';
import { loadSavedQueries } from '../../catalogue/saved-queries.ts';
import { type SavedQuery } from '../../catalogue/saved-queries.ts';
import { resolveParams } from '../../catalogue/query-params.ts';
import { startTestServer, type TestServer } from '../support/embedded.ts';
import { collectorBinary, postOtlp, startCollector, waitFor } from './support/collector.ts';
import { demoWorkload } from './support/payloads.ts';

const WRITER = { name: 'writer', password: 'schema-writer' };

/**
 * Where the pinned exporter release (v0.161.0) creates its tables differently from flightrec schema,
 * which follows the exporter's current templates (docs/deploy.md): the older otel_traces template (no
 * T64 codec on Duration, no *AttributeItems aliases, no SpanName token index, no Timestamp in the
 * sort key) and the older trace-id lookup (a MergeTree of DateTime64 rows, not an
 * AggregatingMergeTree of min/max per trace). The DDL is line by line, trailing commas removed.
 */
const KNOWN_TEMPLATE_DIFFERENCES = {
  otel_traces: {
    exporterOnly: ['`Duration` UInt64 CODEC(ZSTD(1))', 'ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))'],
    flightrecOnly: [
      '`Duration` UInt64 CODEC(T64, ZSTD(1))',
      "`ResourceAttributeItems` Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(ResourceAttributes, 'Array(Tuple(String, String))'))",
      "`SpanAttributeItems` Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(SpanAttributes, 'Array(Tuple(String, String))'))",
      'INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8',
      'PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))',
      'ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)',
    ],
  },
  otel_traces_trace_id_ts: {
    exporterOnly: ['`Start` DateTime CODEC(Delta(4), ZSTD(1))', '`End` DateTime CODEC(Delta(4), ZSTD(1))', 'INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1', 'ENGINE = MergeTree', 'PARTITION BY toDate(Start)', 'ORDER BY (TraceId, Start)'],
    flightrecOnly: ['`Start` SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1))', '`End` SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))', 'ENGINE = AggregatingMergeTree', 'PARTITION BY toStartOfWeek(Start)', 'ORDER BY (TraceId)'],
  },
  otel_traces_trace_id_ts_mv: {
    exporterOnly: ['`Start` DateTime64(9)', '`End` DateTime64(9)', 'min(Timestamp) AS Start', 'max(Timestamp) AS End'],
    flightrecOnly: ['`Start` DateTime', '`End` DateTime', 'min(toDateTime(Timestamp)) AS Start', 'max(toDateTime(Timestamp)) AS End'],
  },
};
let t: TestServer;
let owner: ClickHouseClient;

beforeAll(async () => {
  await collectorBinary();
  t = await startTestServer({ fsync: false, users: [{ ...WRITER, role: 'writer' }] });
  owner = t.server.client;
}, 1_800_000);
afterAll(async () => { await t?.stop(); });

/** SHOW CREATE TABLE of every table and view in `database`, by name. */
async function schemaOf(database: string): Promise<Record<string, string>> {
  const tables = await (await owner.query({ query: 'SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name', query_params: { db: database }, format: 'JSONEachRow' })).json<{ name: string }>();
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    out[name] = (await (await owner.query({ query: `SHOW CREATE TABLE \`${database}\`.\`${name}\``, format: 'JSONEachRow' })).json<{ statement: string }>())[0]!.statement;
  }
  return out;
}
const rowsIn = async (database: string): Promise<number> =>
  Number((await (await owner.query({ query: `SELECT count() AS n FROM \`${database}\`.otel_traces`, format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n);

/** The demo workload through a collector running the shipped config with `sets`, into this store. */
async function throughCollector(sets: string[], database: string, runTag: string): Promise<void> {
  const collector = await startCollector({
    sets: ['service.pipelines.traces.processors=[memory_limiter,batch]', 'processors.batch.timeout=500ms', ...sets],
    env: { CLICKHOUSE_ENDPOINT: t.server.queryUrl, CLICKHOUSE_USER: WRITER.name, CLICKHOUSE_PASSWORD: WRITER.password },
  });
  try {
    const before = await rowsIn(database).catch(() => 0);
    const demo = await demoWorkload(runTag);
    for (const body of demo.bodies) await postOtlp(collector.otlpHttpUrl, body);
    await waitFor(`${demo.spans} spans in ${database}.otel_traces`, async () => (await rowsIn(database).catch(() => 0)) >= before + demo.spans, 60_000);
  } finally {
    await collector.stop();
  }
}

describe('create_schema: true on tables flightrec schema made', () => {
  it('changes nothing (SHOW CREATE TABLE of every table before and after) and inserts', async () => {
    const before = await schemaOf('otel');
    expect(Object.keys(before)).toEqual(expect.arrayContaining([Tables.traces, Tables.traceIdTs, Tables.traceIdTsMv, Tables.calls]));
    await throughCollector(['exporters.clickhouse.create_schema=true'], 'otel', 'create-schema');
    expect(await schemaOf('otel')).toEqual(before);
  });
});

describe('a stock exporter: default database, no TTL', () => {
  const stock = ['exporters.clickhouse.create_schema=true', 'exporters.clickhouse.database=default', 'exporters.clickhouse.ttl=0s'];

  it('creates otel_traces and its lookup as flightrec schema does, except where the pinned release\'s templates are older', async () => {
    await throughCollector(stock, 'default', 'stock-1');
    const exporters = await schemaOf('default');
    expect(Object.keys(exporters).sort()).toEqual([Tables.traces, Tables.traceIdTs, Tables.traceIdTsMv].sort());
    // flightrec's DDL for the exporter's tables (before its own additions), same options, in a scratch database.
    const opts = { database: 'flightrec_reference', ttlDays: 0 };
    for (const ddl of ['CREATE DATABASE IF NOT EXISTS flightrec_reference', tracesTableDdl(opts), ...traceIdTsDdl(opts)]) await owner.command({ query: ddl });
    const reference = await schemaOf('flightrec_reference');
    const lines = (ddl: string): string[] => ddl.split('\n').map((l) => l.trim().replace(/,$/, ''));
    const diff: Record<string, { exporterOnly: string[]; flightrecOnly: string[] }> = {};
    for (const table of [Tables.traces, Tables.traceIdTs, Tables.traceIdTsMv]) {
      const e = lines(exporters[table]!);
      const f = lines(reference[table]!.replaceAll('flightrec_reference', 'default'));
      const d = { exporterOnly: e.filter((l) => !f.includes(l)), flightrecOnly: f.filter((l) => !e.includes(l)) };
      if (d.exporterOnly.length + d.flightrecOnly.length > 0) diff[table] = d;
    }
    // The pinned release (v0.161.0) writes the exporter's older otel_traces template; flightrec's schema
    // follows the current one. Inserts name their columns, so the exporter writes into either.
    expect(diff).toEqual(KNOWN_TEMPLATE_DIFFERENCES);
  });

  it('needs flightrec schema in its database for the queries on flightrec\'s tables, and it only sees spans inserted after', async () => {
    const range = { from: new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 23).replace('T', ' '), to: new Date(Date.now() + 3_600_000).toISOString().slice(0, 23).replace('T', ' ') };
    // A saved query in database `default`, over HTTP as a ClickHouse server takes it. (Not through
    // @clickhouse/client: it leaves out database=default, and flightrec's interface defaults to otel.)
    const run = async (q: SavedQuery, args: Record<string, string>): Promise<void> => {
      const params = new URLSearchParams({ database: 'default', default_format: 'JSONEachRow' });
      for (const [k, v] of Object.entries(resolveParams(q, args))) params.set(`param_${k}`, String(v));
      const res = await fetch(`${t.server.queryUrl}/?${params}`, { method: 'POST', body: q.sql, headers: { Authorization: `Basic ${Buffer.from(`${WRITER.name}:${WRITER.password}`).toString('base64')}` } });
      if (res.status !== 200) throw new Error(await res.text());
    };
    const failing = async (): Promise<Record<string, string>> => {
      const out: Record<string, string> = {};
      for (const q of loadSavedQueries()) {
        if (q.params.some((p) => p.default === undefined && p.name !== 'from' && p.name !== 'to')) continue; // per-session queries: same tables
        try { await run(q, q.params.some((p) => p.name === 'from') ? range : {}); } catch (err) { out[q.name] = (err as Error).message; }
      }
      return out;
    };
    try {
      const before = await failing();
      // Only ever for want of flightrec's own tables and views.
      for (const [name, message] of Object.entries(before)) expect(message, name).toMatch(/flightrec_\w+/);
      console.info(`stock exporter alone: ${Object.keys(before).length} saved queries fail for want of flightrec's tables: ${Object.keys(before).join(', ')}`);
      expect(Object.keys(before).length).toBeGreaterThan(0);

      for (const ddl of allDdl({ database: 'default', ttlDays: 0 })) await owner.command({ query: ddl });
      expect(await failing()).toEqual({});
      await throughCollector(stock, 'default', 'stock-2');
      // The session lookup is a materialized view: it has the second run's sessions, never the first's.
      const sessions = await (await owner.query({ query: `SELECT DISTINCT SessionId FROM default.${Tables.sessionTraces}`, format: 'JSONEachRow' })).json<{ SessionId: string }>();
      const tags = sessions.map((r) => r.SessionId);
      expect(tags.some((id) => id.endsWith('stock-2'))).toBe(true);
      expect(tags.some((id) => id.endsWith('stock-1'))).toBe(false);
    } finally { /* nothing to close */ }
  });
});
