/**
 * DDL for the store. `otel_traces` and its trace-id lookup follow the OpenTelemetry Collector
 * contrib `clickhouse` exporter's layout column for column (names, types, codecs, ordering; the
 * exporter's current templates, bloom-filter index variant — see docs/storage.md), so the
 * real collector and flightrec's receiver are interchangeable. flightrec's own structures are
 * added on top of that table, never instead of it.
 *
 * Every statement is idempotent (IF NOT EXISTS), so the schema is created or brought up to date on
 * every start.
 */
import { derivedColumns, SESSION_PROJECTION, sessionProjectionColumns, storedColumnName, storedColumnTypes } from './derived-columns.ts';
import { DEFAULT_DATABASE, Tables, quoteIdent } from './tables.ts';

export interface SchemaOptions {
  /** Database name; the contrib exporter's default is `otel`. */
  readonly database?: string;
  /** Days to keep spans; 0 keeps them forever. EU AI Act Art. 19/26 asks for at least 180. */
  readonly ttlDays?: number;
  /** ClickHouse cluster name: adds ON CLUSTER and Replicated engines (production DDL only). */
  readonly cluster?: string;
}

export const DEFAULT_TTL_DAYS = 180;

interface Resolved {
  db: string;
  onCluster: string;
  engine: (kind: 'MergeTree' | 'AggregatingMergeTree' | 'ReplacingMergeTree') => string;
  ttl: (column: string) => string;
}

function resolve(opts: SchemaOptions): Resolved {
  const ttlDays = opts.ttlDays ?? DEFAULT_TTL_DAYS;
  if (!Number.isInteger(ttlDays) || ttlDays < 0) throw new Error(`ttlDays must be a whole number >= 0, got ${ttlDays}`);
  const cluster = opts.cluster ? quoteIdent(opts.cluster) : '';
  return {
    db: quoteIdent(opts.database ?? DEFAULT_DATABASE),
    onCluster: cluster ? ` ON CLUSTER ${cluster}` : '',
    engine: (kind) => (cluster ? `Replicated${kind}('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')` : `${kind}()`),
    ttl: (column) => (ttlDays > 0 ? `\nTTL toDateTime(${column}) + toIntervalDay(${ttlDays})` : ''),
  };
}

/** The contrib exporter's `otel_traces` table. */
export function tracesTableDdl(opts: SchemaOptions = {}): string {
  const r = resolve(opts);
  return `CREATE TABLE IF NOT EXISTS ${r.db}.${Tables.traces}${r.onCluster} (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(T64, ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    ResourceAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(ResourceAttributes, 'Array(Tuple(String, String))')),
    SpanAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(SpanAttributes, 'Array(Tuple(String, String))')),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
    INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
) ENGINE = ${r.engine('MergeTree')}
PARTITION BY toDate(Timestamp)
PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)${r.ttl('Timestamp')}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;
}

/** The contrib exporter's trace-id → [start, end] lookup and the materialized view that fills it. */
export function traceIdTsDdl(opts: SchemaOptions = {}): string[] {
  const r = resolve(opts);
  return [
    `CREATE TABLE IF NOT EXISTS ${r.db}.${Tables.traceIdTs}${r.onCluster} (
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))
) ENGINE = ${r.engine('AggregatingMergeTree')}
PARTITION BY toStartOfWeek(Start)
ORDER BY (TraceId)${r.ttl('Start')}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${r.db}.${Tables.traceIdTsMv}${r.onCluster}
TO ${r.db}.${Tables.traceIdTs}
AS SELECT
    TraceId,
    min(toDateTime(Timestamp)) AS Start,
    max(toDateTime(Timestamp)) AS End
FROM ${r.db}.${Tables.traces}
WHERE TraceId != ''
GROUP BY TraceId`,
  ];
}

/** flightrec's additions on top of `otel_traces`: the normalised view and the session lookup. */
export function flightrecDdl(opts: SchemaOptions = {}): string[] {
  const r = resolve(opts);
  // Stored (MATERIALIZED) derived columns are read from otel_traces; the rest are computed here.
  const columns = derivedColumns.map((c) => `    ${storedColumnTypes[c.name] ? storedColumnName(c.name) : c.sql} AS ${c.name}`).join(',\n');
  const stored = derivedColumns.filter((c) => storedColumnTypes[c.name]);
  const sessionExpr = derivedColumns.find((c) => c.name === 'SessionId')!.sql;
  return [
    // Additive: MATERIALIZED columns the exporter never writes (it names its insert columns).
    `ALTER TABLE ${r.db}.${Tables.traces}${r.onCluster}\n${stored.map((c) => `    ADD COLUMN IF NOT EXISTS ${storedColumnName(c.name)} ${storedColumnTypes[c.name]} MATERIALIZED ${c.sql} CODEC(ZSTD(1))`).join(',\n')}`,
    // New parts get it; older parts are read from the table (ALTER TABLE … MATERIALIZE PROJECTION backfills).
    `ALTER TABLE ${r.db}.${Tables.traces}${r.onCluster} ADD PROJECTION IF NOT EXISTS ${SESSION_PROJECTION} (SELECT ${sessionProjectionColumns.join(', ')} ORDER BY ${storedColumnName('SessionId')}, Timestamp)`,
    // A plain view: computed at read time, so it also covers rows written before it existed.
    `CREATE OR REPLACE VIEW ${r.db}.${Tables.spans}${r.onCluster} AS
SELECT
    Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName,
    ResourceAttributes, SpanAttributes, Duration, StatusCode, StatusMessage,
    \`Events.Timestamp\` AS EventTimestamps, \`Events.Name\` AS EventNames,
${columns}
FROM ${r.db}.${Tables.traces}`,
    // Session → traces: a lookup by a span attribute would otherwise scan the whole table.
    `CREATE TABLE IF NOT EXISTS ${r.db}.${Tables.sessionTraces}${r.onCluster} (
    SessionId String CODEC(ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime64(9)),
    End SimpleAggregateFunction(max, DateTime64(9)),
    Spans SimpleAggregateFunction(sum, UInt64)
) ENGINE = ${r.engine('AggregatingMergeTree')}
PARTITION BY toDate(Start)
ORDER BY (SessionId, TraceId, ServiceName)${r.ttl('Start')}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${r.db}.${Tables.sessionTracesMv}${r.onCluster}
TO ${r.db}.${Tables.sessionTraces}
AS SELECT
    ${sessionExpr} AS SessionId,
    TraceId,
    ServiceName,
    min(Timestamp) AS Start,
    max(Timestamp + toIntervalNanosecond(Duration)) AS End,
    count() AS Spans
FROM ${r.db}.${Tables.traces}
GROUP BY SessionId, TraceId, ServiceName`,
    `CREATE TABLE IF NOT EXISTS ${r.db}.${Tables.ingestLog}${r.onCluster} (
    Time DateTime64(3) CODEC(Delta, ZSTD(1)),
    Receiver LowCardinality(String),
    Outcome LowCardinality(String),
    Spans UInt64,
    Bytes UInt64,
    LatencyMs Float64,
    Message String
) ENGINE = ${r.engine('MergeTree')}
PARTITION BY toDate(Time)
ORDER BY Time${r.ttl('Time')}`,
  ];
}

/** Every statement, in the order they must run. */
export function allDdl(opts: SchemaOptions = {}): string[] {
  const r = resolve(opts);
  return [`CREATE DATABASE IF NOT EXISTS ${r.db}${r.onCluster}`, tracesTableDdl(opts), ...traceIdTsDdl(opts), ...flightrecDdl(opts)];
}
