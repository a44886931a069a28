/**
 * Table and database names: the one place for them. The defaults are the contrib `clickhouse`
 * exporter's (database `otel`, table `otel_traces`), so the real collector and flightrec's embedded
 * receiver write the same tables.
 */
export const DEFAULT_DATABASE = 'otel';

export const Tables = {
  /** The contrib exporter's span table; flightrec never changes its layout. */
  traces: 'otel_traces',
  /** The contrib exporter's trace-id → time-range lookup, and the view that fills it. */
  traceIdTs: 'otel_traces_trace_id_ts',
  traceIdTsMv: 'otel_traces_trace_id_ts_mv',
  /** flightrec's normalised view of every span: saw/decided/touched fields as columns. */
  spans: 'flightrec_spans',
  /** Session (conversation) → traces lookup, filled by a materialized view so collector rows get it too. */
  sessionTraces: 'flightrec_session_traces',
  sessionTracesMv: 'flightrec_session_traces_mv',
  /** One narrow row per model call, tool call and token-bearing span, by session: the runaway detection's input. */
  calls: 'flightrec_calls',
  callsMv: 'flightrec_calls_mv',
  /** The receiver's own ingest counters, for pipeline health. */
  ingestLog: 'flightrec_ingest_log',
} as const;

export type TableName = (typeof Tables)[keyof typeof Tables];

/** Quote an identifier for ClickHouse SQL; names come from config, so never splice them raw. */
export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid ClickHouse identifier: ${JSON.stringify(name)}`);
  return '`' + name + '`';
}

/** A ClickHouse string literal (backslash and quote escaped): for values SQL cannot take as bound parameters (file paths, DDL, SET, generated SQL). */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
