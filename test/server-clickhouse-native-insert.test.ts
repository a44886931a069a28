/**
 * The ClickHouse HTTP interface's binary inserts and clickhouse-go's framing, with hand-made bodies:
 * `INSERT … FORMAT Native` with the rows in the body, ClickHouse's native compression (`decompress=1`
 * in, `compress=1` out; CityHash128 checksums, LZ4/ZSTD/none blocks) and Native answers for the
 * client's protocol revision. The real clickhouse-go (through the contrib collector) drives the same
 * code in test/interop/collector-*.test.ts. Hostile bodies fail closed: clear error, nothing written,
 * server alive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zstdCompressSync, gzipSync } from 'node:zlib';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { cityHash128 } from '../server/cityhash128.ts';
import { decodeCompressedBlocks, encodeUncompressedBlocks, lz4DecodeBlock } from '../server/clickhouse-native-compression.ts';
import { nativeForClientRevision, NativeRevisionError } from '../server/native-output-revision.ts';

let t: TestServer;
const auth = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const WRITER = auth('writer', 'w-pass');
const READER = auth('reader', 'r-pass');

async function post(params: Record<string, string>, body: Uint8Array | string, headers: Record<string, string> = {}, user = WRITER): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(`${t.server.queryUrl}/?${new URLSearchParams(params)}`, { method: 'POST', body, headers: { Authorization: user, ...headers } });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}
const sql = async (query: string): Promise<string> => (await post({ query }, '', {}, READER)).body.toString('utf8');
/** Native bytes as chdb writes them (revision 0, what clickhouse-go sends in an insert body). */
const nativeOf = async (select: string): Promise<Buffer> => (await post({ query: `${select} FORMAT Native` }, '', {}, READER)).body;

/** One LZ4 block of literals only (valid LZ4: a last sequence with no match). */
function lz4Literals(data: Uint8Array): Buffer {
  const out: number[] = [];
  let n = data.length;
  out.push(Math.min(n, 15) << 4);
  if (n >= 15) { n -= 15; while (n >= 255) { out.push(255); n -= 255; } out.push(n); }
  return Buffer.concat([Buffer.from(out), data]);
}
/** A native-compression block around already-compressed `payload`. */
function block(method: number, payload: Uint8Array, size: number): Buffer {
  const b = Buffer.alloc(25 + payload.length);
  b[16] = method;
  b.writeUInt32LE(payload.length + 9, 17);
  b.writeUInt32LE(size, 21);
  b.set(payload, 25);
  const sum = cityHash128(b.subarray(16));
  b.writeBigUInt64LE(sum.low, 0);
  b.writeBigUInt64LE(sum.high, 8);
  return b;
}

beforeAll(async () => {
  t = await startTestServer({
    fsync: false,
    maxBodyBytes: 1 << 20,
    users: [
      { name: 'reader', password: 'r-pass', role: 'reader' },
      { name: 'writer', password: 'w-pass', role: 'writer' },
    ],
  });
  // In-process: the port's writer may not run DDL.
  await t.server.client.command({ query: 'CREATE TABLE IF NOT EXISTS otel.scratch (id UInt32, name String, tags Map(LowCardinality(String), String), at DateTime64(9)) ENGINE = MergeTree ORDER BY id' });
});
afterAll(async () => { await t?.stop(); });

describe('CityHash128 (ClickHouse v1.0.2)', () => {
  // Values ClickHouse computes (as listed in the test data of go-faster/city, clickhouse-go's implementation).
  it.each([
    ['I', 0x3a4a285c94f1936en, 0x18115b183f326829n],
    ['3Nv7DSqKym', 0x0a15c18688f33289n, 0xa992a0eb969152ccn],
    ['vG5lApCgvf0qHGSi0', 0x9b4e57c5f1bc0e44n, 0x94238ef9d1584336n],
    ['8puRXyzrhWdBYjGzaPLHv8IbQ9WcFW85wsAwhYnzp1MaGR1fnkeMwdZXsaA4umZ', 0x77ba10ea0f4bd602n, 0x399df10bb9154a42n],
    ['yAWO2qGgsX9sDMCwgVoZc6JiEBHNvnO5flnGjwx0jj1b54VYEdUeox5KgrDKMOJe2kF08StGwtElfNxTUccCIFbiN3LmtVrVps4MScfkE5G7KTfHcJHRpYJY7rSlfyh5', 0x6b818e4caac9641cn, 0x8d575710f793d15an],
    ['Vu3tP6k8p9PCiilR7S5M1YSrsCIjEj1pvip6YCFa8WwHm4KP8jSh5WnqACxnAKdowsePvinQgcTd6aoZfbc1vp6uF84CVwK4PzlSvjDmvZYvf8XgQxZR6V9fNhcjoOj6PUft6baUrsHyciYTbSfDKBN2inCahc0ho3NwD8YovZHBcje8SDQEtDtm6FfqviLfVQif0jD3LrCuRuASSxFRoLsnavppLyim9hFUstJsNlYv2VKlsJVAG6Ip4QfgJBcMetJujGVYiepMzF8nPGeCCmvxvKV3ykPwr1qH6NT5okzF', 0x82d81021a215b893n, 0x6b79606dab35371an],
  ])('hashes a %#-th input of its length as ClickHouse does', (input, low, high) => {
    expect(cityHash128(Buffer.from(input))).toEqual({ low, high });
  });
});

describe('LZ4 blocks', () => {
  it('decodes literals, matches and overlapping matches', () => {
    // "ab", then a match 2 back of length 6 (overlapping: repeats "ab"), then the literal "c".
    const out = Buffer.alloc(9);
    lz4DecodeBlock(Buffer.from([0x22, 0x61, 0x62, 0x02, 0x00, 0x10, 0x63]), out);
    expect(out.toString()).toBe('ababababc');
    const long = Buffer.from('x'.repeat(300));
    const back = Buffer.alloc(300);
    lz4DecodeBlock(lz4Literals(long), back);
    expect(back).toEqual(long);
  });
  it('refuses corrupt blocks with a clear error', () => {
    expect(() => lz4DecodeBlock(Buffer.from([0x22, 0x61, 0x62, 0x00, 0x00, 0x10, 0x63]), Buffer.alloc(9))).toThrow(/offset/);
    expect(() => lz4DecodeBlock(Buffer.from([0x22, 0x61, 0x62, 0x09, 0x00, 0x10, 0x63]), Buffer.alloc(9))).toThrow(/offset/);
    expect(() => lz4DecodeBlock(Buffer.from([0x22, 0x61, 0x62, 0x02, 0x00, 0x10, 0x63]), Buffer.alloc(20))).toThrow(/header says 20/);
    expect(() => lz4DecodeBlock(Buffer.from([0xf0]), Buffer.alloc(20))).toThrow(/literal length/);
  });
  it('frames data in checksummed blocks and reads them back', () => {
    const data = Buffer.from('x'.repeat(3_000_000));
    const framed = encodeUncompressedBlocks(data);
    expect(framed.length).toBe(data.length + 3 * 25);
    expect(decodeCompressedBlocks(framed, 4_000_000)).toEqual(data);
    expect(() => decodeCompressedBlocks(framed, 2_000_000)).toThrow(/larger than 2000000/);
  });
});

describe('INSERT … FORMAT Native with the rows in the body', () => {
  const select = "SELECT number::UInt32 AS id, concat('n', toString(number)) AS name, map('z', 'last', 'a', toString(number))::Map(LowCardinality(String), String) AS tags, toDateTime64('2026-01-01 00:00:00', 9) + number AS at FROM numbers";
  const insert = 'INSERT INTO "otel"."scratch" (id, name, tags, at) FORMAT Native';
  const count = async (): Promise<number> => Number((await sql('SELECT count() FROM otel.scratch')).trim());

  it('takes a plain body, a natively compressed one (none, LZ4, ZSTD) and one under gzip too', async () => {
    const before = await count();
    const plain = await nativeOf(`${select}(0, 3)`);
    expect((await post({ query: insert }, plain)).status).toBe(200);
    const none = await nativeOf(`${select}(10, 3)`);
    expect((await post({ query: insert, decompress: '1' }, encodeUncompressedBlocks(none))).status).toBe(200);
    const lz4 = await nativeOf(`${select}(20, 3)`);
    expect((await post({ query: insert, decompress: '1', compress: '1' }, block(0x82, lz4Literals(lz4), lz4.length))).status).toBe(200);
    const zstd = await nativeOf(`${select}(30, 3)`);
    expect((await post({ query: insert, decompress: '1' }, block(0x90, zstdCompressSync(zstd), zstd.length))).status).toBe(200);
    const gz = await nativeOf(`${select}(40, 3)`);
    expect((await post({ query: insert, decompress: '1' }, gzipSync(encodeUncompressedBlocks(gz)), { 'Content-Encoding': 'gzip' })).status).toBe(200);
    expect(await count()).toBe(before + 15);
    // Values arrive intact, map entries in the order sent.
    expect(await sql("SELECT id, name, tags, at FROM otel.scratch WHERE id IN (21, 42) ORDER BY id FORMAT TSV")).toBe(
      "21\tn21\t{'z':'last','a':'21'}\t2026-01-01 00:00:21.000000000\n42\tn42\t{'z':'last','a':'42'}\t2026-01-01 00:00:42.000000000\n");
  });

  it('refuses a corrupt, truncated or unknown-method body; nothing written, server alive', async () => {
    const before = await count();
    const good = encodeUncompressedBlocks(await nativeOf(`${select}(100, 2)`));
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1]! ^= 1;
    const r1 = await post({ query: insert, decompress: '1' }, flipped);
    expect(r1.status).toBe(400);
    expect(r1.body.toString()).toMatch(/checksum does not match/);
    expect((await post({ query: insert, decompress: '1' }, good.subarray(0, good.length - 3))).body.toString()).toMatch(/runs past the end/);
    expect((await post({ query: insert, decompress: '1' }, block(0x07, Buffer.from('x'), 1))).body.toString()).toMatch(/method 0x07 is not supported/);
    expect((await post({ query: insert, decompress: '1' }, block(0x82, Buffer.from([0x40, 1, 2]), 4))).body.toString()).toMatch(/LZ4 block is corrupt/);
    // A body that claims more than the interface's limit once decompressed.
    expect((await post({ query: insert, decompress: '1' }, block(0x02, Buffer.alloc(0), 2 << 20))).body.toString()).toMatch(/larger than/);
    // Garbage that is not Native at all.
    expect((await post({ query: insert }, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]))).status).toBeGreaterThanOrEqual(400);
    expect(await count()).toBe(before);
    expect((await fetch(`${t.server.queryUrl}/ping`)).status).toBe(200);
  });

  it('never lets a reader insert, nor anyone insert into a table function', async () => {
    const before = await count();
    const body = await nativeOf(`${select}(200, 2)`);
    const r = await post({ query: insert }, body, {}, READER);
    expect(r.status).toBe(403);
    const f = await post({ query: "INSERT INTO FUNCTION file('flightrec-escape.native', 'Native') FORMAT Native" }, body);
    expect(f.status).toBe(403);
    expect(f.body.toString()).toMatch(/INSERT INTO FUNCTION is not allowed|may only INSERT INTO one of flightrec.s tables/);
    expect(await count()).toBe(before);
  });
});

describe('answers for clickhouse-go', () => {
  it('frames an answer in checksummed blocks when asked (compress=1), errors too', async () => {
    const r = await post({ query: 'SELECT 42 FORMAT TSV', compress: '1' }, '', {}, READER);
    expect(decodeCompressedBlocks(r.body, 1 << 20).toString()).toBe('42\n');
    const e = await post({ query: 'SELECT nope FORMAT TSV', compress: '1' }, '', {}, READER);
    expect(e.status).toBe(404);
    expect(decodeCompressedBlocks(e.body, 1 << 20).toString()).toMatch(/UNKNOWN_IDENTIFIER/);
    // A wrong password too: clickhouse-go reads every answer through its block reader.
    const denied = await post({ query: 'SELECT 1', compress: '1' }, '', {}, auth('writer', 'wrong'));
    expect(denied.status).toBe(401);
    expect(decodeCompressedBlocks(denied.body, 1 << 20).toString()).toMatch(/AUTHENTICATION_FAILED/);
  });

  it('writes Native for the client\'s protocol revision: block info, and a serialization flag per column', async () => {
    const q = "SELECT 'a' AS s, 7::UInt32 AS n, ['x', 'y'] AS arr, map('k', 'v')::Map(LowCardinality(String), String) AS m, toLowCardinality(toNullable('q')) AS lc, (1, 'two')::Tuple(a UInt8, b String) AS tup, toDecimal64(1.5, 3) AS d FROM numbers(3)";
    const rev0 = await nativeOf(q);
    // As clickhouse-go asks: the format as default_format, the revision as client_protocol_version.
    const upgraded = (await post({ query: q, default_format: 'Native', client_protocol_version: '54460' }, '', {}, READER)).body;
    // Block info (8 bytes) once per block, one flag byte per column (7 columns).
    expect(upgraded.length).toBe(rev0.length + 8 + 7);
    expect(upgraded.subarray(0, 8)).toEqual(Buffer.from([1, 0, 2, 0xff, 0xff, 0xff, 0xff, 0]));
    expect(nativeForClientRevision(rev0, 54405).length).toBe(rev0.length + 8); // before custom serialization: block info only
    expect(() => nativeForClientRevision(rev0.subarray(0, rev0.length - 1), 54460)).toThrow(NativeRevisionError);
  });
});
