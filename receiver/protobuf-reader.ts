/**
 * A protobuf wire-format reader over one Buffer, for the one-pass OTLP decoder
 * (otlp-proto-spans.ts): fields are read as byte ranges into the request, nothing is copied.
 *
 * Hand-written: protobufjs decodes into message objects, and that allocation was the cost the
 * one-pass path removes (docs/storage.md has the measurements).
 */

/** The message ends before a field does: the request is malformed. */
export class Truncated extends Error {}

/** A protobuf wire reader over one Buffer. */
export class Reader {
  buf: Buffer;
  pos: number;
  end: number;
  /** End of the field the last delimited() call read. */
  fieldEnd = 0;
  constructor(buf: Buffer, pos: number, end: number) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }
  /** Point this reader at another range (a reader reused in a hot loop allocates nothing). */
  reset(buf: Buffer, pos: number, end: number): this {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    return this;
  }
  varint(): number {
    // Up to 2^53 exactly; larger values only matter for int64 attributes (read by varintBig).
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Truncated();
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * shift;
      if (b < 0x80) return result;
      shift *= 128;
    }
    throw new Truncated();
  }
  varintBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Truncated();
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asIntN(64, result);
      shift += 7n;
    }
    throw new Truncated();
  }
  fixed64(): bigint {
    if (this.pos + 8 > this.end) throw new Truncated();
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  double(): number {
    if (this.pos + 8 > this.end) throw new Truncated();
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  /** A length-delimited field: returns its start, sets fieldEnd, and moves past it. */
  delimited(): number {
    const len = this.varint();
    const start = this.pos;
    if (start + len > this.end) throw new Truncated();
    this.pos = start + len;
    this.fieldEnd = start + len;
    return start;
  }
  /** A length-delimited field: returns its [start, end) and moves past it. */
  lengthDelimited(): [number, number] {
    const start = this.delimited();
    return [start, this.fieldEnd];
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.lengthDelimited();
    else if (wireType === 5) this.pos += 4;
    else throw new Truncated();
    if (this.pos > this.end) throw new Truncated();
  }
}
