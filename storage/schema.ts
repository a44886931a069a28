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
import { MODEL_CALL_SHADOW } from '../conventions/span-mapping.ts';
import { resolveToolCatalogue, type ToolCatalogue } from '../conventions/tool-catalogue.ts';
import { derivedColumnsFor, SESSION_PROJECTION, sessionProjectionColumns, storedColumnName, storedColumnTypes } from './derived-columns.ts';
import { DEFAULT_DATABASE, Tables, quoteIdent } from './tables.ts';

export interface SchemaOptions {
  /** Database name; the contrib exporter's default is `otel`. */
  readonly database?: string;
  /** Days to keep spans; 0 keeps them forever. EU AI Act Art. 19/26 asks for at least 180. */
  readonly ttlDays?: number;
  /** ClickHouse cluster name: adds ON CLUSTER and Replicated engines (production DDL only). */
  readonly cluster?: string;
  /**
   * The tool catalogue compiled into the mapping (conventions/tool-catalogue.ts); default: the file
   * named by FLIGHTREC_TOOL_CATALOGUE before the built-in entries, or the built-in entries alone.
   */
  readonly toolCatalogue?: ToolCatalogue;
}

/** The derived columns for these options (the catalogue is the only input that varies). */
export function schemaColumns(opts: SchemaOptions = {}): ReturnType<typeof derivedColumnsFor> {
  return derivedColumnsFor(opts.toolCatalogue ?? resolveToolCatalogue());
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

/** The by-session projection of `otel_traces` (columns: storage/derived-columns.ts sessionProjectionColumns). */
export function sessionProjectionDdl(opts: SchemaOptions = {}): string {
  const r = resolve(opts);
  return `ALTER TABLE ${r.db}.${Tables.traces}${r.onCluster} ADD PROJECTION IF NOT EXISTS ${SESSION_PROJECTION} (SELECT ${sessionProjectionColumns.join(', ')} ORDER BY ${storedColumnName('SessionId')}, Timestamp)`;
}

/** flightrec's additions on top of `otel_traces`: the normalised view and the session lookup. */
export function flightrecDdl(opts: SchemaOptions = {}): string[] {
  const r = resolve(opts);
  const derivedColumns = schemaColumns(opts);
  // Stored (MATERIALIZED) derived columns are read from otel_traces; the rest are computed here.
  const columns = derivedColumns.map((c) => `    ${storedColumnTypes[c.name] ? storedColumnName(c.name) : c.sql} AS ${c.name}`).join(',\n');
  const stored = derivedColumns.filter((c) => storedColumnTypes[c.name]);
  return [
    // Additive: MATERIALIZED columns the exporter never writes (it names its insert columns).
    `ALTER TABLE ${r.db}.${Tables.traces}${r.onCluster}\n${stored.map((c) => `    ADD COLUMN IF NOT EXISTS ${storedColumnName(c.name)} ${storedColumnTypes[c.name]} MATERIALIZED ${c.sql} CODEC(ZSTD(1))`).join(',\n')}`,
    // New parts get it; older parts are read from the table (ALTER TABLE … MATERIALIZE PROJECTION backfills).
    sessionProjectionDdl(opts),
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
    ${storedColumnName('SessionId')} AS SessionId,
    TraceId,
    ServiceName,
    min(Timestamp) AS Start,
    max(Timestamp + toIntervalNanosecond(Duration)) AS End,
    count() AS Spans
FROM ${r.db}.${Tables.traces}
GROUP BY SessionId, TraceId, ServiceName`,
    // Calls by session: the runaway detection reads 30–40 bytes a call here instead of otel_traces' wide
    // rows (docs/storage.md). Filled by a materialized view, so collector inserts fill it too.
    `CREATE TABLE IF NOT EXISTS ${r.db}.${Tables.calls}${r.onCluster} (
    SessionKey UInt64 CODEC(ZSTD(1)),
    SessionId String CODEC(ZSTD(1)),
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    Kind LowCardinality(String) CODEC(ZSTD(1)),
    Subject LowCardinality(String) CODEC(ZSTD(1)),
    CallKey UInt64 CODEC(ZSTD(1)),
    InputTokens UInt64 CODEC(ZSTD(1)),
    OutputTokens UInt64 CODEC(ZSTD(1)),
    Agent LowCardinality(String) CODEC(ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    CallId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1))
) ENGINE = ${r.engine('MergeTree')}
PARTITION BY toDate(Timestamp)
ORDER BY (SessionKey, Timestamp)${r.ttl('Timestamp')}
SETTINGS index_granularity = 256`,
    // Columns added since the table first shipped, before its view: CREATE MATERIALIZED VIEW checks its
    // SELECT against the target table even when the view exists. A view created by an older flightrec
    // does not fill them: those rows keep '' and are counted as before.
    // The tool call id (the dedupe key of two instrumentations' spans of one call).
    `ALTER TABLE ${r.db}.${Tables.calls}${r.onCluster} ADD COLUMN IF NOT EXISTS CallId String CODEC(ZSTD(1))`,
    // The parent link that tells a model call's shadow (conventions/span-mapping.ts MODEL_CALL_SHADOW).
    `ALTER TABLE ${r.db}.${Tables.calls}${r.onCluster} ADD COLUMN IF NOT EXISTS ParentSpanId String CODEC(ZSTD(1))`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${r.db}.${Tables.callsMv}${r.onCluster}
TO ${r.db}.${Tables.calls}
AS ${callsSelect(r.db)}`,
    // Pipeline health, written by the embedded receiver (receiver/ingest-log.ts); docs/storage.md.
    `CREATE TABLE IF NOT EXISTS ${r.db}.${Tables.ingestLog}${r.onCluster} (
    Time DateTime64(3) CODEC(Delta, ZSTD(1)),
    Receiver LowCardinality(String),
    Outcome LowCardinality(String),
    Spans UInt64,
    Bytes UInt64,
    LatencyMs Float64,
    Message String,
    Requests UInt32,
    HttpStatus UInt16
) ENGINE = ${r.engine('MergeTree')}
PARTITION BY toDate(Time)
ORDER BY Time${r.ttl('Time')}`,
    // Additive migrations for tables created by earlier flightrec versions (no-ops otherwise).
    `ALTER TABLE ${r.db}.${Tables.ingestLog}${r.onCluster} ADD COLUMN IF NOT EXISTS Requests UInt32, ADD COLUMN IF NOT EXISTS HttpStatus UInt16`,
  ];
}

/**
 * The rows of flightrec_calls, selected from otel_traces: its materialized view's query, and the
 * backfill of spans stored before the table existed. Kind is 'model', 'tool' or '' (a span that only
 * reports token usage). CallKey packs a 21-bit hash of (Kind, Subject) above the call's Unix time in
 * milliseconds (42 bits, good until 2109), so sorting a session's keys groups its calls by subject in
 * time order, and two sorted keys `limit` places apart differ by less than a window only when they are
 * calls of one subject (a hash collision only adds a candidate, which the evidence pass drops). 21
 * bits, not 22: keys stay below 2^63, because ClickHouse subtracts two UInt64 into an Int64.
 */
export function callsSelect(db: string): string {
  const kind = `multiIf(${storedColumnName('Step')} = '${MODEL_CALL_SHADOW.step}', 'model', ${storedColumnName('Record')} = 'touched' AND ${storedColumnName('Tool')} != '', 'tool', '')`;
  return `SELECT
    cityHash64(${storedColumnName('SessionId')}) AS SessionKey,
    ${storedColumnName('SessionId')} AS SessionId,
    Timestamp,
    ${kind} AS Kind,
    multiIf(Kind = 'model', ${storedColumnName('Model')}, Kind = 'tool', ${storedColumnName('Tool')}, '') AS Subject,
    bitShiftLeft(toUInt64(cityHash64(Kind, Subject) % 2097152), 42) + toUInt64(toUnixTimestamp64Milli(Timestamp)) AS CallKey,
    ${storedColumnName('InputTokens')} AS InputTokens,
    ${storedColumnName('OutputTokens')} AS OutputTokens,
    ${storedColumnName('Agent')} AS Agent,
    TraceId,
    SpanId,
    if(Kind = 'tool', ${storedColumnName('ToolCallId')}, '') AS CallId,
    ParentSpanId
FROM ${db}.${Tables.traces}
WHERE Kind != '' OR InputTokens > 0 OR OutputTokens > 0`;
}

/** The TTL clause text a table should carry (as ClickHouse prints it back), or '' for none. */
export function ttlExpression(column: string, ttlDays: number): string {
  return ttlDays > 0 ? `toDateTime(${column}) + toIntervalDay(${ttlDays})` : '';
}

/** Tables whose retention follows the configured TTL, with the column it is computed from. */
export const TTL_TABLES: readonly { readonly table: string; readonly column: string }[] = [
  { table: Tables.traces, column: 'Timestamp' },
  { table: Tables.traceIdTs, column: 'Start' },
  { table: Tables.sessionTraces, column: 'Start' },
  { table: Tables.calls, column: 'Timestamp' },
  { table: Tables.ingestLog, column: 'Time' },
];

/** Tables an insert writes into (the span table and the targets of its materialized views). */
export const INSERT_TARGET_TABLES: readonly string[] = [Tables.traces, Tables.traceIdTs, Tables.sessionTraces, Tables.calls, Tables.ingestLog];

/**
 * The production DDL for a ClickHouse server or cluster, as one script to review and apply
 * (`flightrec schema --cluster NAME`). With a cluster, every statement runs ON CLUSTER and tables
 * use Replicated engines with the conventional `{shard}` / `{replica}` macros; a sharded cluster
 * also needs Distributed tables over these, which is left to the operator (docs/storage.md).
 */
export function productionDdlScript(opts: SchemaOptions = {}): string {
  const header = [
    '-- flightrec schema for a ClickHouse server' + (opts.cluster ? ` / cluster ${opts.cluster}` : ''),
    `-- database ${opts.database ?? DEFAULT_DATABASE}, retention ${(opts.ttlDays ?? DEFAULT_TTL_DAYS) > 0 ? `${opts.ttlDays ?? DEFAULT_TTL_DAYS} days` : 'none'}.`,
    '-- otel_traces and its trace-id lookup match the OpenTelemetry Collector contrib clickhouse exporter:',
    '-- run this before the collector (or set create_schema: false on the exporter). Idempotent.',
  ].join('\n');
  const db = resolve(opts).db;
  const backfill = [
    '-- Upgrading a database that already holds spans: flightrec_calls is filled by its materialized view',
    '-- from the moment it exists; run this once, right after the script, for the spans stored before:',
    ...`INSERT INTO ${db}.${Tables.calls} ${callsSelect(db)}`.split('\n').map((l) => `--   ${l}`),
  ].join('\n');
  return header + '\n\n' + allDdl(opts).map((s) => s + ';').join('\n\n') + '\n\n' + backfill + '\n';
}

/** Every statement, in the order they must run. */
export function allDdl(opts: SchemaOptions = {}): string[] {
  const r = resolve(opts);
  return [`CREATE DATABASE IF NOT EXISTS ${r.db}${r.onCluster}`, tracesTableDdl(opts), ...traceIdTsDdl(opts), ...flightrecDdl(opts)];
}
