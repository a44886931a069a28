/**
 * The insert formats: the one table of them. Each has the writer that turns `otel_traces` rows into
 * an insert body and the magic its write-ahead-log records carry (write-ahead-log.ts reads it from
 * here). A new format is one entry here plus its writer; otlp-request.ts sends every request that is
 * not OTLP/protobuf-into-Native through rows to it.
 *
 * Chosen by measurement (bench/ingest-formats.ts; figures in docs/storage.md): the engine reads
 * Native much faster than TabSeparated, and TabSeparated markedly faster than JSONEachRow for these
 * rows (maps and nested arrays of short strings) — the engine's parse is the ingest limit on a
 * 2-core machine. Native is the receiver's default, inserted through file() since chdb's raw insert
 * takes text formats only; JSONEachRow stays available (what a ClickHouse server takes most
 * readily over HTTP).
 */
import { jsonRow } from './json-rows.ts';
import { nativeRows } from './native-rows.ts';
import type { OtelTraceRow } from './otel-trace-row.ts';
import { tsvRow } from './tsv-rows.ts';

export interface RowFormatSpec {
  /** Rows → one insert body. */
  readonly encode: (rows: readonly OtelTraceRow[]) => Buffer;
  /** The 4-byte magic of this format's write-ahead-log records; never change one (old logs replay by it). */
  readonly walMagic: string;
}

/** Text formats are joined in chunks so a large group commit stays cheap. */
function textRows(encode: (row: OtelTraceRow) => string): (rows: readonly OtelTraceRow[]) => Buffer {
  return (rows) => {
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
  };
}

export const ROW_FORMAT_SPECS = {
  Native: { encode: nativeRows, walMagic: 'FRWN' },
  // 'FRW1': the write-ahead log's first format, from before records named theirs.
  TSV: { encode: textRows(tsvRow), walMagic: 'FRW1' },
  JSONEachRow: { encode: textRows(jsonRow), walMagic: 'FRWJ' },
} as const satisfies Record<string, RowFormatSpec>;

export type RowFormat = keyof typeof ROW_FORMAT_SPECS;
export const ROW_FORMATS = Object.keys(ROW_FORMAT_SPECS) as readonly RowFormat[];
/** What the receiver encodes rows in unless told otherwise (docs/storage.md has the measurements). */
export const DEFAULT_ROW_FORMAT: RowFormat = 'Native';

/** Encode rows as one INSERT body. */
export function encodeRows(rows: readonly OtelTraceRow[], format: RowFormat): Buffer {
  return ROW_FORMAT_SPECS[format].encode(rows);
}
