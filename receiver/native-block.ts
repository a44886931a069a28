/**
 * ClickHouse's Native format for `otel_traces` rows: one block, column by column.
 *
 * Why: the engine reads the same rows in Native much faster than it parses TabSeparated
 * (bench/ingest-formats.ts; figures in docs/storage.md), and that parse was the embedded receiver's limit.
 * chdb's Node binding takes only text formats for a raw insert, so a Native body is inserted with
 * `INSERT … SELECT * FROM file(…, Native)` (storage/store-client.ts); a ClickHouse server takes it
 * over HTTP as `FORMAT Native`.
 *
 * Hand-written: no maintained JavaScript library writes Native blocks (@clickhouse/client only
 * serialises JSON formats). Only what these columns need is here: String, UInt64/Int64 and
 * DateTime64(9) as little-endian 64-bit integers, Array(T) and Map(String, String) as cumulative
 * UInt64 offsets followed by their elements' columns. LowCardinality columns are sent as plain
 * String (the insert converts them), so no dictionary encoding is needed.
 *
 * Layout of a block (as ClickHouse's NativeWriter writes it for the Native format, revision 0):
 * VarUInt columns, VarUInt rows, then per column: String name, String type, column data.
 */

/** A growable byte buffer with the few primitive writes Native needs. */
export class ByteSink {
  buf: Buffer;
  pos = 0;
  constructor(size = 1 << 12) {
    this.buf = Buffer.allocUnsafe(size);
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  varUInt(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }
  /** A String value: VarUInt byte length, then the bytes of src[start, end). */
  bytes(src: Buffer, start: number, end: number): void {
    this.varUInt(end - start);
    this.copy(src, start, end);
  }
  /**
   * src[start, end) as they are. Most values here are a few dozen bytes, and a byte loop copies
   * those faster than a Buffer#copy call, whose fixed cost per call dominates at that size
   * (measured: docs/storage.md).
   */
  copy(src: Buffer, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    if (n > 48) {
      this.pos += src.copy(this.buf, this.pos, start, end);
      return;
    }
    const buf = this.buf;
    let p = this.pos;
    for (let i = start; i < end; i++) buf[p++] = src[i]!;
    this.pos = p;
  }
  /** A String value from a JavaScript string (UTF-8). */
  string(s: string): void {
    const n = Buffer.byteLength(s);
    this.varUInt(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }
  /** Raw bytes already in Native form (a pre-encoded run of values). */
  raw(src: Buffer): void {
    this.copy(src, 0, src.length);
  }
  int64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(v, this.pos);
    this.pos += 8;
  }
  uint64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(v, this.pos);
    this.pos += 8;
  }
  /** A cumulative offset: below 2^53 always (it counts rows or elements of one block). */
  offset(n: number): void {
    this.ensure(8);
    this.buf.writeUInt32LE(n >>> 0, this.pos);
    this.buf.writeUInt32LE(Math.floor(n / 0x100000000), this.pos + 4);
    this.pos += 8;
  }
  take(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Map(String, String): per row, the cumulative entry count; then every key, then every value. */
export class MapColumn {
  readonly offsets = new ByteSink();
  readonly keys = new ByteSink(1 << 14);
  readonly values = new ByteSink(1 << 14);
  entries = 0;
  /** Close one map (row or element) after its entries were written to keys / values. */
  endMap(added: number): void {
    this.entries += added;
    this.offsets.offset(this.entries);
  }
  parts(): Buffer[] {
    return [this.offsets.take(), this.keys.take(), this.values.take()];
  }
}

/** Array(T) for a scalar T: per row, the cumulative element count; then every element. */
export class ArrayColumn {
  readonly offsets = new ByteSink();
  readonly items = new ByteSink();
  count = 0;
  endRow(added: number): void {
    this.count += added;
    this.offsets.offset(this.count);
  }
  parts(): Buffer[] {
    return [this.offsets.take(), this.items.take()];
  }
}

/** Array(Map(String, String)): per row, the cumulative map count; then the maps as a MapColumn. */
export class MapArrayColumn {
  readonly offsets = new ByteSink();
  readonly maps = new MapColumn();
  count = 0;
  endRow(added: number): void {
    this.count += added;
    this.offsets.offset(this.count);
  }
  parts(): Buffer[] {
    return [this.offsets.take(), ...this.maps.parts()];
  }
}


/** Assemble a block from each column's parts (already in stream order). */
export function nativeBlock(names: readonly string[], types: readonly string[], rows: number, columns: readonly Buffer[][]): Buffer {
  const head = new ByteSink(1 << 10);
  head.varUInt(names.length);
  head.varUInt(rows);
  const out: Buffer[] = [];
  let written = 0;
  for (let i = 0; i < names.length; i++) {
    head.string(names[i]!);
    head.string(types[i]!);
    out.push(Buffer.from(head.take()));
    written += head.pos;
    head.pos = 0;
    for (const part of columns[i]!) {
      out.push(part);
      written += part.length;
    }
  }
  return Buffer.concat(out, written);
}
