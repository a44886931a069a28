/**
 * `otel_traces` rows → JSONEachRow, column by column as storage/trace-columns.ts lists them. Maps
 * are written entry by entry, so duplicate keys are kept (ClickHouse keeps them too).
 */
import { TRACE_COLUMNS, type ColumnKind } from '../storage/trace-columns.ts';
import { entriesOf, type AttributeMap } from './any-value.ts';
import type { KindValues, OtelTraceRow } from './otel-trace-row.ts';

function jsonMap(m: AttributeMap): string {
  return '{' + entriesOf(m).map(([k, v]) => JSON.stringify(k) + ':' + JSON.stringify(v)).join(',') + '}';
}

/** How each kind of column is written. */
const WRITE: { readonly [K in ColumnKind]: (v: KindValues[K]) => string } = {
  time: JSON.stringify,
  ascii: JSON.stringify,
  text: JSON.stringify,
  // A quoted number: ClickHouse reads it into UInt64 without going through a double.
  uint64: JSON.stringify,
  map: jsonMap,
  times: JSON.stringify,
  asciis: JSON.stringify,
  texts: JSON.stringify,
  maps: (v) => '[' + v.map(jsonMap).join(',') + ']',
};

const COLUMNS = TRACE_COLUMNS.map((c) => ({ key: JSON.stringify(c.name) + ':', name: c.name, write: WRITE[c.kind] as (v: unknown) => string }));

export function jsonRow(r: OtelTraceRow): string {
  let out = '{';
  for (let i = 0; i < COLUMNS.length; i++) {
    const c = COLUMNS[i]!;
    out += (i === 0 ? '' : ',') + c.key + c.write(r[c.name]);
  }
  return out + '}\n';
}
