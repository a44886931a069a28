/**
 * `otel_traces` rows → TabSeparated, column by column as storage/trace-columns.ts lists them.
 *
 * Hand-written because no library encodes ClickHouse's TSV forms of Map / Array: @clickhouse/client
 * only serialises JSON formats.
 */
import { TRACE_COLUMNS, type ColumnKind } from '../storage/trace-columns.ts';
import { entriesOf, type AttributeMap } from './any-value.ts';
import type { KindValues, OtelTraceRow } from './otel-trace-row.ts';

const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0', '\b': '\\b', '\f': '\\f' };
const TSV_SPECIAL = /[\\\t\n\r\0\b\f]/g;
const QUOTED_ESCAPES: Record<string, string> = { ...TSV_ESCAPES, "'": "\\'" };
const QUOTED_SPECIAL = /[\\'\t\n\r\0\b\f]/g;

/** A TabSeparated field: backslash escapes for the characters that would break the row. */
function tsvField(s: string): string {
  return TSV_SPECIAL.test(s) ? ((TSV_SPECIAL.lastIndex = 0), s.replace(TSV_SPECIAL, (c) => TSV_ESCAPES[c]!)) : s;
}

/**
 * A string literal inside a Map/Array field. ClickHouse parses a TSV field of a composite type
 * straight from the row (no separate un-escaping pass), so one level of quoted-literal escaping is
 * right — and it must cover tab and newline too, or the row would split.
 */
function quoted(s: string): string {
  QUOTED_SPECIAL.lastIndex = 0;
  return "'" + (QUOTED_SPECIAL.test(s) ? ((QUOTED_SPECIAL.lastIndex = 0), s.replace(QUOTED_SPECIAL, (c) => QUOTED_ESCAPES[c]!)) : s) + "'";
}

function mapLiteral(m: AttributeMap): string {
  let out = '{';
  let first = true;
  for (const [k, v] of entriesOf(m)) {
    out += (first ? '' : ',') + quoted(k) + ':' + quoted(v);
    first = false;
  }
  return out + '}';
}

function arrayLiteral(items: readonly string[]): string {
  return items.length === 0 ? '[]' : '[' + items.map(quoted).join(',') + ']';
}

/** How each kind of column is written. */
const WRITE: { readonly [K in ColumnKind]: (v: KindValues[K]) => string } = {
  // Timestamps, hex ids, enum names and decimal numbers never need escaping.
  time: (v) => v,
  ascii: (v) => v,
  text: tsvField,
  uint64: (v) => v,
  map: mapLiteral,
  times: arrayLiteral,
  asciis: arrayLiteral,
  texts: arrayLiteral,
  maps: (v) => (v.length === 0 ? '[]' : '[' + v.map(mapLiteral).join(',') + ']'),
};

const COLUMNS = TRACE_COLUMNS.map((c) => ({ name: c.name, write: WRITE[c.kind] as (v: unknown) => string }));

export function tsvRow(r: OtelTraceRow): string {
  let out = '';
  for (let i = 0; i < COLUMNS.length; i++) {
    const c = COLUMNS[i]!;
    out += (i === 0 ? '' : '\t') + c.write(r[c.name]);
  }
  return out + '\n';
}
