/**
 * Reads every file under a ClickHouse (chdb) data directory as the engine stored it: the raw bytes,
 * and, wherever the bytes parse as ClickHouse's compressed-block stream (column files, compact
 * parts' data.bin, marks, projections), every block decompressed — LZ4 (method 0x82), ZSTD (0x90),
 * none (0x02) and codec chains (0x91, outermost codec first). So a search for a text finds it
 * whether it sits in a file as written or inside compressed column data, active part or not.
 *
 * Block layout (ClickHouse src/Compression/CompressionInfo.h): 16-byte CityHash128 checksum, then
 * the method byte, the compressed size (UInt32 LE, header of 9 bytes included) and the
 * uncompressed size (UInt32 LE), then the payload. Checksums are not checked: a block that does
 * not decode ends the stream for that file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { zstdDecompressSync } from 'node:zlib';

function lz4Block(src: Buffer, outLen: number): Buffer {
  const out = Buffer.alloc(outLen);
  let i = 0;
  let o = 0;
  while (i < src.length) {
    const token = src[i++]!;
    let lit = token >> 4;
    if (lit === 15) for (let b = 255; b === 255; ) lit += b = src[i++]!;
    src.copy(out, o, i, i + lit);
    i += lit;
    o += lit;
    if (i >= src.length) break;
    const offset = src[i]! | (src[i + 1]! << 8);
    i += 2;
    let len = token & 15;
    if (len === 15) for (let b = 255; b === 255; ) len += b = src[i++]!;
    len += 4;
    if (offset === 0 || offset > o) throw new Error('bad LZ4 offset');
    for (let k = 0; k < len; k++, o++) out[o] = out[o - offset]!;
  }
  if (o !== outLen) throw new Error('LZ4 size mismatch');
  return out;
}

function decodePayload(method: number, payload: Buffer, size: number): Buffer {
  switch (method) {
    case 0x02:
      return payload;
    case 0x82:
      return lz4Block(payload, size);
    case 0x90:
      return zstdDecompressSync(payload);
    case 0x91: {
      // Multiple codecs: count, the methods, then the inner data (outermost codec first).
      const count = payload[0]!;
      const methods = [...payload.subarray(1, 1 + count)];
      let data = payload.subarray(1 + count);
      for (const m of methods) {
        if (m === 0x90 || m === 0x82 || m === 0x02) data = decodePayload(m, data, size);
        else break; // Delta, T64, …: transforms of numbers, no text to find
      }
      return data;
    }
    default:
      throw new Error(`codec 0x${method.toString(16)}`);
  }
}

/** Every decompressed block of a compressed-block stream, from the start of the file while it parses. */
export function decompressedBlocks(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + 25 <= bytes.length; ) {
    const method = bytes[at + 16]!;
    const compressed = bytes.readUInt32LE(at + 17);
    const size = bytes.readUInt32LE(at + 21);
    if (compressed < 9 || at + 16 + compressed > bytes.length || size > 1 << 30) break;
    try {
      out.push(decodePayload(method, bytes.subarray(at + 25, at + 16 + compressed), size));
    } catch {
      break;
    }
    at += 16 + compressed;
  }
  return out;
}

export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Files under `dir` whose raw or decompressed bytes contain `text`. */
export function filesHolding(dir: string, text: string): string[] {
  const needle = Buffer.from(text);
  return filesUnder(dir).filter((f) => {
    if (statSync(f).size > 256 << 20) throw new Error(`${f} is larger than this test expects`);
    const bytes = readFileSync(f);
    return bytes.includes(needle) || decompressedBlocks(bytes).some((b) => b.includes(needle));
  });
}
