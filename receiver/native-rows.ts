/**
 * `otel_traces` rows → one Native block (native-block.ts), column by column as
 * storage/trace-columns.ts lists them. The protobuf one-pass writer (native-span-writer.ts) writes
 * the same bytes from the request directly; test/receiver-proto-fast-path.test.ts compares them.
 */
import { NATIVE_TRACE_TYPES, TRACE_COLUMNS, TRACE_INSERT_COLUMNS, type ColumnKind } from '../storage/trace-columns.ts';
import { entriesOf, type AttributeMap } from './any-value.ts';
import { ArrayColumn, ByteSink, MapArrayColumn, MapColumn, nativeBlock } from './native-block.ts';
import { dateTime64Nanos, type KindValues, type OtelTraceRow } from './otel-trace-row.ts';

function writeMap(col: MapColumn, m: AttributeMap): void {
  const entries = entriesOf(m);
  for (const [k, v] of entries) {
    col.keys.string(k);
    col.values.string(v);
  }
  col.endMap(entries.length);
}

/** A column being written: one value per row, then its parts in stream order. */
interface ColumnBuilder<V> {
  add(v: V): void;
  parts(): Buffer[];
}

function scalar<V>(write: (sink: ByteSink, v: V) => void): () => ColumnBuilder<V> {
  return () => {
    const sink = new ByteSink(1 << 14);
    return { add: (v) => write(sink, v), parts: () => [sink.take()] };
  };
}

function array<V>(write: (sink: ByteSink, v: V) => void): () => ColumnBuilder<readonly V[]> {
  return () => {
    const col = new ArrayColumn();
    return {
      add: (items) => {
        for (const v of items) write(col.items, v);
        col.endRow(items.length);
      },
      parts: () => col.parts(),
    };
  };
}

/** How each kind of column is written. */
const BUILD: { readonly [K in ColumnKind]: () => ColumnBuilder<KindValues[K]> } = {
  time: scalar((s, v: string) => s.int64(dateTime64Nanos(v))),
  ascii: scalar((s, v: string) => s.string(v)),
  text: scalar((s, v: string) => s.string(v)),
  uint64: scalar((s, v: string) => s.uint64(BigInt(v))),
  map: () => {
    const col = new MapColumn();
    return { add: (m) => writeMap(col, m), parts: () => col.parts() };
  },
  times: array((s, v: string) => s.int64(dateTime64Nanos(v))),
  asciis: array((s, v: string) => s.string(v)),
  texts: array((s, v: string) => s.string(v)),
  maps: () => {
    const col = new MapArrayColumn();
    return {
      add: (maps) => {
        for (const m of maps) writeMap(col.maps, m);
        col.endRow(maps.length);
      },
      parts: () => col.parts(),
    };
  },
};

/** Rows as one Native block (empty input, empty body). */
export function nativeRows(rows: readonly OtelTraceRow[]): Buffer {
  if (rows.length === 0) return Buffer.alloc(0);
  const columns = TRACE_COLUMNS.map((c) => {
    const builder = BUILD[c.kind]() as ColumnBuilder<unknown>;
    for (const r of rows) builder.add(r[c.name]);
    return builder.parts();
  });
  return nativeBlock(TRACE_INSERT_COLUMNS, NATIVE_TRACE_TYPES, rows.length, columns);
}
