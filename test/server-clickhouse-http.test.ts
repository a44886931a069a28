/**
 * The embedded server's ClickHouse HTTP interface, driven by the real @clickhouse/client over HTTP
 * (as the CLI and any other process use it) and by plain HTTP requests (as curl and Grafana's
 * plugin send them): roles, query parameters, compression, errors in ClickHouse's own form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import { startTestServer, type TestServer } from './support/embedded.ts';

let t: TestServer;
let writer: ClickHouseClient;
let reader: ClickHouseClient;
const clients: ClickHouseClient[] = [];
const client = (username: string, password: string, extra: Record<string, unknown> = {}): ClickHouseClient => {
  const c = createClient({ url: t.server.queryUrl, username, password, database: 'otel', log: { level: ClickHouseLogLevel.OFF }, ...extra });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  t = await startTestServer({
    fsync: false,
    users: [
      { name: 'reader', password: 'r-pass', role: 'reader' },
      { name: 'writer', password: 'w-pass', role: 'writer' },
    ],
  });
  writer = client('writer', 'w-pass', { compression: { request: true, response: true } });
  reader = client('reader', 'r-pass', { compression: { response: true } });
  // Schema changes happen in the process that owns the store, never over the port.
  await t.server.client.command({ query: 'CREATE TABLE IF NOT EXISTS otel.scratch (id UInt32, name String, at DateTime64(9)) ENGINE = MergeTree ORDER BY id' });
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await t?.stop();
});

const errorOf = async (p: Promise<unknown>): Promise<{ code?: string; type?: string; message: string }> => {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; type?: string; message: string };
  }
  throw new Error('expected the call to fail');
};

describe('@clickhouse/client over HTTP', () => {
  it('pings', async () => {
    expect((await reader.ping()).success).toBe(true);
  });

  it('writer inserts (gzip request body) and reader reads it back (gzip response) with query_params', async () => {
    await writer.insert({ table: 'scratch', values: [{ id: 1, name: "o'neil", at: '2026-01-01 00:00:00.123456789' }, { id: 2, name: 'b\tc', at: '2026-01-02 00:00:00' }], format: 'JSONEachRow' });
    const rs = await reader.query({
      query: 'SELECT id, name, at FROM scratch WHERE name IN {names:Array(String)} AND at >= {from:DateTime64(9)} ORDER BY id',
      query_params: { names: ["o'neil", 'b\tc'], from: '2026-01-01 00:00:00.1' },
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ id: 1, name: "o'neil", at: '2026-01-01 00:00:00.123456789' }, { id: 2, name: 'b\tc', at: '2026-01-02 00:00:00.000000000' }]);
  });

  it('reader cannot insert, create or change readonly', async () => {
    const insert = await errorOf(reader.insert({ table: 'scratch', values: [{ id: 3, name: 'x', at: '2026-01-01 00:00:00' }], format: 'JSONEachRow' }));
    expect(insert.code).toBe('164');
    expect(insert.message).toMatch(/readonly/i);
    expect((await errorOf(reader.command({ query: 'DROP TABLE scratch' }))).code).toBe('164');
    expect((await errorOf(reader.query({ query: 'SELECT 1', clickhouse_settings: { readonly: '0' } }))).code).toBe('164');
    const rs = await writer.query({ query: 'SELECT count() AS n FROM scratch', format: 'JSONEachRow' });
    expect((await rs.json<{ n: unknown }>()).map((r) => Number(r.n))).toEqual([2]);
  });

  it('reader cannot reach outside the store through table functions or INTO OUTFILE', async () => {
    const file = await errorOf(reader.query({ query: "SELECT * FROM file('/etc/hostname', 'LineAsString')" }));
    expect(file.code).toBe('497');
    expect(file.message).toMatch(/table function file is not allowed/);
    expect((await errorOf(reader.query({ query: "SELECT * FROM (SELECT * FROM url('http://127.0.0.1:9/x', 'LineAsString'))" }))).code).toBe('497');
    expect((await errorOf(reader.command({ query: "SELECT 1 INTO OUTFILE '/tmp/flightrec-reader-outfile'" }))).code).toBe('497');
    // Generators are fine.
    const rs = await reader.query({ query: 'SELECT sum(number) AS s FROM numbers(10)', format: 'JSONEachRow' });
    expect((await rs.json<{ s: unknown }>()).map((r) => Number(r.s))).toEqual([45]);
  });

  it('wrong password and unknown user fail authentication', async () => {
    expect((await errorOf(client('reader', 'nope').query({ query: 'SELECT 1' }))).code).toBe('516');
    expect((await errorOf(client('mallory', '').query({ query: 'SELECT 1' }))).code).toBe('516');
  });

  it('reports ClickHouse errors with their code and type', async () => {
    const unknown = await errorOf(reader.query({ query: 'SELECT * FROM no_such_table' }));
    expect(unknown.code).toBe('60');
    expect(unknown.type).toBe('UNKNOWN_TABLE');
    const syntax = await errorOf(reader.query({ query: 'SELEC 1' }));
    expect(syntax.code).toBe('62');
    expect(syntax.type).toBe('SYNTAX_ERROR');
  });
});

describe('plain HTTP (curl, Grafana)', () => {
  const basic = (u: string, p: string): string => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');

  it('GET /ping and GET / answer Ok.', async () => {
    for (const path of ['/ping', '/']) {
      const res = await fetch(`${t.server.queryUrl}${path}`);
      expect([res.status, await res.text()]).toEqual([200, 'Ok.\n']);
    }
  });

  it('query in the URL, X-ClickHouse-User/Key, database and default_format', async () => {
    const res = await fetch(`${t.server.queryUrl}/?database=otel&default_format=JSONEachRow&query=${encodeURIComponent('SELECT name FROM scratch ORDER BY id')}`, {
      headers: { 'X-ClickHouse-User': 'reader', 'X-ClickHouse-Key': 'r-pass' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-clickhouse-format')).toBe('JSONEachRow');
    expect(await res.text()).toBe('{"name":"o\'neil"}\n{"name":"b\\tc"}\n');
  });

  it('query in the body with param_* in the URL, TabSeparated by default', async () => {
    const res = await fetch(`${t.server.queryUrl}/?param_id=2`, { method: 'POST', headers: { authorization: basic('reader', 'r-pass') }, body: 'SELECT id, name FROM otel.scratch WHERE id = {id:UInt32}' });
    expect([res.status, await res.text()]).toEqual([200, '2\tb\\tc\n']);
  });

  it('query text split between the URL and the body, as a ClickHouse server joins them', async () => {
    const res = await fetch(`${t.server.queryUrl}/?query=${encodeURIComponent('SELECT id FROM otel.scratch')}`, { method: 'POST', headers: { authorization: basic('reader', 'r-pass') }, body: 'WHERE id = 1' });
    expect([res.status, await res.text()]).toEqual([200, '1\n']);
  });

  it('answers in Native format as clickhouse-go (Grafana’s plugin, HTTP protocol) asks for it', async () => {
    // clickhouse-go's HTTP connection: POST, SQL in the body, default_format=Native, Basic auth; its
    // first query is SELECT timeZone(). One block: 1 column, 1 row, name, type, value.
    const res = await fetch(`${t.server.queryUrl}/?database=otel&default_format=Native&client_protocol_version=0&quota_key=`, {
      method: 'POST', headers: { authorization: basic('reader', 'r-pass') }, body: 'SELECT timeZone()',
    });
    expect(res.status).toBe(200);
    const tz = (await (await t.server.client.query({ query: 'SELECT timeZone() AS tz', format: 'JSONEachRow' })).json<{ tz: string }>())[0]!.tz;
    const expected = Buffer.concat([Buffer.from([1, 1, 10]), Buffer.from('timeZone()'), Buffer.from([6]), Buffer.from('String'), Buffer.from([tz.length]), Buffer.from(tz)]);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(expected);
  });

  it('gzip response when asked for with enable_http_compression=1', async () => {
    const res = await fetch(`${t.server.queryUrl}/?enable_http_compression=1&query=SELECT+42`, { headers: { authorization: basic('reader', 'r-pass'), 'accept-encoding': 'gzip' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(await res.text()).toBe('42\n');
  });

  it('a writer’s INSERT over GET is refused: GET is read-only, as on a ClickHouse server', async () => {
    const res = await fetch(`${t.server.queryUrl}/?query=${encodeURIComponent("INSERT INTO otel.scratch VALUES (9, 'g', now())")}`, { headers: { authorization: basic('writer', 'w-pass') } });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-clickhouse-exception-code')).toBe('164');
  });

  it('errors come as ClickHouse text with the code header and a fitting status', async () => {
    const cases: [string, Record<string, string>, number, string, RegExp][] = [
      ['SELECT * FROM nope', { authorization: basic('reader', 'r-pass') }, 404, '60', /^Code: 60\. DB::Exception: .*nope.*\(UNKNOWN_TABLE\)\n$/],
      ['SELEC 1', { authorization: basic('reader', 'r-pass') }, 400, '62', /^Code: 62\. DB::Exception: .*\(SYNTAX_ERROR\)\n$/],
      ['SELECT 1', { authorization: basic('reader', 'bad') }, 401, '516', /^Code: 516\. DB::Exception: Authentication failed.*\(AUTHENTICATION_FAILED\)\n$/],
      ['', { authorization: basic('reader', 'r-pass') }, 400, '62', /Empty query/],
    ];
    for (const [sql, headers, status, code, text] of cases) {
      const res = await fetch(`${t.server.queryUrl}/`, { method: 'POST', headers, body: sql });
      expect([sql, res.status, res.headers.get('x-clickhouse-exception-code')]).toEqual([sql, status, code]);
      expect(await res.text()).toMatch(text);
    }
  });

  it('an unknown setting in the URL is a 4xx, not a crash; one readers may not change is refused first', async () => {
    const unknown = await fetch(`${t.server.queryUrl}/?max_no_such_setting_xyz=1&query=SELECT+1`, { headers: { authorization: basic('reader', 'r-pass') } });
    expect([unknown.status, unknown.headers.get('x-clickhouse-exception-code')]).toEqual([404, '115']);
    const refused = await fetch(`${t.server.queryUrl}/?no_such_setting_xyz=1&query=SELECT+1`, { headers: { authorization: basic('reader', 'r-pass') } });
    expect([refused.status, refused.headers.get('x-clickhouse-exception-code')]).toEqual([403, '164']);
  });
});
