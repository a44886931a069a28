/**
 * `otel_traces` rows → an INSERT body in a format chdb's parser takes.
 *
 * Two encoders, chosen by measurement (bench/ingest-throughput.ts, docs/storage.md): TabSeparated
 * parses markedly faster in ClickHouse than JSONEachRow for these rows (maps and nested arrays of
 * short strings), and the engine's parser is the ingest bottleneck on a 2-core machine. JSONEachRow
 * stays available (and is what a ClickHouse server gets over HTTP when TSV is not wanted).
 * Native (receiver/native-block.ts) parses faster still, about three times TabSeparated's rate: it
 * is the receiver's default, inserted through file() since chdb's raw insert takes text formats only.
 *
 * Hand-written because no library encodes ClickHouse's TSV forms of Map / Array: @clickhouse/client
 * only serialises JSON formats.
 */
import { ArrayColumn, ByteSink, MapArrayColumn, MapColumn, NATIVE_TRACE_TYPES, nativeBlock } from './native-block.ts';
import { entriesOf, type AttributeMap } from './any-value.ts';
import type { OtelTraceRow } from './span-rows.ts';
import { TRACE_INSERT_COLUMNS as COLUMNS } from '../storage/schema.ts';

export type RowFormat = 'Native' | 'TSV' | 'JSONEachRow';
export const ROW_FORMATS: readonly RowFormat[] = ['Native', 'TSV', 'JSONEachRow'];
/** What the receiver encodes rows in unless told otherwise (docs/storage.md has the measurements). */
export const DEFAULT_ROW_FORMAT: RowFormat = 'Native';

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

function mapArrayLiteral(items: readonly AttributeMap[]): string {
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

/** A map as a JSON object written entry by entry: duplicate keys are kept (ClickHouse keeps them too). */
function jsonMap(m: AttributeMap): string {
  return '{' + entriesOf(m).map(([k, v]) => JSON.stringify(k) + ':' + JSON.stringify(v)).join(',') + '}';
}

function jsonRow(r: OtelTraceRow): string {
  let out = '{';
  for (const c of COLUMNS) {
    const v = r[c];
    const text = c === 'ResourceAttributes' || c === 'SpanAttributes' ? jsonMap(v as AttributeMap)
      : c === 'Events.Attributes' || c === 'Links.Attributes' ? '[' + (v as AttributeMap[]).map(jsonMap).join(',') + ']'
      : JSON.stringify(v);
    out += (out.length > 1 ? ',"' : '"') + c + '":' + text;
  }
  return out + '}\n';
}

/** `seconds.nanoseconds` (nanosToDateTime64's form) → nanoseconds since the epoch. */
function dateTime64Nanos(t: string): bigint {
  const dot = t.indexOf('.');
  return dot < 0 ? BigInt(t) * 1_000_000_000n : BigInt(t.slice(0, dot) + t.slice(dot + 1).padEnd(9, '0').slice(0, 9));
}

function writeMap(col: MapColumn, m: AttributeMap): void {
  const entries = entriesOf(m);
  for (const [k, v] of entries) {
    col.keys.string(k);
    col.values.string(v);
  }
  col.endMap(entries.length);
}

/** Rows as one Native block (the generic path; the protobuf fast path writes the same bytes). */
function nativeRows(rows: readonly OtelTraceRow[]): Buffer {
  const strings = (pick: (r: OtelTraceRow) => string): Buffer[] => {
    const c = new ByteSink(rows.length * 24 + 16);
    for (const r of rows) c.string(pick(r));
    return [c.take()];
  };
  const int64s = (pick: (r: OtelTraceRow) => bigint): Buffer[] => {
    const c = new ByteSink(rows.length * 8 + 8);
    for (const r of rows) c.int64(pick(r));
    return [c.take()];
  };
  const maps = (pick: (r: OtelTraceRow) => AttributeMap): Buffer[] => {
    const c = new MapColumn();
    for (const r of rows) writeMap(c, pick(r));
    return c.parts();
  };
  const stringArrays = (pick: (r: OtelTraceRow) => readonly string[]): Buffer[] => {
    const c = new ArrayColumn();
    for (const r of rows) {
      const items = pick(r);
      for (const s of items) c.items.string(s);
      c.endRow(items.length);
    }
    return c.parts();
  };
  const mapArrays = (pick: (r: OtelTraceRow) => readonly AttributeMap[]): Buffer[] => {
    const c = new MapArrayColumn();
    for (const r of rows) {
      const items = pick(r);
      for (const m of items) writeMap(c.maps, m);
      c.endRow(items.length);
    }
    return c.parts();
  };
  const times = new ArrayColumn();
  for (const r of rows) {
    for (const t of r['Events.Timestamp']) times.items.int64(dateTime64Nanos(t));
    times.endRow(r['Events.Timestamp'].length);
  }
  const durations = new ByteSink(rows.length * 8 + 8);
  for (const r of rows) durations.uint64(BigInt(r.Duration));
  return nativeBlock(COLUMNS, NATIVE_TRACE_TYPES, rows.length, [
    int64s((r) => dateTime64Nanos(r.Timestamp)), strings((r) => r.TraceId), strings((r) => r.SpanId), strings((r) => r.ParentSpanId),
    strings((r) => r.TraceState), strings((r) => r.SpanName), strings((r) => r.SpanKind), strings((r) => r.ServiceName),
    maps((r) => r.ResourceAttributes), strings((r) => r.ScopeName), strings((r) => r.ScopeVersion), maps((r) => r.SpanAttributes),
    [durations.take()], strings((r) => r.StatusCode), strings((r) => r.StatusMessage),
    times.parts(), stringArrays((r) => r['Events.Name']), mapArrays((r) => r['Events.Attributes']),
    stringArrays((r) => r['Links.TraceId']), stringArrays((r) => r['Links.SpanId']), stringArrays((r) => r['Links.TraceState']), mapArrays((r) => r['Links.Attributes']),
  ]);
}

/** Encode rows as one INSERT body. Strings are joined in chunks so a large group commit stays cheap. */
export function encodeRows(rows: readonly OtelTraceRow[], format: RowFormat): Buffer {
  if (format === 'Native') return rows.length === 0 ? Buffer.alloc(0) : nativeRows(rows);
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
