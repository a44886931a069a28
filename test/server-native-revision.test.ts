/**
 * Native results at the client's protocol revision (server/native-output-revision.ts): exact bytes
 * for a small block, the walker over chdb's own output for every column type it claims, several
 * blocks, and hostile input — a bad revision or a short block is a clear ClickHouse error, the
 * server stays up and answers the next query. (That clickhouse-go decodes the result is shown by
 * the interop test with the real driver.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { nativeForClientRevision, NativeRevisionError } from '../server/native-output-revision.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ fsync: false, users: [{ name: 'reader', password: 'r-pass', role: 'reader' }] });
});
afterAll(async () => {
  await t?.stop();
});

const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const native = async (sql: string, revision?: string): Promise<Response> =>
  fetch(`${t.server.queryUrl}/?default_format=Native${revision === undefined ? '' : `&client_protocol_version=${revision}`}`, { method: 'POST', headers: { authorization: basic('reader', 'r-pass') }, body: sql });
const chdbNative = async (sql: string): Promise<Buffer> => Buffer.from(await (await native(sql)).arrayBuffer());

const str = (s: string): Buffer => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]);
const BLOCK_INFO = Buffer.from([0x01, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00]);

// Every type family the walker claims, with NULLs, empty and non-empty arrays and maps, and
// LowCardinality inside arrays, maps and nullables (prefixes before offsets).
const WIDE = `SELECT
  number AS n, toInt8(-1) AS i8, toUInt16(2) AS u16, toInt32(-3) AS i32, toInt64(-4) AS i64, toUInt128(5) AS u128, toInt256(-6) AS i256,
  toFloat32(1.5) AS f32, 2.5 AS f64, toDecimal32(1.25, 2) AS d32, toDecimal128(3.5, 4) AS d128, CAST(7.25 AS Decimal(40, 2)) AS d40,
  toDate('2026-01-02') AS d, toDate32('2026-01-02') AS d32x, toDateTime('2026-01-02 03:04:05', 'UTC') AS dt, toDateTime64('2026-01-02 03:04:05.123456789', 9, 'UTC') AS dt64,
  generateUUIDv4() AS uuid, toIPv4('1.2.3.4') AS ip4, toIPv6('::1') AS ip6, CAST('b' AS Enum8('a' = 1, 'b' = 2)) AS e8, CAST('y' AS Enum16('x' = 1000, 'y' = 2000)) AS e16,
  true AS flag, toFixedString('ab', 3) AS fs, repeat('x', number) AS s,
  if(number % 2 = 0, NULL, toString(number)) AS ns, if(number % 2 = 0, NULL, now64(3)) AS nt, NULL AS nothing,
  toLowCardinality(toString(number % 2)) AS lc, CAST(if(number = 1, NULL, 'v'), 'LowCardinality(Nullable(String))') AS lcn,
  range(number) AS arr, arrayMap(x -> toLowCardinality(toString(x)), range(number)) AS arr_lc, [[1, 2], [], [3]] AS nested,
  CAST(map('k', toString(number)), 'Map(LowCardinality(String), String)') AS m, CAST(map(), 'Map(String, UInt64)') AS m_empty,
  tuple(number, 'x') AS t, CAST(tuple('n', 1), 'Tuple(name String, v UInt8)') AS named, [CAST(tuple('e', now64(9)), 'Tuple(name String, at DateTime64(9))')] AS events,
  toIntervalSecond(5) AS iv, CAST((1.0, 2.0) AS Point) AS p
FROM numbers(4)`;

describe('Native output at a client protocol revision', () => {
  it('is unchanged for revision 0 and for no revision', async () => {
    const plain = await chdbNative('SELECT 1 AS a');
    expect(Buffer.from(await (await native('SELECT 1 AS a', '0')).arrayBuffer())).toEqual(plain);
  });

  it('adds BlockInfo and the custom-serialization flag, exactly as a ClickHouse server writes them', async () => {
    const res = await native("SELECT 1 AS a, 'x' AS b", '54460');
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.concat([
      BLOCK_INFO, Buffer.from([2, 1]), str('a'), str('UInt8'), Buffer.from([0, 1]), str('b'), str('String'), Buffer.from([0]), str('x'),
    ]));
    // Between LowCardinality's revision and the custom-serialization flag's: BlockInfo only.
    expect(Buffer.from(await (await native('SELECT 1 AS a', '54405')).arrayBuffer())).toEqual(Buffer.concat([BLOCK_INFO, Buffer.from([1, 1]), str('a'), str('UInt8'), Buffer.from([1])]));
  });

  it('walks every column type it claims, over several blocks, and adds only the revision bytes', async () => {
    // The block size as a URL setting: the query gate refuses SETTINGS clauses.
    const plain = Buffer.from(await (await fetch(`${t.server.queryUrl}/?default_format=Native&max_block_size=1`, { method: 'POST', headers: { authorization: basic('reader', 'r-pass') }, body: WIDE })).arrayBuffer());
    const cols = plain[0]!; // the first block's column count (a one-byte VarUInt here)
    expect(cols).toBe(39);
    const blocks = 4; // max_block_size = 1 over four rows
    const upgraded = nativeForClientRevision(plain, 54460);
    expect(upgraded.length).toBe(plain.length + blocks * (BLOCK_INFO.length + cols));
    expect(nativeForClientRevision(plain, 54405).length).toBe(plain.length + blocks * BLOCK_INFO.length);
    // No rows: chdb writes no block at all, and neither is one invented (clickhouse-go reads an empty body as no rows).
    expect(nativeForClientRevision(await chdbNative('SELECT 1 AS a LIMIT 0'), 54460)).toEqual(Buffer.alloc(0));
  });

  it('refuses what it cannot walk, and short or bad input, with a ClickHouse error; the server stays up', async () => {
    const plain = await chdbNative("SELECT 'abc' AS s, [1, 2, 3] AS a");
    for (let cut = 1; cut < plain.length; cut++) {
      expect(() => nativeForClientRevision(plain.subarray(0, cut), 54460), `cut at ${cut}`).toThrow(NativeRevisionError);
    }
    const cases: [string, string, number, string][] = [
      ["SELECT CAST('{\"a\": 1}' AS JSON) AS j", '54460', 501, '48'],
      ['SELECT 1', '12', 501, '48'],
      ['SELECT 1', 'abc', 400, '27'],
      ['SELECT 1', '99999999999', 400, '27'],
    ];
    for (const [sql, rev, status, code] of cases) {
      const res = await native(sql, rev);
      expect([sql, rev, res.status, res.headers.get('x-clickhouse-exception-code')]).toEqual([sql, rev, status, code]);
      expect(await res.text()).toMatch(/^Code: \d+\. DB::Exception: .*client_protocol_version|^Code: 48\. DB::Exception: Native output of type JSON/);
    }
    expect((await native('SELECT 1 AS a', '54460')).status).toBe(200);
  });
});
