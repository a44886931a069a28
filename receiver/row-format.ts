/**
 * `otel_traces` rows → an INSERT body in a format chdb's parser takes.
 *
 * Two encoders, chosen by measurement (bench/ingest-throughput.ts, docs/storage.md): TabSeparated
 * parses markedly faster in ClickHouse than JSONEachRow for these rows (maps and nested arrays of
 * short strings), and the engine's parser is the ingest bottleneck on a 2-core machine. JSONEachRow
 * stays available (and is what a ClickHouse server gets over HTTP when TSV is not wanted).
 * RowBinary/Native would parse faster still, but chdb's Node binding only takes text formats for
 * raw inserts (its RawInsertFormat whitelist), so they are not an option here.
 *
 * Hand-written because no library encodes ClickHouse's TSV forms of Map / Array: @clickhouse/client
 * only serialises JSON formats.
 */
import type { OtelTraceRow } from './span-rows.ts';

export type RowFormat = 'TSV' | 'JSONEachRow';

// The TSV encoder below writes exactly these columns, in this order.
export { TRACE_INSERT_COLUMNS } from '../storage/schema.ts';

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

function mapLiteral(m: Record<string, string>): string {
  let out = '{';
  let first = true;
  for (const k in m) {
    out += (first ? '' : ',') + quoted(k) + ':' + quoted(m[k]!);
    first = false;
  }
  return out + '}';
}

function arrayLiteral(items: readonly string[]): string {
  return items.length === 0 ? '[]' : '[' + items.map(quoted).join(',') + ']';
}

function mapArrayLiteral(items: readonly Record<string, string>[]): string {
  return items.length === 0 ? '[]' : '[' + items.map(mapLiteral).join(',') + ']';
}

function tsvRow(r: OtelTraceRow): string {
  // Hex ids, kinds, status codes, decimal numbers and timestamps never need escaping.
  return r.Timestamp + '\t' + r.TraceId + '\t' + r.SpanId + '\t' + r.ParentSpanId + '\t' + tsvField(r.TraceState) + '\t' +
    tsvField(r.SpanName) + '\t' + r.SpanKind + '\t' + tsvField(r.ServiceName) + '\t' + mapLiteral(r.ResourceAttributes) + '\t' +
    tsvField(r.ScopeName) + '\t' + tsvField(r.ScopeVersion) + '\t' + mapLiteral(r.SpanAttributes) + '\t' + r.Duration + '\t' +
    r.StatusCode + '\t' + tsvField(r.StatusMessage) + '\t' +
    arrayLiteral(r['Events.Timestamp']) + '\t' + arrayLiteral(r['Events.Name']) + '\t' + mapArrayLiteral(r['Events.Attributes']) + '\t' +
    arrayLiteral(r['Links.TraceId']) + '\t' + arrayLiteral(r['Links.SpanId']) + '\t' + arrayLiteral(r['Links.TraceState']) + '\t' +
    mapArrayLiteral(r['Links.Attributes']) + '\n';
}

function jsonRow(r: OtelTraceRow): string {
  return JSON.stringify(r) + '\n';
}

/** Encode rows as one INSERT body. Strings are joined in chunks so a large group commit stays cheap. */
export function encodeRows(rows: readonly OtelTraceRow[], format: RowFormat): Buffer {
  const encode = format === 'TSV' ? tsvRow : jsonRow;
  const parts: Buffer[] = [];
  let chunk = '';
  for (const row of rows) {
    chunk += encode(row);
    if (chunk.length > 1 << 20) {
      parts.push(Buffer.from(chunk, 'utf8'));
      chunk = '';
    }
  }
  if (chunk.length > 0) parts.push(Buffer.from(chunk, 'utf8'));
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
