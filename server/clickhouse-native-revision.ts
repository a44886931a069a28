/**
 * Native answers in the layout the client asked for with `client_protocol_version`.
 *
 * chdb writes the Native format as protocol revision 0. A ClickHouse server writes it for the revision
 * the HTTP client names, and clickhouse-go (every HTTP query, starting with its handshake `SELECT
 * displayName(), version(), revision(), timezone()`) reads it that way: each block starts with the
 * block info (is_overflows = false, bucket_num = -1), and from revision 54454 each column's type name
 * is followed by a "custom serialization" flag (0 here: chdb's revision-0 output is never sparse).
 * Inserting that flag means walking each column's data, so this reads the Native layout of the types a
 * query answer can hold and refuses the rest with a clear error.
 */

const CUSTOM_SERIALIZATION_REVISION = 54454;
const BLOCK_INFO = Buffer.from([1, 0, 2, 0xff, 0xff, 0xff, 0xff, 0]);

const FIXED_WIDTH: Record<string, number> = {
  UInt8: 1, Int8: 1, Bool: 1, Enum8: 1,
  UInt16: 2, Int16: 2, Date: 2, Enum16: 2, BFloat16: 2,
  UInt32: 4, Int32: 4, Float32: 4, DateTime: 4, Date32: 4, IPv4: 4, Decimal32: 4, Time: 4,
  UInt64: 8, Int64: 8, Float64: 8, DateTime64: 8, Decimal64: 8, Time64: 8, Interval: 8,
  UInt128: 16, Int128: 16, UUID: 16, IPv6: 16, Decimal128: 16,
  UInt256: 32, Int256: 32, Decimal256: 32,
};

interface TypeNode { readonly name: string; readonly args: readonly TypeNode[]; readonly text: string }

/** `Map(LowCardinality(String), Array(Tuple(a UInt8, b String)))` as a tree; argument names dropped. */
export function parseType(text: string): TypeNode {
  let i = 0;
  const node = (): TypeNode => {
    const start = i;
    while (i < text.length && /[\s]/.test(text[i]!)) i++;
    let name = '';
    while (i < text.length && !'(),'.includes(text[i]!)) name += text[i++];
    name = name.trim();
    // Tuple elements and Nested fields may be named: `a UInt8` — the type is the last word.
    const space = name.lastIndexOf(' ');
    if (space >= 0 && !name.startsWith("'")) name = name.slice(space + 1);
    const args: TypeNode[] = [];
    if (text[i] === '(') {
      i++;
      let depth = 0;
      // Enum, DateTime64, Decimal, FixedString arguments are literals: kept as text nodes.
      for (;;) {
        const argStart = i;
        if (/^(Enum8|Enum16|DateTime|DateTime64|Decimal|FixedString|Time64)$/.test(name)) {
          while (i < text.length && (depth > 0 || (text[i] !== ',' && text[i] !== ')'))) {
            if (text[i] === "'") { i++; while (i < text.length && text[i] !== "'") { if (text[i] === '\\') i++; i++; } }
            else if (text[i] === '(') depth++;
            else if (text[i] === ')') depth--;
            i++;
          }
          const literal = text.slice(argStart, i).trim();
          args.push({ name: literal, args: [], text: literal });
        } else args.push(node());
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ')') { i++; break; }
        throw new Error(`cannot read the type ${JSON.stringify(text)}`);
      }
    }
    return { name, args, text: text.slice(start, i).trim() };
  };
  const root = node();
  if (i !== text.length) throw new Error(`cannot read the type ${JSON.stringify(text)}`);
  return root;
}

class Cursor {
  readonly buf: Buffer;
  at = 0;
  constructor(buf: Buffer) { this.buf = buf; }
  need(n: number): void { if (this.at + n > this.buf.length) throw new Error('Native answer ends inside a column'); }
  varint(): number {
    let v = 0;
    let shift = 0;
    for (;;) {
      this.need(1);
      const b = this.buf[this.at++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
  }
  u64(): number { this.need(8); const v = Number(this.buf.readBigUInt64LE(this.at)); this.at += 8; return v; }
  skip(n: number): void { this.need(n); this.at += n; }
  string(): string { const n = this.varint(); this.need(n); const s = this.buf.toString('utf8', this.at, this.at + n); this.at += n; return s; }
}

function unsupported(type: TypeNode): never {
  throw new Error(`a Native answer for a protocol revision above 0 cannot carry a ${type.text} column here; ask for another format (e.g. default_format=JSONEachRow)`);
}

/** Skips a column's serialization-state prefix (only LowCardinality writes one: its keys version). */
function skipPrefix(c: Cursor, type: TypeNode): void {
  switch (type.name) {
    case 'LowCardinality': c.skip(8); return;
    case 'Nullable': case 'Array': return skipPrefix(c, type.args[0]!);
    case 'Map': skipPrefix(c, type.args[0]!); return skipPrefix(c, type.args[1]!);
    case 'Tuple': for (const a of type.args) skipPrefix(c, a); return;
    default: return;
  }
}

/** Skips `rows` values of `type` (after its prefix). */
function skipData(c: Cursor, type: TypeNode, rows: number): void {
  if (rows === 0) return;
  const width = FIXED_WIDTH[type.name];
  if (width !== undefined && type.name !== 'Decimal') { c.skip(width * rows); return; }
  switch (type.name) {
    case 'String': for (let r = 0; r < rows; r++) c.skip(c.varint()); return;
    case 'FixedString': c.skip(Number(type.args[0]!.name) * rows); return;
    case 'Decimal': {
      const p = Number(type.args[0]!.name);
      c.skip((p <= 9 ? 4 : p <= 18 ? 8 : p <= 38 ? 16 : 32) * rows);
      return;
    }
    case 'Nullable': c.skip(rows); return skipData(c, type.args[0]!, rows);
    case 'Array': case 'Map': {
      c.need(8 * rows);
      const n = Number(c.buf.readBigUInt64LE(c.at + 8 * (rows - 1)));
      c.skip(8 * rows);
      if (type.name === 'Array') return skipData(c, type.args[0]!, n);
      skipData(c, type.args[0]!, n);
      return skipData(c, type.args[1]!, n);
    }
    case 'Tuple': for (const a of type.args) skipData(c, a, rows); return;
    case 'LowCardinality': {
      const flags = c.u64();
      const keyWidth = [1, 2, 4, 8][flags & 0xff];
      if (keyWidth === undefined) unsupported(type);
      const inner = type.args[0]!.name === 'Nullable' ? type.args[0]!.args[0]! : type.args[0]!;
      if (flags & (1 << 9)) skipData(c, inner, c.u64()); // has additional keys: the dictionary
      c.skip(keyWidth * c.u64());
      return;
    }
    default: unsupported(type);
  }
}

/**
 * `native` (chdb's revision-0 output, any number of blocks) rewritten for `revision`: block info before
 * each block, and the custom-serialization flag after each column's type from revision 54454.
 */
export function nativeForRevision(native: Buffer, revision: number): Buffer {
  if (revision <= 0 || native.length === 0) return native;
  const out: Buffer[] = [];
  const c = new Cursor(native);
  const flag = revision >= CUSTOM_SERIALIZATION_REVISION ? Buffer.from([0]) : null;
  while (c.at < native.length) {
    out.push(BLOCK_INFO);
    const start = c.at;
    const columns = c.varint();
    const rows = c.varint();
    out.push(native.subarray(start, c.at));
    for (let i = 0; i < columns; i++) {
      const head = c.at;
      c.string();
      const type = parseType(c.string());
      out.push(native.subarray(head, c.at));
      if (flag) out.push(flag);
      const data = c.at;
      if (rows > 0) { skipPrefix(c, type); skipData(c, type, rows); }
      out.push(native.subarray(data, c.at));
    }
  }
  return Buffer.concat(out);
}

/** The Native answer as the client's `client_protocol_version` wants it; other formats as they are. */
export function answerForClient(out: Buffer, format: string, params: URLSearchParams): Buffer {
  if (format !== 'Native') return out;
  const revision = Number(params.get('client_protocol_version') ?? 0);
  return Number.isSafeInteger(revision) && revision > 0 ? nativeForRevision(out, revision) : out;
}
