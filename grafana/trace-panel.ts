/**
 * The Incident review's span-tree panel: the ClickHouse plugin's own OpenTelemetry trace-ID query
 * (query builder, `queryType: traces`, `isTraceIdMode`) over `otel_traces`, so Grafana's trace view
 * gets exactly the frame the plugin builds in Explore, and opening the panel in the query builder
 * shows the OTel trace mode.
 *
 * `rawSql` is what the plugin's `generateTraceIdQuery` (src/data/sqlGenerator.ts, 4.20.0 /
 * 1d04063a) produces for these builder options — Map-typed attributes, nested events and links,
 * the `_trace_id_ts` companion table — transcribed, because the plugin's generator is frontend
 * code that cannot run here. One deliberate difference: the trace id is read from the dashboard
 * variable percent-encoded (`decodeURLComponent('${trace:percentencode}')`, see
 * translate-query.ts) where the plugin splices `'<id>'`; the builder options keep the plugin's form.
 *
 * This is the one dashboard SQL not in queries/: it is the plugin's SQL, not flightrec's, and it
 * reads `otel_traces` itself, which saved queries never do (they read flightrec_spans).
 */
import type { ClickHouseTarget } from './dashboard-builder.ts';
import { Format } from './dashboard-builder.ts';
import { PLUGIN_VERSION, datasourceRef } from './datasource.ts';
import { DEFAULT_DATABASE, Tables } from '../storage/tables.ts';

/** The plugin's OTel trace column map (src/otel.ts, traces 1.29/1.30), as builder columns. */
const COLUMNS = [
  { name: 'TraceId', hint: 'trace_id' },
  { name: 'SpanId', hint: 'trace_span_id' },
  { name: 'ParentSpanId', hint: 'trace_parent_span_id' },
  { name: 'ServiceName', hint: 'trace_service_name' },
  { name: 'SpanName', hint: 'trace_operation_name' },
  { name: 'Timestamp', hint: 'time' },
  { name: 'Duration', hint: 'trace_duration_time' },
  { name: 'SpanAttributes', hint: 'trace_tags' },
  { name: 'ResourceAttributes', hint: 'trace_service_tags' },
  { name: 'StatusCode', hint: 'trace_status_code' },
  { name: 'SpanKind', hint: 'trace_kind' },
  { name: 'StatusMessage', hint: 'trace_status_message' },
  { name: 'TraceState', hint: 'trace_state' },
] as const;

const id = (s: string): string => `"${s.replace(/"/g, '""')}"`;
const table = (db: string, t: string): string => `${id(db)}.${id(t)}`;

/** generateTraceIdQuery's output for the columns above, with `traceIdExpr` as the trace id. */
export function traceIdSql(traceIdExpr: string, database: string = DEFAULT_DATABASE): string {
  const ts = table(database, Tables.traceIdTs);
  const attrs = (e: string): string => `arrayMap(key -> map('key', key, 'value', ${e}[key]), mapKeys(${e}))`;
  const select = [
    `${id('TraceId')} as traceID`,
    `${id('SpanId')} as spanID`,
    `${id('ParentSpanId')} as parentSpanID`,
    `${id('ServiceName')} as serviceName`,
    `${id('SpanName')} as operationName`,
    `multiply(toUnixTimestamp64Nano(${id('Timestamp')}), 0.000001) as startTime`,
    `multiply(${id('Duration')}, 0.000001) as duration`,
    `arrayMap(key -> map('key', key, 'value',${id('SpanAttributes')}[key]), mapKeys(${id('SpanAttributes')})) as tags`,
    `arrayMap(key -> map('key', key, 'value',${id('ResourceAttributes')}[key]), mapKeys(${id('ResourceAttributes')})) as serviceTags`,
    `if(${id('StatusCode')} IN ('Error', 'STATUS_CODE_ERROR'), 2, 0) as statusCode`,
    [
      `arrayMap((name, timestamp, attributes) -> tuple(name, toString(toUnixTimestamp64Milli(timestamp)),`,
      `${attrs('attributes')})::Tuple(name String, timestamp String, fields Array(Map(String, String))),`,
      `${id('Events')}.Name, ${id('Events')}.Timestamp,`,
      `${id('Events')}.Attributes) AS logs`,
    ].join(' '),
    [
      `arrayMap((traceID, spanID, attributes) -> tuple(traceID, spanID, ${attrs('attributes')})::Tuple(traceID String, spanID String, tags Array(Map(String, String))),`,
      `${id('Links')}.TraceId, ${id('Links')}.SpanId,`,
      `${id('Links')}.Attributes) AS references`,
    ].join(' '),
    `${id('SpanKind')} as kind`,
    `${id('StatusMessage')} as statusMessage`,
    `${id('TraceState')} as traceState`,
  ].join(', ');
  return [
    'WITH',
    `${traceIdExpr} as __gf_trace_id,`,
    `(SELECT min(Start) FROM ${ts} WHERE TraceId = __gf_trace_id) as __gf_trace_start,`,
    `(SELECT max(End) + 1 FROM ${ts} WHERE TraceId = __gf_trace_id) as __gf_trace_end`,
    'SELECT',
    select,
    'FROM',
    table(database, Tables.traces),
    'WHERE',
    'traceID = __gf_trace_id',
    'AND',
    `${id('Timestamp')} >= __gf_trace_start`,
    'AND',
    `${id('Timestamp')} <= __gf_trace_end`,
  ].join(' ');
}

/** The trace panel's target for the dashboard variable `variable`. */
export function traceTarget(variable: string): ClickHouseTarget & { builderOptions: Record<string, unknown> } {
  return {
    refId: 'A',
    datasource: datasourceRef,
    editorType: 'builder',
    rawSql: traceIdSql(`decodeURLComponent('\${${variable}:percentencode}')`),
    format: Format.traces,
    queryType: 'traces',
    pluginVersion: PLUGIN_VERSION,
    builderOptions: {
      database: DEFAULT_DATABASE,
      table: Tables.traces,
      queryType: 'traces',
      mode: 'list',
      columns: COLUMNS.map((c) => ({ ...c })),
      filters: [],
      orderBy: [],
      limit: 0,
      meta: {
        isTraceIdMode: true,
        traceId: `\${${variable}}`,
        otelEnabled: true,
        otelVersion: 'latest',
        traceDurationUnit: 'nanoseconds',
        traceEventsColumnPrefix: 'Events',
        traceLinksColumnPrefix: 'Links',
        flattenNested: false,
        hasTraceTimestampTable: true,
        traceTimestampTableSuffix: '_trace_id_ts',
      },
    },
  };
}
