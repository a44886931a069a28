/**
 * Schema creation and migration: idempotent restarts, a database the contrib exporter created
 * first, retention changes, a too-old exporter table, and the production (cluster) DDL script.
 * chdb allows one open data directory per process, so each case opens and closes its own in turn.
 */
import { describe, expect, it } from 'vitest';
import { drainPending } from 'chdb';
import { startEmbeddedServer } from '../server/embedded-server.ts';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { findSavedQuery } from '../catalogue/saved-queries.ts';
import { runSavedQuery } from '../review/run-query.ts';
import { callsSelect, productionDdlScript, allDdl } from '../storage/schema.ts';
import { migrate, openStore, SchemaMismatchError } from '../storage/store-client.ts';
import { main } from '../cli/main.ts';
import { tempDir } from '../tools/temp-dir.ts';

const NOW = BigInt(Date.now()) * 1_000_000n;

async function sendSpan(otlpUrl: string, service: string, spanId: string, attrs: Record<string, string> = {}): Promise<void> {
  const res = await fetch(`${otlpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans: [{
      traceId: '0af7651916cd43dd8448eb211c80319c', spanId, name: 'execute_tool send_email', kind: 1, startTimeUnixNano: String(NOW), endTimeUnixNano: String(NOW + 1000n),
      attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: { stringValue: v } })),
    }] }] }] }),
  });
  expect(res.status).toBe(200);
}

type Server = Awaited<ReturnType<typeof startEmbeddedServer>>;
async function rows<T>(s: Server, query: string): Promise<T[]> {
  await s.ingested(); // read-your-writes for the in-process client
  return (await s.client.query({ query, format: 'JSONEachRow' })).json<T>();
}
async function createQuery(s: Server, table: string): Promise<string> {
  const r = await rows<{ q: string }>(s, `SELECT create_table_query AS q FROM system.tables WHERE database = 'otel' AND name = '${table}'`);
  return r[0]?.q ?? '';
}

describe('schema on start', () => {
  it('is idempotent: a second start on the same directory keeps data and changes nothing', async () => {
    const dir = tempDir();
    try {
      let s = await startEmbeddedServer({ dataDir: dir.path, otlpPort: 0, queryPort: 0 });
      let tablesBefore: unknown[];
      let ddlBefore: string;
      try {
        await sendSpan(s.otlpUrl, 'twice', '00000000000000a1');
        tablesBefore = await rows<{ name: string }>(s, "SELECT name FROM system.tables WHERE database = 'otel' ORDER BY name");
        ddlBefore = await createQuery(s, 'otel_traces');
        expect(ddlBefore).toMatch(/fsync_after_insert = 1/);
      } finally {
        await s.close();
      }

      s = await startEmbeddedServer({ dataDir: dir.path, otlpPort: 0, queryPort: 0 });
      try {
        await migrate(s.client, { fsync: true }); // and once more by hand
        await sendSpan(s.otlpUrl, 'twice', '00000000000000a2');
        expect(await rows(s, "SELECT name FROM system.tables WHERE database = 'otel' ORDER BY name")).toEqual(tablesBefore);
        expect(await createQuery(s, 'otel_traces')).toBe(ddlBefore);
        expect(await rows(s, "SELECT SpanId FROM otel.otel_traces WHERE ServiceName = 'twice' ORDER BY SpanId")).toEqual([{ SpanId: '00000000000000a1' }, { SpanId: '00000000000000a2' }]);
        expect((await rows<{ n: unknown }>(s, "SELECT sum(Spans) AS n FROM otel.flightrec_session_traces WHERE ServiceName = 'twice'")).map((r) => Number(r.n))).toEqual([2]);
      } finally {
        await s.close();
      }
    } finally {
      dir.cleanup();
    }
  });

  it('starts on a database the contrib exporter created first, and adds flightrec’s structures on top', async () => {
    const dir = tempDir();
    try {
      // The exporter's previous-main DDL (research notes §1b, §1e), as it would have run with ttl: 72h.
      const client = await openStore({ kind: 'embedded', path: dir.path });
      await client.command({ query: `CREATE TABLE IF NOT EXISTS "otel"."otel_traces" (
        Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)), TraceId String CODEC(ZSTD(1)), SpanId String CODEC(ZSTD(1)), ParentSpanId String CODEC(ZSTD(1)),
        TraceState String CODEC(ZSTD(1)), SpanName LowCardinality(String) CODEC(ZSTD(1)), SpanKind LowCardinality(String) CODEC(ZSTD(1)),
        ServiceName LowCardinality(String) CODEC(ZSTD(1)), ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
        ScopeName String CODEC(ZSTD(1)), ScopeVersion String CODEC(ZSTD(1)), SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
        Duration UInt64 CODEC(ZSTD(1)), StatusCode LowCardinality(String) CODEC(ZSTD(1)), StatusMessage String CODEC(ZSTD(1)),
        Events Nested (Timestamp DateTime64(9), Name LowCardinality(String), Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1)),
        Links Nested (TraceId String, SpanId String, TraceState String, Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1)),
        INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
        INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
        INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
        INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
        INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
        INDEX idx_duration Duration TYPE minmax GRANULARITY 1
      ) ENGINE = MergeTree() PARTITION BY toDate(Timestamp) ORDER BY (ServiceName, SpanName, toDateTime(Timestamp)) TTL toDateTime(Timestamp) + toIntervalDay(3) SETTINGS index_granularity=8192, ttl_only_drop_parts = 1` });
      await client.command({ query: `CREATE TABLE IF NOT EXISTS "otel"."otel_traces_trace_id_ts" (TraceId String CODEC(ZSTD(1)), Start DateTime CODEC(Delta, ZSTD(1)), End DateTime CODEC(Delta, ZSTD(1)), INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1) ENGINE = MergeTree() PARTITION BY toDate(Start) ORDER BY (TraceId, Start) TTL toDateTime(Start) + toIntervalDay(3) SETTINGS index_granularity=8192, ttl_only_drop_parts = 1` });
      await client.command({ query: `CREATE MATERIALIZED VIEW IF NOT EXISTS "otel"."otel_traces_trace_id_ts_mv" TO "otel"."otel_traces_trace_id_ts" AS SELECT TraceId, min(Timestamp) as Start, max(Timestamp) as End FROM "otel"."otel_traces" WHERE TraceId != '' GROUP BY TraceId` });
      await client.command({ query: `INSERT INTO otel.otel_traces (Timestamp, TraceId, SpanId, SpanName, ServiceName, SpanAttributes) VALUES (now64(9), '0af7651916cd43dd8448eb211c80319c', '00000000000000c1', 'from-collector', 'collector-agent', map('flightrec.record', 'saw', 'gen_ai.conversation.id', 'conv-1'))` });
      await client.close();
      await drainPending();

      const s = await startEmbeddedServer({ dataDir: dir.path, otlpPort: 0, queryPort: 0, ttlDays: 90 });
      try {
        await sendSpan(s.otlpUrl, 'receiver-agent', '00000000000000c2', { 'flightrec.record': 'touched', 'gen_ai.conversation.id': 'conv-1' });
        // The exporter's table keeps its layout; only the retention follows flightrec's setting.
        const ddl = await createQuery(s, 'otel_traces');
        expect(ddl).not.toMatch(/PRIMARY KEY/);
        expect(ddl).toMatch(/TTL toDateTime\(Timestamp\) \+ toIntervalDay\(90\)/);
        expect(await createQuery(s, 'otel_traces_trace_id_ts')).toMatch(/toIntervalDay\(90\)/);
        // flightrec's view and session lookup cover the collector's row and the receiver's alike.
        expect(await rows(s, "SELECT SpanId, Record, SessionId FROM otel.flightrec_spans ORDER BY SpanId")).toEqual([
          { SpanId: '00000000000000c1', Record: 'saw', SessionId: 'conv-1' },
          { SpanId: '00000000000000c2', Record: 'touched', SessionId: 'conv-1' },
        ]);
        expect(await rows(s, "SELECT ServiceName FROM otel.flightrec_session_traces WHERE SessionId = 'conv-1' ORDER BY ServiceName")).toEqual([{ ServiceName: 'receiver-agent' }]);
        expect((await rows<{ n: unknown }>(s, "SELECT count() AS n FROM otel.otel_traces_trace_id_ts WHERE TraceId = '0af7651916cd43dd8448eb211c80319c'")).map((r) => Number(r.n))).toEqual([2]);
      } finally {
        await s.close();
      }
    } finally {
      dir.cleanup();
    }
  });

  it('follows a retention change on restart, down to no TTL at all', async () => {
    const dir = tempDir();
    try {
      let s = await startEmbeddedServer({ dataDir: dir.path, otlpPort: 0, queryPort: 0, ttlDays: 30 });
      try {
        expect(await createQuery(s, 'otel_traces')).toMatch(/TTL toDateTime\(Timestamp\) \+ toIntervalDay\(30\)/);
        expect(await createQuery(s, 'flightrec_ingest_log')).toMatch(/toIntervalDay\(30\)/);
      } finally {
        await s.close();
      }
      s = await startEmbeddedServer({ dataDir: dir.path, otlpPort: 0, queryPort: 0, ttlDays: 0 });
      try {
        expect(await createQuery(s, 'otel_traces')).not.toMatch(/\bTTL\b/);
      } finally {
        await s.close();
      }
    } finally {
      dir.cleanup();
    }
  });

  it('brings a stored derived column from an older flightrec to the current expression on restart', async () => {
    const dir = tempDir();
    try {
      let s = await startEmbeddedServer({ dataDir: dir.path, otlpPort: 0, queryPort: 0 });
      try {
        // An older flightrec read the model from the GenAI keys only, not from OpenClaw's.
        await s.client.command({ query: "ALTER TABLE otel.otel_traces MODIFY COLUMN FrModel LowCardinality(String) MATERIALIZED SpanAttributes['gen_ai.request.model']" });
        await sendSpan(s.otlpUrl, 'old-version', '00000000000000d1', { 'openclaw.model': 'gpt-oc' });
      } finally {
        await s.close();
      }
      await drainPending();
      s = await startEmbeddedServer({ dataDir: dir.path, otlpPort: 0, queryPort: 0 });
      try {
        const expr = await rows<{ e: string }>(s, "SELECT default_expression AS e FROM system.columns WHERE database = 'otel' AND table = 'otel_traces' AND name = 'FrModel'");
        expect(expr[0]!.e).toContain('openclaw.model');
        await sendSpan(s.otlpUrl, 'new-version', '00000000000000d2', { 'openclaw.model': 'gpt-oc' });
        // The row written under the old expression keeps its stored value; the new one is mapped.
        expect(await rows(s, "SELECT ServiceName, FrModel FROM otel.otel_traces WHERE ServiceName LIKE '%-version' ORDER BY ServiceName")).toEqual([
          { ServiceName: 'new-version', FrModel: 'gpt-oc' },
          { ServiceName: 'old-version', FrModel: '' },
        ]);
      } finally {
        await s.close();
      }
    } finally {
      dir.cleanup();
    }
  });

  it('starts on a store from before the rule index and the tool catalogue entry were stored columns, and maps both its old rows and new ones', async () => {
    const dir = tempDir();
    const tool = { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'send_email' };
    try {
      let s = await startEmbeddedServer({ dataDir: dir.path, otlpPort: 0, queryPort: 0 });
      try {
        // As an older flightrec left otel_traces: no FrRule / FrToolEntry, every stored column computed from the span alone.
        const dependent = await rows<{ name: string; type: string }>(s, "SELECT name, type FROM system.columns WHERE database = 'otel' AND table = 'otel_traces' AND match(default_expression, 'Fr(Rule|ToolEntry|Record|Tool|Risk)')");
        expect(dependent.map((c) => c.name)).toContain('FrEffect');
        await s.client.command({ query: `ALTER TABLE otel.otel_traces ${dependent.map((c) => `MODIFY COLUMN ${c.name} ${c.type} MATERIALIZED ${c.type.includes('Int') ? '0' : "SpanAttributes['flightrec.effect']"}`).join(', ')}` });
        await s.client.command({ query: 'ALTER TABLE otel.otel_traces DROP COLUMN FrRule, DROP COLUMN FrToolEntry' });
        await sendSpan(s.otlpUrl, 'old-version', '00000000000000f1', tool);
      } finally {
        await s.close();
      }
      await drainPending();
      s = await startEmbeddedServer({ dataDir: dir.path, otlpPort: 0, queryPort: 0 });
      try {
        await sendSpan(s.otlpUrl, 'new-version', '00000000000000f2', tool);
        // Old rows keep what they were stored with, and the new columns are computed on read for them.
        expect(await rows(s, "SELECT ServiceName, FrRule > 0 AS ruled, FrToolEntry > 0 AS catalogued, FrRecord, FrEffect, FrRisk, FrRiskLevel FROM otel.otel_traces WHERE ServiceName LIKE '%-version' ORDER BY ServiceName")).toEqual([
          { ServiceName: 'new-version', ruled: 1, catalogued: 1, FrRecord: 'touched', FrEffect: 'send', FrRisk: 'high', FrRiskLevel: 3 },
          { ServiceName: 'old-version', ruled: 1, catalogued: 1, FrRecord: '', FrEffect: '', FrRisk: '', FrRiskLevel: 0 },
        ]);
      } finally {
        await s.close();
      }
    } finally {
      dir.cleanup();
    }
  });

  it('fills flightrec_calls once for spans stored before it existed, then from every insert', async () => {
    const dir = tempDir();
    const calls = "SELECT SessionId, Kind, Subject, InputTokens, OutputTokens, SpanId, bitShiftRight(CallKey, 42) > 0 AS hashed, bitAnd(CallKey, 4398046511103) = toUnixTimestamp64Milli(Timestamp) AS timed FROM otel.flightrec_calls ORDER BY SpanId";
    const model = { 'gen_ai.conversation.id': 'conv-1', 'flightrec.record': 'decided', 'flightrec.step': 'model_call', 'gen_ai.request.model': 'gpt-x', 'gen_ai.usage.input_tokens': '120', 'gen_ai.usage.output_tokens': '7' };
    const tool = { 'gen_ai.conversation.id': 'conv-1', 'flightrec.record': 'touched', 'gen_ai.tool.name': 'send_email' };
    const plumbing = { 'gen_ai.conversation.id': 'conv-1' };
    try {
      let s = await startEmbeddedServer({ dataDir: dir.path, otlpPort: 0, queryPort: 0 });
      try {
        await sendSpan(s.otlpUrl, 'agent', '00000000000000e1', model);
        await sendSpan(s.otlpUrl, 'agent', '00000000000000e2', tool);
        await sendSpan(s.otlpUrl, 'agent', '00000000000000e3', plumbing);
        // As an older flightrec left it: spans stored, no calls table.
        await s.ingested();
        await s.client.command({ query: 'DROP VIEW otel.flightrec_calls_mv' });
        await s.client.command({ query: 'DROP TABLE otel.flightrec_calls' });
      } finally {
        await s.close();
      }
      await drainPending();
      s = await startEmbeddedServer({ dataDir: dir.path, otlpPort: 0, queryPort: 0 });
      const expected = [
        { SessionId: 'conv-1', Kind: 'model', Subject: 'gpt-x', InputTokens: 120, OutputTokens: 7, SpanId: '00000000000000e1', hashed: 1, timed: 1 },
        { SessionId: 'conv-1', Kind: 'tool', Subject: 'send_email', InputTokens: 0, OutputTokens: 0, SpanId: '00000000000000e2', hashed: 1, timed: 1 },
      ];
      try {
        expect(await rows(s, calls)).toEqual(expected);
        await migrate(s.client); // the backfill runs only when the table is new
        expect(await rows(s, calls)).toEqual(expected);
        await sendSpan(s.otlpUrl, 'agent', '00000000000000e4', { ...tool, 'gen_ai.tool.name': 'read_inbox' });
        expect((await rows<{ SpanId: string; Subject: string }>(s, calls)).map((r) => [r.SpanId, r.Subject])).toEqual([
          ['00000000000000e1', 'gpt-x'], ['00000000000000e2', 'send_email'], ['00000000000000e4', 'read_inbox'],
        ]);
      } finally {
        await s.close();
      }
    } finally {
      dir.cleanup();
    }
  });

  it('rebuilds a by-session projection an older flightrec made without the tool call id, so session-scoped reads of CallRef use it', async () => {
    const dir = tempDir();
    const tool = { 'gen_ai.conversation.id': 'conv-p', 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'send_email', 'gen_ai.tool.call.id': 'c1' };
    // force_optimize_projection: the read must use a projection, or fail (on a few rows ClickHouse might read either).
    const fromProjection = "SELECT CallRef FROM otel.flightrec_spans WHERE SessionId IN ('conv-p') ORDER BY CallRef SETTINGS force_optimize_projection = 1";
    const projectionOf = async (s: Server): Promise<string> => {
      const [t] = await rows<{ create_table_query: string }>(s, "SELECT create_table_query FROM system.tables WHERE database = 'otel' AND name = 'otel_traces'");
      const q = t!.create_table_query;
      return q.slice(q.indexOf('PROJECTION flightrec_by_session'), q.indexOf('ORDER BY', q.indexOf('PROJECTION flightrec_by_session')));
    };
    try {
      let s = await startEmbeddedServer({ dataDir: dir.path, otlpPort: 0, queryPort: 0 });
      try {
        expect(await projectionOf(s)).toContain('FrToolCallId');
        await sendSpan(s.otlpUrl, 'agent', '00000000000000d1', tool);
        await s.ingested();
        // As an older flightrec left it: the projection without the tool call id, so reading CallRef by session reads the table.
        await s.client.command({ query: 'ALTER TABLE otel.otel_traces DROP PROJECTION flightrec_by_session' });
        await s.client.command({ query: "ALTER TABLE otel.otel_traces ADD PROJECTION flightrec_by_session (SELECT Timestamp, TraceId, SpanId, FrSessionId, FrRecord ORDER BY FrSessionId, Timestamp)" });
        await s.client.command({ query: 'ALTER TABLE otel.otel_traces MATERIALIZE PROJECTION flightrec_by_session', clickhouse_settings: { mutations_sync: '2' } });
        await expect(rows(s, fromProjection)).rejects.toThrow(/projection/i);
      } finally {
        await s.close();
      }
      await drainPending();
      s = await startEmbeddedServer({ dataDir: dir.path, otlpPort: 0, queryPort: 0 });
      try {
        expect(await projectionOf(s)).toContain('FrToolCallId');
        await sendSpan(s.otlpUrl, 'agent', '00000000000000d2', { ...tool, 'gen_ai.tool.call.id': 'c2' });
        await s.ingested();
        // The rebuild runs as a mutation; once it is done, the stored part is read from the projection too.
        for (let i = 0; i < 100 && (await rows<{ n: string }>(s, 'SELECT count() AS n FROM system.mutations WHERE NOT is_done'))[0]!.n !== '0'; i++) await new Promise((r) => setTimeout(r, 100));
        expect(await rows(s, fromProjection)).toEqual([{ CallRef: 'c1' }, { CallRef: 'c2' }]);
      } finally {
        await s.close();
      }
    } finally {
      dir.cleanup();
    }
  });

  it('adds the parent link to a flightrec_calls an older flightrec created; its old view keeps filling, and runaway reads it', async () => {
    const dir = tempDir();
    const model = (n: string) => ({ 'gen_ai.conversation.id': 'conv-old', 'flightrec.record': 'decided', 'flightrec.step': 'model_call', 'gen_ai.request.model': 'gpt-x', 'gen_ai.usage.input_tokens': n });
    try {
      let s = await startEmbeddedServer({ dataDir: dir.path, otlpPort: 0, queryPort: 0 });
      try {
        await sendSpan(s.otlpUrl, 'agent', '00000000000000f1', model('10'));
        await s.ingested();
        // As an older flightrec left it: no ParentSpanId column, a view that does not write one.
        await s.client.command({ query: 'DROP VIEW otel.flightrec_calls_mv' });
        await s.client.command({ query: 'ALTER TABLE otel.flightrec_calls DROP COLUMN ParentSpanId' });
        await s.client.command({ query: `CREATE MATERIALIZED VIEW otel.flightrec_calls_mv TO otel.flightrec_calls AS ${callsSelect('otel').replace(',\n    ParentSpanId', '')}` });
      } finally {
        await s.close();
      }
      await drainPending();
      s = await startEmbeddedServer({ dataDir: dir.path, otlpPort: 0, queryPort: 0 });
      const http = createClient({ url: s.queryUrl, database: 'otel', log: { level: ClickHouseLogLevel.OFF } });
      try {
        await sendSpan(s.otlpUrl, 'agent', '00000000000000f2', model('20'));
        expect(await rows(s, "SELECT SpanId, ParentSpanId FROM otel.flightrec_calls ORDER BY SpanId")).toEqual([
          { SpanId: '00000000000000f1', ParentSpanId: '' }, { SpanId: '00000000000000f2', ParentSpanId: '' },
        ]);
        const from = new Date(Date.now() - 3_600_000).toISOString().replace('T', ' ').slice(0, 23);
        const to = new Date(Date.now() + 60_000).toISOString().replace('T', ' ').slice(0, 23);
        const found = await runSavedQuery(http, findSavedQuery('detect_runaway'), { from, to, token_budget: '1' });
        expect(found.map((r) => [r.SessionId, r.Pattern, r.Evidence])).toEqual([['conv-old', 'token_budget', '30 tokens (30 in, 0 out) over 2 model calls, budget 1']]);
      } finally {
        await http.close();
        await s.close();
      }
    } finally {
      dir.cleanup();
    }
  });

  it('refuses, naming the columns, a span table from an exporter too old for the current insert', async () => {
    const dir = tempDir();
    try {
      const client = await openStore({ kind: 'embedded', path: dir.path });
      await client.command({ query: `CREATE TABLE otel.otel_traces (Timestamp DateTime64(9), TraceId String, SpanId String, ParentSpanId String, TraceState String, SpanName LowCardinality(String), SpanKind LowCardinality(String), ServiceName LowCardinality(String), ResourceAttributes Map(LowCardinality(String), String), SpanAttributes Map(LowCardinality(String), String), Duration Int64, StatusCode LowCardinality(String), StatusMessage String, Events Nested (Timestamp DateTime64(9), Name LowCardinality(String), Attributes Map(LowCardinality(String), String)), Links Nested (TraceId String, SpanId String, TraceState String, Attributes Map(LowCardinality(String), String))) ENGINE = MergeTree() ORDER BY (ServiceName, SpanName, toUnixTimestamp(Timestamp), TraceId)` });
      try {
        await expect(migrate(client)).rejects.toThrow(SchemaMismatchError);
        await expect(migrate(client)).rejects.toThrow(/lacks column\(s\) ScopeName, ScopeVersion/);
      } finally {
        await client.close();
        await drainPending();
      }
    } finally {
      dir.cleanup();
    }
  });
});

describe('production DDL (flightrec schema)', () => {
  it('puts every statement ON CLUSTER with Replicated engines and the requested TTL', () => {
    const script = productionDdlScript({ cluster: 'prod', ttlDays: 30 });
    const statements = script.split(/;\n/).map((s) => s.replace(/^(--[^\n]*\n|\n)+/, '').trim()).filter(Boolean);
    expect(statements.length).toBe(allDdl().length);
    for (const s of statements) expect(s).toMatch(/ON CLUSTER `prod`/);
    const engines = [...script.matchAll(/ENGINE = (\w+)\(([^)]*)\)/g)].map((m) => [m[1], m[2]]);
    expect(engines.length).toBe(5);
    for (const [engine, args] of engines) {
      expect(engine).toMatch(/^Replicated(Aggregating)?MergeTree$/);
      expect(args).toBe("'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'");
    }
    expect(script).toMatch(/CREATE TABLE IF NOT EXISTS `otel`\.otel_traces ON CLUSTER `prod` \(\n    Timestamp DateTime64\(9\)/);
    expect(script).toMatch(/ENGINE = ReplicatedMergeTree\([^)]*\)\nPARTITION BY toDate\(Timestamp\)\nPRIMARY KEY \(ServiceName, SpanName, toDateTime\(Timestamp\)\)/);
    expect(script).toMatch(/otel_traces_trace_id_ts ON CLUSTER `prod`[\s\S]*ENGINE = ReplicatedAggregatingMergeTree/);
    expect(script.match(/TTL toDateTime\(\w+\) \+ toIntervalDay\(30\)/g)?.length).toBe(5);
  });

  it('without a cluster, the same script runs on the embedded engine, twice', async () => {
    const dir = tempDir();
    const client = await openStore({ kind: 'embedded', path: dir.path });
    try {
      const script = productionDdlScript({ ttlDays: 7 });
      expect(script).not.toMatch(/ON CLUSTER|Replicated/);
      for (let round = 0; round < 2; round++) {
        for (const statement of script.split(/;\n/).map((s) => s.replace(/^(--[^\n]*\n|\n)+/, '').trim()).filter(Boolean)) {
          await client.command({ query: statement });
        }
      }
      const tables = await (await client.query({ query: "SELECT name FROM system.tables WHERE database = 'otel' ORDER BY name", format: 'JSONEachRow' })).json<{ name: string }>();
      expect(tables.map((t) => t.name)).toEqual([
        'flightrec_calls', 'flightrec_calls_mv', 'flightrec_ingest_log', 'flightrec_session_traces', 'flightrec_session_traces_mv', 'flightrec_spans',
        'otel_traces', 'otel_traces_trace_id_ts', 'otel_traces_trace_id_ts_mv',
      ]);
    } finally {
      await client.close();
      await drainPending();
      dir.cleanup();
    }
  });

  it('the CLI refuses a cluster name that is not an identifier', async () => {
    const errors: string[] = [];
    const orig = console.error;
    console.error = (m: string) => void errors.push(m);
    try {
      expect(await main(['schema', '--cluster', 'prod; DROP'])).toBe(2);
    } finally {
      console.error = orig;
    }
    expect(errors.join('\n')).toMatch(/--cluster must be a plain identifier/);
  });
});
