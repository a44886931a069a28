/**
 * ClickHouse's native compression over HTTP: `decompress=1` on a request means the body is a run of
 * compressed blocks; `compress=1` asks for the response in the same framing. clickhouse-go (the
 * contrib collector's clickhouse exporter, `compress: lz4` or `zstd`) uses both: its inserts send
 * LZ4 blocks, and it reads every query's answer through a block reader that checks each checksum.
 *
 * A block: 16-byte CityHash128 of the rest of the block (server/cityhash128.ts), one method byte
 * (0x02 none, 0x82 LZ4, 0x90 ZSTD), u32 LE size of the compressed data plus these 9 header bytes,
 * u32 LE size of the data once decompressed, then the compressed data.
 *
 * LZ4 block decoding is written here (about thirty lines of the documented block format) rather than
 * taken from a native or WebAssembly LZ4 package; ZSTD is Node's own zlib.
 */
import { zstdDecompressSync } from 'node:zlib';
import { cityHash128Matches, writeCityHash128 } from './cityhash128.ts';

const CHECKSUM = 16;
const HEADER = CHECKSUM + 9;
const METHOD_NONE = 0x02;
const METHOD_LZ4 = 0x82;
const METHOD_ZSTD = 0x90;
/** The largest block written in a response (ClickHouse writes up to 1 MiB per block too). */
const RESPONSE_BLOCK = 1 << 20;

export class CompressedBodyError extends Error {
  readonly status = 400;
}

/** Decodes one LZ4 block (no frame) into `out`, which must be exactly the decompressed size. */
export function lz4DecodeBlock(src: Uint8Array, out: Uint8Array): void {
  let s = 0;
  let d = 0;
  const fail = (why: string): never => { throw new CompressedBodyError(`LZ4 block is corrupt: ${why}`); };
  while (s < src.length) {
    const token = src[s++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do { if (s >= src.length) fail('literal length runs past the end'); b = src[s++]!; literals += b; } while (b === 255);
    }
    if (s + literals > src.length || d + literals > out.length) fail('literals run past the end');
    out.set(src.subarray(s, s + literals), d);
    s += literals;
    d += literals;
    if (s === src.length) break; // the last sequence has literals only
    if (s + 2 > src.length) fail('match offset runs past the end');
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d) fail('match offset points before the start');
    let length = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do { if (s >= src.length) fail('match length runs past the end'); b = src[s++]!; length += b; } while (b === 255);
    }
    if (d + length > out.length) fail('match runs past the decompressed size');
    // Overlapping copies repeat the last `offset` bytes: copy byte by byte then.
    if (offset >= length) { out.copyWithin(d, d - offset, d - offset + length); d += length; }
    else for (const stop = d + length; d < stop; d++) out[d] = out[d - offset]!;
  }
  if (d !== out.length) fail(`decompressed to ${d} bytes, the header says ${out.length}`);
}

/** The data of a body of compressed blocks; throws CompressedBodyError for anything malformed or over `maxBytes`. */
export function decodeCompressedBlocks(body: Buffer, maxBytes: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  for (let at = 0; at < body.length;) {
    if (body.length - at < HEADER) throw new CompressedBodyError('compressed body ends inside a block header');
    const method = body[at + CHECKSUM]!;
    const stored = body.readUInt32LE(at + CHECKSUM + 1);
    const size = body.readUInt32LE(at + CHECKSUM + 5);
    if (stored < 9 || at + CHECKSUM + stored > body.length) throw new CompressedBodyError('compressed block runs past the end of the body');
    total += size;
    if (total > maxBytes) throw new CompressedBodyError(`decompressed body is larger than ${maxBytes} bytes`);
    const framed = body.subarray(at + CHECKSUM, at + CHECKSUM + stored);
    if (!cityHash128Matches(framed, body.subarray(at, at + CHECKSUM))) {
      throw new CompressedBodyError('compressed block checksum does not match (corrupt body)');
    }
    const data = framed.subarray(9);
    if (method === METHOD_NONE) {
      if (data.length !== size) throw new CompressedBodyError('uncompressed block size does not match its header');
      parts.push(data);
    } else if (method === METHOD_LZ4) {
      const out = Buffer.allocUnsafe(size);
      lz4DecodeBlock(data, out);
      parts.push(out);
    } else if (method === METHOD_ZSTD) {
      let out: Buffer;
      try { out = zstdDecompressSync(data, { maxOutputLength: Math.max(size, 1) }); } catch (err) {
        throw new CompressedBodyError(`ZSTD block is corrupt: ${(err as Error).message}`);
      }
      if (out.length !== size) throw new CompressedBodyError('ZSTD block size does not match its header');
      parts.push(out);
    } else {
      throw new CompressedBodyError(`compression method 0x${method.toString(16).padStart(2, '0')} is not supported (none, LZ4 and ZSTD are)`);
    }
    at += CHECKSUM + stored;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
}

/**
 * `data` framed as uncompressed blocks (method none): what a `compress=1` client reads. Answers here are
 * small (handshakes, table descriptions, query results over loopback), so they are not compressed.
 */
export function encodeUncompressedBlocks(data: Uint8Array): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / RESPONSE_BLOCK));
  const out = Buffer.allocUnsafe(data.length + blocks * HEADER);
  let o = 0;
  for (let i = 0; i < blocks; i++) {
    const chunk = data.subarray(i * RESPONSE_BLOCK, Math.min(data.length, (i + 1) * RESPONSE_BLOCK));
    out[o + CHECKSUM] = METHOD_NONE;
    out.writeUInt32LE(chunk.length + 9, o + CHECKSUM + 1);
    out.writeUInt32LE(chunk.length, o + CHECKSUM + 5);
    out.set(chunk, o + HEADER);
    writeCityHash128(out.subarray(o + CHECKSUM, o + HEADER + chunk.length), out, o);
    o += HEADER + chunk.length;
  }
  return out;
}
