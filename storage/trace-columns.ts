/**
 * The `otel_traces` insert: the one table of its columns — name, and the kind of value, which fixes
 * the ClickHouse type an insert declares and how every writer writes it. The insert column list,
 * the Native block's types, the receiver's row type (receiver/otel-trace-row.ts) and each writer's
 * column order (receiver/tsv-rows.ts, json-rows.ts, native-rows.ts, native-span-writer.ts) are all
 * read from here.
 *
 * The columns and their order are the contrib `clickhouse` exporter's insert (its
 * `traces_insert.sql`); ALIAS columns are never inserted. The table's DDL (storage/schema.ts) is a
 * different fact — the exporter's CREATE TABLE, with LowCardinality, codecs and indexes.
 */

/** Kinds of value, with the type an insert declares for each (LowCardinality columns take plain String). */
export const COLUMN_KIND_TYPES = {
  /** Nanoseconds since the epoch. */
  time: 'DateTime64(9)',
  /** Text that never needs escaping: hex ids, enum names. */
  ascii: 'String',
  /** Any text. */
  text: 'String',
  /** Nanoseconds, a duration. */
  uint64: 'UInt64',
  /** Attribute map entries, sorted by key (receiver/any-value.ts). */
  map: 'Map(String, String)',
  times: 'Array(DateTime64(9))',
  asciis: 'Array(String)',
  texts: 'Array(String)',
  maps: 'Array(Map(String, String))',
} as const;

export type ColumnKind = keyof typeof COLUMN_KIND_TYPES;

export interface TraceColumn {
  readonly name: string;
  readonly kind: ColumnKind;
}

export const TRACE_COLUMNS = [
  { name: 'Timestamp', kind: 'time' },
  { name: 'TraceId', kind: 'ascii' },
  { name: 'SpanId', kind: 'ascii' },
  { name: 'ParentSpanId', kind: 'ascii' },
  { name: 'TraceState', kind: 'text' },
  { name: 'SpanName', kind: 'text' },
  { name: 'SpanKind', kind: 'ascii' },
  { name: 'ServiceName', kind: 'text' },
  { name: 'ResourceAttributes', kind: 'map' },
  { name: 'ScopeName', kind: 'text' },
  { name: 'ScopeVersion', kind: 'text' },
  { name: 'SpanAttributes', kind: 'map' },
  { name: 'Duration', kind: 'uint64' },
  { name: 'StatusCode', kind: 'ascii' },
  { name: 'StatusMessage', kind: 'text' },
  { name: 'Events.Timestamp', kind: 'times' },
  { name: 'Events.Name', kind: 'texts' },
  { name: 'Events.Attributes', kind: 'maps' },
  { name: 'Links.TraceId', kind: 'asciis' },
  { name: 'Links.SpanId', kind: 'asciis' },
  { name: 'Links.TraceState', kind: 'texts' },
  { name: 'Links.Attributes', kind: 'maps' },
] as const satisfies readonly TraceColumn[];

export type TraceColumnName = (typeof TRACE_COLUMNS)[number]['name'];

/** The contrib exporter's insert column list. */
export const TRACE_INSERT_COLUMNS: readonly TraceColumnName[] = TRACE_COLUMNS.map((c) => c.name);

/** The types a Native `otel_traces` block declares, in TRACE_INSERT_COLUMNS order. */
export const NATIVE_TRACE_TYPES: readonly string[] = TRACE_COLUMNS.map((c) => COLUMN_KIND_TYPES[c.kind]);
