/**
 * Native query results for a client that names its protocol revision (`client_protocol_version`
 * in the URL), as a ClickHouse server's HTTP interface writes them.
 *
 * Why: clickhouse-go over HTTP — the driver of Grafana's ClickHouse plugin — sends
 * `default_format=Native&client_protocol_version=<its TCP revision>` and decodes each block for that
 * revision: a BlockInfo before the columns (revision > 0) and, from revision 54454, one
 * "custom serialization" flag after each column's type. chdb can only write revision 0 (it has no
 * client revision), so its output is walked block by block and the two revision fields are
 * inserted; column data is copied unchanged (the bulk serialization of every type below does not
 * depend on the revision for revisions ≥ 54405, the first with LowCardinality).
 *
 * Walking needs each column's byte length, so the types are parsed. Only types whose bulk layout
 * is fixed and known are walked; anything else (JSON, Dynamic, Variant, Object, aggregate states)
 * is refused with an error rather than passed through with a wrong frame.
 *
 * Hand-written: no JavaScript library reads the Native format (see receiver/native-block.ts).
 */

/** Revisions as ClickHouse and clickhouse-go name them (Core/ProtocolDefines.h, lib/proto/const.go). */
export const MIN_REVISION_WITH_LOW_CARDINALITY = 54405;
export const MIN_REVISION_WITH_CUSTOM_SERIALIZATION = 54454;

const ERROR_NAMES: Readonly<Record<number, string>> = { 27: 'CANNOT_PARSE_INPUT_ASSERTION_FAILED', 33: 'CANNOT_READ_ALL_DATA', 48: 'NOT_IMPLEMENTED' };

/** Carries the ClickHouse error code, and its name at the end of the message, as server errors do. */
export class NativeRevisionError extends Error {
  readonly clickhouseCode: 27 | 33 | 48;
  constructor(message: string, clickhouseCode: 27 | 33 | 48) {
    super(`${message} (${ERROR_NAMES[clickhouseCode]})`);
    this.clickhouseCode = clickhouseCode;
  }
}

/** BlockInfo as NativeWriter writes it: field 1 is_overflows = 0, field 2 bucket_num = -1, end. */
const BLOCK_INFO = Buffer.from([0x01, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00]);
const NO_CUSTOM_SERIALIZATION = Buffer.from([0x00]);

interface TypeNode {
  readonly name: string;
  readonly args: readonly string[];
}

/** Split `a, b(c, d), 'e,f'` at top-level commas. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'" || c === '`' || c === '"') {
      for (i++; i < s.length && s[i] !== c; i++) if (s[i] === '\\') i++;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = s.slice(start).trim();
  if (last !== '' || out.length > 0) out.push(last);
  return out;
}

function parseType(type: string): TypeNode {
  const t = type.trim();
  const open = t.indexOf('(');
  if (open === -1) return { name: t, args: [] };
  if (!t.endsWith(')')) throw new NativeRevisionError(`cannot parse column type ${JSON.stringify(type)}`, 48);
  return { name: t.slice(0, open).trim(), args: splitArgs(t.slice(open + 1, -1)) };
}

/** A named tuple element `name Type` (the name possibly back-quoted) → `Type`. */
function tupleElementType(element: string): string {
  const m = /^(`(?:[^`\\]|\\.)*`|[A-Za-z_][A-Za-z0-9_]*)\s+(\S[\s\S]*)$/.exec(element);
  // `DateTime64(9, 'UTC')` has its space inside parentheses, so a leading identifier + space is a name.
  return m && !m[1]!.includes('(') ? m[2]! : element;
}

const FIXED_WIDTH: Readonly<Record<string, number>> = {
  UInt8: 1, Int8: 1, Bool: 1, Enum8: 1, Nothing: 1,
  UInt16: 2, Int16: 2, Enum16: 2, Date: 2, BFloat16: 2,
  UInt32: 4, Int32: 4, Float32: 4, Date32: 4, DateTime: 4, IPv4: 4, Decimal32: 4, Time: 4,
  UInt64: 8, Int64: 8, Float64: 8, DateTime64: 8, Decimal64: 8, Time64: 8,
  UInt128: 16, Int128: 16, UUID: 16, IPv6: 16, Decimal128: 16,
  UInt256: 32, Int256: 32, Decimal256: 32,
};

/** Geometry types are aliases of tuples and arrays of Float64. */
const ALIASES: Readonly<Record<string, string>> = {
  Point: 'Tuple(Float64, Float64)',
  Ring: 'Array(Point)',
  LineString: 'Array(Point)',
  Polygon: 'Array(Ring)',
  MultiLineString: 'Array(LineString)',
  MultiPolygon: 'Array(Polygon)',
};

function fixedWidth(t: TypeNode): number | undefined {
  if (t.name.startsWith('Interval')) return 8;
  if (t.name === 'FixedString') return Number(t.args[0]);
  if (t.name === 'Decimal') {
    const p = Number(t.args[0]);
    return p <= 9 ? 4 : p <= 18 ? 8 : p <= 38 ? 16 : 32;
  }
  return FIXED_WIDTH[t.name];
}

class Walker {
  pos = 0;
  readonly buf: Buffer;
  constructor(buf: Buffer) {
    this.buf = buf;
  }

  need(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0 || this.pos + n > this.buf.length) {
      throw new NativeRevisionError(`Native block ends early at byte ${this.pos} (needs ${n} more of ${this.buf.length})`, 33);
    }
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  varUInt(): number {
    let n = 0;
    for (let shift = 0; shift < 63; shift += 7) {
      this.need(1);
      const b = this.buf[this.pos++]!;
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
    }
    throw new NativeRevisionError('bad VarUInt in Native block', 33);
  }

  uint64(): number {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new NativeRevisionError(`implausible size ${v} in Native block`, 33);
    return Number(v);
  }

  string(): string {
    const n = this.varUInt();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** serializeBinaryBulkStatePrefix: written once per column, before its data. */
  prefix(type: string): void {
    const t = parseType(type);
    switch (t.name) {
      case 'LowCardinality':
        this.skip(8); // keys serialization version
        return;
      case 'Nullable':
      case 'Array':
        return this.prefix(t.args[0]!);
      case 'Map':
        this.prefix(t.args[0]!);
        return this.prefix(t.args[1]!);
      case 'Tuple':
        for (const e of t.args) this.prefix(tupleElementType(e));
        return;
      case 'SimpleAggregateFunction':
        return this.prefix(t.args[t.args.length - 1]!);
      default:
        if (ALIASES[t.name]) return this.prefix(ALIASES[t.name]!);
    }
  }

  /** serializeBinaryBulkWithMultipleStreams for `rows` values, all streams in order. */
  data(type: string, rows: number): void {
    const t = parseType(type);
    const width = fixedWidth(t);
    if (width !== undefined && Number.isFinite(width)) return this.skip(width * rows);
    switch (t.name) {
      case 'String':
        for (let i = 0; i < rows; i++) this.skip(this.varUInt());
        return;
      case 'Nullable':
        this.skip(rows); // null map
        return this.data(t.args[0]!, rows);
      case 'Array':
      case 'Map': {
        if (rows === 0) return;
        this.skip((rows - 1) * 8);
        const total = this.uint64(); // offsets are cumulative: the last is the element count
        if (t.name === 'Array') return this.data(t.args[0]!, total);
        this.data(t.args[0]!, total);
        return this.data(t.args[1]!, total);
      }
      case 'Tuple':
        for (const e of t.args) this.data(tupleElementType(e), rows);
        return;
      case 'LowCardinality':
        return this.lowCardinality(t.args[0]!, rows);
      case 'SimpleAggregateFunction':
        return this.data(t.args[t.args.length - 1]!, rows);
      default:
        if (ALIASES[t.name]) return this.data(ALIASES[t.name]!, rows);
        throw new NativeRevisionError(`Native output of type ${type} for a client protocol revision is not supported by this server; ask for another format`, 48);
    }
  }

  /** SerializationLowCardinality: nothing for no rows; else index flags, local dictionary, indexes. */
  lowCardinality(inner: string, rows: number): void {
    if (rows === 0) return;
    const flags = this.uint64();
    const keyWidth = [1, 2, 4, 8][flags & 0xff];
    if (keyWidth === undefined || flags & (1 << 8)) throw new NativeRevisionError(`unsupported LowCardinality index flags ${flags}`, 48);
    if (flags & (1 << 9)) {
      const keys = this.uint64();
      const dict = parseType(inner);
      this.data(dict.name === 'Nullable' ? dict.args[0]! : inner, keys);
    }
    const indexes = this.uint64();
    this.skip(indexes * keyWidth);
  }
}

/**
 * chdb's Native output (revision 0) rewritten for `clientRevision`. Revision 0 is returned as is;
 * revisions between 1 and the first with LowCardinality are refused (a server would also convert
 * types for them).
 */
export function nativeForClientRevision(native: Buffer, clientRevision: number): Buffer {
  if (clientRevision === 0) return native;
  if (!Number.isSafeInteger(clientRevision) || clientRevision < MIN_REVISION_WITH_LOW_CARDINALITY) {
    throw new NativeRevisionError(`client_protocol_version ${clientRevision} is not supported: use 0 or at least ${MIN_REVISION_WITH_LOW_CARDINALITY}`, 48);
  }
  const w = new Walker(native);
  const parts: Buffer[] = [];
  let copied = 0;
  const copyTo = (end: number): void => {
    parts.push(native.subarray(copied, end));
    copied = end;
  };
  while (w.pos < native.length) {
    parts.push(BLOCK_INFO);
    const columns = w.varUInt();
    const rows = w.varUInt();
    for (let c = 0; c < columns; c++) {
      w.string(); // name
      const type = w.string();
      copyTo(w.pos);
      if (clientRevision >= MIN_REVISION_WITH_CUSTOM_SERIALIZATION) parts.push(NO_CUSTOM_SERIALIZATION);
      if (rows > 0) {
        w.prefix(type);
        w.data(type, rows);
      }
    }
    copyTo(w.pos);
  }
  return Buffer.concat(parts);
}

/** The client's revision from the URL (`client_protocol_version`), 0 when absent. */
export function clientRevisionOf(params: URLSearchParams): number {
  const raw = params.get('client_protocol_version');
  if (raw === null || raw === '') return 0;
  if (!/^\d{1,9}$/.test(raw)) throw new NativeRevisionError(`client_protocol_version must be a whole number, got ${JSON.stringify(raw.slice(0, 40))}`, 27);
  return Number(raw);
}
