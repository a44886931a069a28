/**
 * The query port under attack (issue: "the query port must not be a way into the host"). Every
 * request here must fail closed: refused (403, or the engine's own 4xx for text that does not
 * parse) with a ClickHouse-style error body, the server still answering, and nothing written —
 * no file created, no outside request made, the tables as they were.
 */
import { createServer, request, type Server } from 'node:http';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_QUERY_LIMITS } from '../access/query-limits.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';

let t: TestServer;
let anon: TestServer;
let trap: Server;
let trapPort = 0;
let trapHits = 0;
const marks = mkdtempSync(join(tmpdir(), 'flightrec-hostile-'));
const mark = (name: string): string => join(marks, name);

const basic = (u: string, p: string): string => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');
const READER = basic('reader', 'r-pass');
const WRITER = basic('writer', 'w-pass');

beforeAll(async () => {
  trap = createServer((req, res) => {
    trapHits++;
    res.end('1\n');
  });
  await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
  trapPort = (trap.address() as { port: number }).port;
  t = await startTestServer({ fsync: false, users: [{ name: 'reader', password: 'r-pass', role: 'reader' }, { name: 'writer', password: 'w-pass', role: 'writer' }] });
  await t.server.client.command({ query: 'CREATE TABLE otel.scratch (id UInt32, name String) ENGINE = MergeTree ORDER BY id' });
  await t.server.client.command({ query: "INSERT INTO otel.scratch VALUES (1, 'kept')" });
});

afterAll(async () => {
  if (!anon) await t?.stop();
  await anon?.stop();
  await new Promise((r) => trap?.close(r));
  rmSync(marks, { recursive: true, force: true });
});

interface Answer {
  status: number;
  code: string | null;
  body: string;
}

async function post(sql: string, auth: string | null = READER, query = ''): Promise<Answer> {
  const res = await fetch(`${t.server.queryUrl}/${query}`, { method: 'POST', headers: auth ? { authorization: auth } : {}, body: sql });
  return { status: res.status, code: res.headers.get('x-clickhouse-exception-code'), body: await res.text() };
}

async function get(server: TestServer, query: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${server.server.queryUrl}/?${query}`, { headers });
  return { status: res.status, code: res.headers.get('x-clickhouse-exception-code'), body: await res.text() };
}

function expectRefused(a: Answer, what: string, status = 403): void {
  expect([what, a.status], a.body).toEqual([what, status]);
  expect(a.body, what).toMatch(/^Code: \d+\. DB::Exception: .+\. \([A-Z_]+\)\n$/);
  expect(a.code, what).toMatch(/^\d+$/);
}

const FILE_READS = [
  "SELECT file('/etc/passwd')",
  "SELECT FILE('/etc/passwd')",
  "SELECT `file`('/etc/passwd')",
  "select/**/file('/etc/passwd')",
  "SELECT\tfile(\n'/etc/passwd'\n)",
  "SELECT\u00a0file('/etc/passwd')",
  "SELECT\u2028file('/etc/passwd')",
  "SELECT /* ; */ file('/etc/passwd') -- trailing",
  "SELECT file('/proc/self/environ')",
  "SELECT (SELECT file('/etc/passwd'))",
  "WITH (SELECT file('/etc/passwd')) AS x SELECT x",
  "WITH t AS (SELECT file('/etc/passwd') AS f) SELECT * FROM t",
  "SELECT 1 WHERE 'x' IN (SELECT file('/etc/passwd'))",
  "SELECT arrayMap(x -> file(x), ['/etc/passwd'])",
  "SELECT 1 UNION ALL SELECT length(file('/etc/passwd'))",
  "SELECT * FROM file('/etc/passwd', 'LineAsString')",
  "SELECT * FROM FILE('/etc/passwd', 'LineAsString')",
  "DESCRIBE file('/etc/passwd', 'LineAsString')",
  "SELECT * FROM view(SELECT * FROM file('/etc/passwd', 'LineAsString'))",
  "SELECT * FROM numbers((SELECT length(file('/etc/passwd'))))",
  "SELECT * FROM viewIfPermitted(SELECT 1 ELSE file('/etc/passwd', 'LineAsString'))",
  "SELECT * FROM merge('system', '^users$')",
  "SELECT * FROM cluster('default', system.one)",
  "SELECT * FROM system.users",
  "SELECT * FROM system.processes",
  "SELECT query FROM system.query_log",
  "SELECT * FROM system.settings",
  "SELECT * FROM system.build_options",
  "SELECT * FROM `system`.`users`",
  "SELECT 1 WHERE 'x' IN system.users",
  "SELECT * FROM otel.scratch AS s JOIN system.users AS u ON 1",
  "DESCRIBE TABLE system.users",
  "SHOW CREATE TABLE system.users",
  "SHOW TABLES FROM default",
  "SHOW PROCESSLIST",
  "SHOW USERS",
  "SHOW GRANTS",
  "EXPLAIN SELECT file('/etc/passwd')",
  "SELECT dictGet('d', 'v', 1)",
  "SELECT joinGet('otel.scratch', 'name', 1)",
  "SELECT hasColumnInTable('system', 'users', 'name')",
  "SELECT getServerSetting('path')",
  "SELECT getMacro('replica')",
  "SELECT hostName(), fqdn()",
  "SELECT filesystemAvailable()",
  "SELECT catboostEvaluate('/etc/passwd', 1)",
  "SELECT aiGenerate('hello')",
  "SELECT addressToSymbol(1)",
  "SELECT showCertificate()",
  "SELECT `fi\nle`('/etc/passwd')",
  "SELECT 1 AS `x (children 2)`, file('/etc/passwd')",
  "SELECT * APPLY(file) FROM (SELECT '/etc/passwd' AS p)",
  "SELECT COLUMNS('p') APPLY(x -> file(x)) FROM (SELECT '/etc/passwd' AS p)",
  "SELECT * REPLACE (file('/etc/passwd') AS p) FROM (SELECT 1 AS p)",
  "SELECT 1 LIMIT 1 BY length(file('/etc/passwd'))",
  "SELECT sum(1) OVER (ORDER BY length(file('/etc/passwd')))",
  "SELECT 1 FROM (SELECT 1 AS a) AS t1 JOIN (SELECT 1 AS a) AS t2 ON t1.a = length(file('/etc/passwd'))",
  "SELECT a FROM (SELECT [1] AS a) ARRAY JOIN arrayMap(x -> length(file('/etc/passwd')), a) AS b",
];

describe('readers cannot read the host (rows 1, 4, 5)', () => {
  it.each(FILE_READS)('%s', async (sql) => {
    expectRefused(await post(sql), sql);
  });

  it('text the engine cannot parse is refused by its parser (nothing runs)', async () => {
    for (const sql of ["SELECT ｆｉｌｅ('/etc/passwd')", "SELECT file('/etc/passwd'", "SELECT file('/etc/passwd') FROM"]) {
      const a = await post(sql);
      expectRefused(a, sql, 400);
      expect(a.code).toBe('62');
    }
  });

  it('a second statement is refused, whatever sits between them', async () => {
    for (const sql of [
      "SELECT 1; SELECT * FROM url('http://127.0.0.1:9/', 'LineAsString')",
      'SELECT 1;SELECT 2',
      "SELECT ';'; SELECT file('/etc/passwd')",
      "SELECT 1 -- ;\n; SELECT file('/etc/passwd')",
      "SELECT 1; INSERT INTO FUNCTION file('" + mark('multi') + "', 'RawBLOB', 'b String') SELECT 'x'",
    ]) expectRefused(await post(sql), sql);
  });

  it('INTO OUTFILE, foreign formats and settings that touch files are refused', async () => {
    expectRefused(await post(`SELECT 1 INTO OUTFILE '${mark('outfile')}'`), 'outfile');
    expectRefused(await post(`SELECT 1 INTO OUTFILE '${mark('outfile2')}' TRUNCATE FORMAT CSV`), 'outfile truncate');
    expectRefused(await post('SELECT 1 FORMAT Template'), 'FORMAT Template');
    expectRefused(await post('DESCRIBE TABLE otel.scratch FORMAT Template'), 'DESCRIBE … FORMAT Template');
    expectRefused(await post('SHOW TABLES FROM system FORMAT CapnProto'), 'SHOW … FORMAT CapnProto');
    expectRefused(await post('SHOW TABLES FROM default FORMAT JSON'), 'SHOW TABLES FROM default FORMAT JSON');
    expectRefused(await post('SELECT 1', READER, '?default_format=Protobuf'), 'default_format=Protobuf');
    expectRefused(await post('SELECT 1 FORMAT TabSeparated', READER, `?format_template_row=${encodeURIComponent('/etc/passwd')}`), 'format_template_row');
    expectRefused(await post('SELECT 1', READER, `?output_format_schema=${encodeURIComponent(mark('schema'))}`), 'output_format_schema');
    expectRefused(await post('SELECT 1', READER, '?database=default'), 'database=default');
    expectRefused(await post('SELECT * FROM users', READER, '?database=system'), 'unqualified system.users');
  });

  it('query parameters are values, never SQL or names', async () => {
    const value = await post('SELECT {p:String} AS p FORMAT JSONEachRow', READER, `?param_p=${encodeURIComponent("file('/etc/passwd')")}`);
    expect([value.status, JSON.parse(value.body)]).toEqual([200, { p: "file('/etc/passwd')" }]);
    expectRefused(await post('SELECT * FROM {t:Identifier}', READER, '?param_t=system.users'), 'Identifier parameter');
    const own = await post('SELECT name FROM {t:Identifier} ORDER BY id LIMIT 1', READER, '?param_t=scratch');
    expect([own.status, own.body]).toEqual([200, 'kept\n']);
  });
});

describe('outside requests (row 6)', () => {
  it('url(), remote(), s3() and viewIfPermitted branches never reach another service', async () => {
    const target = `http://127.0.0.1:${trapPort}/`;
    for (const sql of [
      `SELECT * FROM url('${target}', 'LineAsString')`,
      `SELECT * FROM viewIfPermitted(SELECT 1 ELSE url('${target}', 'CSV', 'a int'))`,
      `SELECT * FROM remote('127.0.0.1:${trapPort}', system.one)`,
      `SELECT * FROM s3('${target}x.csv', 'CSV', 'a int')`,
      `SELECT * FROM view(SELECT * FROM url('${target}', 'LineAsString'))`,
    ]) expectRefused(await post(sql), sql);
    for (const auth of [READER, WRITER]) {
      expectRefused(await post(`INSERT INTO FUNCTION url('${target}', 'CSV', 'a int') SELECT 1`, auth), 'INSERT INTO FUNCTION url');
    }
    expect(trapHits).toBe(0);
  });
});

describe('writing files (row 2), by POST and by a plain GET', () => {
  it('INSERT INTO FUNCTION file is refused for every user and method', async () => {
    const sql = (n: string): string => `INSERT INTO FUNCTION file('${mark(n)}', 'RawBLOB', 'b String') SELECT 'bytes'`;
    expectRefused(await post(sql('reader'), READER), 'reader');
    expectRefused(await post(sql('writer'), WRITER), 'writer');
    expectRefused(await get(t, `query=${encodeURIComponent(sql('get-writer'))}`, { authorization: WRITER }), 'GET writer');
    expectRefused(await get(t, `query=${encodeURIComponent(sql('get-reader'))}`, { authorization: READER }), 'GET reader');
  });
});

describe('writers insert rows into flightrec tables and nothing else (row 7)', () => {
  const refusedForWriter = [
    "CREATE DICTIONARY d (k UInt64, v String) PRIMARY KEY k SOURCE(EXECUTABLE(COMMAND 'touch " + mark('dict') + "' FORMAT TabSeparated)) LAYOUT(FLAT()) LIFETIME(0)",
    'ALTER TABLE otel.otel_traces DELETE WHERE 1',
    'ALTER TABLE otel.scratch DELETE WHERE 1',
    'DROP TABLE otel.scratch',
    'TRUNCATE TABLE otel.scratch',
    'SYSTEM SHUTDOWN',
    'SYSTEM DROP MARK CACHE',
    'CREATE TABLE otel.evil (a UInt8) ENGINE = Memory',
    "CREATE FUNCTION evil AS x -> x",
    'RENAME TABLE otel.scratch TO otel.gone',
    'OPTIMIZE TABLE otel.scratch FINAL',
    'KILL QUERY WHERE 1',
    'SET readonly = 0',
    'USE system',
    'INSERT INTO otel.scratch SELECT number, toString(number) FROM numbers(5)',
    "INSERT INTO otel.scratch SELECT 9, file('/etc/passwd')",
    "INSERT INTO otel.scratch VALUES (9, file('/etc/passwd'))",
    'INSERT INTO otel.scratch SETTINGS async_insert = 1 FORMAT JSONEachRow\n{"id":9,"name":"x"}',
    'INSERT INTO system.one FORMAT JSONEachRow\n{"dummy":1}',
    'INSERT INTO default.t FORMAT JSONEachRow\n{"a":1}',
    'INSERT INTO otel.flightrec_spans FORMAT JSONEachRow\n{}',
    `INSERT INTO FUNCTION file('${mark('w2')}', 'CSV', 'a int') FORMAT CSV\n1`,
    'insert into otel.scratch format Template\nx',
  ];
  it.each(refusedForWriter)('%s', async (sql) => {
    expectRefused(await post(sql, WRITER), sql);
  });

  it('rows after the INSERT are data: a second statement in them is never run', async () => {
    const a = await post('INSERT INTO otel.scratch FORMAT JSONEachRow\n{"id":2,"name":"x"}\n;DROP TABLE otel.scratch', WRITER);
    expect(a.status).toBeGreaterThanOrEqual(400);
    expect(a.body).toMatch(/^Code: \d+\. DB::Exception: /);
  });

  it('a legitimate insert still works (and is counted below)', async () => {
    const a = await post('INSERT INTO otel.scratch (id, name) FORMAT JSONEachRow\n{"id":3,"name":"ok"}\n', WRITER);
    expect([a.status, a.body]).toEqual([200, '']);
  });
});

describe('limits cannot be lifted (row 9) and sleeping is refused (row 8)', () => {
  it('SETTINGS, SET and URL settings cannot change a limit or readonly', async () => {
    expectRefused(await post('SELECT 1 SETTINGS max_execution_time = 0'), 'SETTINGS clause');
    expectRefused(await post('SELECT * FROM (SELECT count() FROM numbers(10) SETTINGS max_execution_time = 0)'), 'SETTINGS in a sub-query');
    expectRefused(await post('SELECT * FROM view(SELECT 1 SETTINGS max_threads = 64)'), 'SETTINGS in a view()');
    // A sub-query's clause may only lower a limit: raised, zero (unlimited), another setting, or a
    // value that is not a plain number are refused.
    expectRefused(await post('SELECT * FROM (SELECT 1 SETTINGS max_execution_time = 100000)'), 'a raised limit in a sub-query');
    expectRefused(await post('SELECT * FROM (SELECT 1 SETTINGS max_execution_time = 10, readonly = 0)'), 'readonly in a sub-query');
    expectRefused(await post("SELECT * FROM (SELECT 1 SETTINGS max_execution_time = '0')"), 'a string value');
    expectRefused(await post('SELECT * FROM (SELECT 1 SETTINGS max_execution_time = 1e9)'), 'a float value');
    expectRefused(await post("SELECT * FROM (SELECT 'x\n    SETTINGS max_threads = 1' AS s SETTINGS max_memory_usage = 0)"), 'a literal that looks like a clause');
    expectRefused(await post('SET max_threads = 1000'), 'SET');
    expectRefused(await post('SELECT 1', READER, '?readonly=0'), 'readonly=0');
    expectRefused(await post('SELECT 1', READER, '?async_insert=1'), 'async_insert=1 (only its default, 0, is taken: clickhouse-go sends it)');
    expect((await post('SELECT 1', READER, '?async_insert=0')).status).toBe(200);
    const lowered = await post("SELECT c FROM (SELECT getSetting('max_execution_time') AS c SETTINGS max_execution_time = 10, max_threads = 1)");
    expect([lowered.status, lowered.body]).toEqual([200, '10\n']); // Grafana's schema browser lowers the time limit this way
    const lifted = await post("SELECT getSetting('max_execution_time'), getSetting('max_threads'), getSetting('readonly')", READER, '?max_execution_time=0&max_threads=64');
    expect([lifted.status, lifted.body]).toEqual([200, `60\t${DEFAULT_QUERY_LIMITS.maxThreads}\t1\n`]);
  });

  it.each(['SELECT sleepEachRow(3) FROM numbers(100)', 'SELECT sleep(3)', 'SELECT SLEEP(3)', 'SELECT count() FROM numbers(10) WHERE sleepEachRow(1) = 0'])('%s', async (sql) => {
    expectRefused(await post(sql), sql);
  });
});

describe('web pages (browsers)', () => {
  it('a foreign Origin or Sec-Fetch-Site is refused, also on GET', async () => {
    expectRefused(await get(t, 'query=SELECT+1', { authorization: READER, origin: 'https://evil.example' }), 'Origin');
    expectRefused(await get(t, 'query=SELECT+1', { authorization: READER, 'sec-fetch-site': 'cross-site' }), 'Sec-Fetch-Site');
  });

  it('a Host that is not the loopback listener (DNS rebinding) is refused', async () => {
    const url = new URL(t.server.queryUrl);
    const a = await new Promise<Answer>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: '/?query=SELECT+1', headers: { host: `evil.example:${url.port}`, authorization: READER } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, code: String(res.headers['x-clickhouse-exception-code'] ?? ''), body }));
      });
      req.on('error', reject);
      req.end();
    });
    expectRefused(a, 'Host');
  });
});

describe("ad hoc filters: the outer SETTINGS clause (Grafana's additional_table_filters)", () => {
  // The plugin appends `settings additional_table_filters={'<table>' : '<filter>'}` to a panel's query.
  const withFilter = (filter: string, table = 'scratch', sql = 'SELECT count() FROM otel.scratch'): string =>
    `${sql} settings additional_table_filters={'${table}' : '${filter.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'}`;

  it('a filter over the table is applied; an outer clause may lower a limit', async () => {
    expect((await post(withFilter(" name = 'kept' "))).body).toBe('1\n');
    expect((await post(withFilter(" name = 'other' "))).body).toBe('0\n');
    expect((await post(withFilter("name = 'other'", 'otel.scratch'))).body).toBe('0\n');
    // What applies is the engine's canonical text of the checked expression: a comment is dropped.
    expect((await post(withFilter("name = 'other' --"))).body).toBe('0\n');
    expect((await post("SELECT count() FROM otel.scratch WHERE name = 'kept' SETTINGS additional_table_filters={}")).body).toBe('1\n');
    const both = await post("SELECT getSetting('max_threads'), count() FROM otel.scratch FORMAT TSV SETTINGS max_threads = 1, additional_table_filters = {'scratch':'id = 1'}");
    expect([both.status, both.body]).toEqual([200, '1\t1\n']);
    const lowered = await post("SELECT getSetting('max_execution_time') SETTINGS max_execution_time = 5");
    expect([lowered.status, lowered.body]).toEqual([200, '5\n']);
  });

  it.each([
    ["file('/etc/passwd') != ''", 'a host file in the filter'],
    ["name IN (SELECT * FROM url('http://127.0.0.1:9/', 'LineAsString'))", 'a table function in the filter'],
    ["name IN (SELECT name FROM system.users)", 'a system table not for schema browsing'],
    ["sleepEachRow(3) = 0", 'sleeping'],
    ["1 SETTINGS max_execution_time = 0", 'a SETTINGS clause inside the filter'],
    ["1) UNION ALL SELECT 1 FROM (SELECT 1", 'breaking out of the expression'],
    ["1 FORMAT TSV", 'a FORMAT inside the filter'],
    ["1 GROUP BY name", 'more than an expression'],
    ["1 /* unclosed", 'an unclosed comment'],
    ["1; DROP TABLE otel.scratch", 'a second statement'],
    ["id = 1 AND file('/proc/self/environ') = ''", 'a host file after a legitimate condition'],
  ])('refuses %j (%s)', async (filter, what) => {
    expectRefused(await post(withFilter(filter)), what, 403);
  });

  it.each([
    ["SELECT 1 FROM otel.scratch SETTINGS additional_table_filters={'system.users' : '1'}", 'a filter keyed by a foreign table'],
    ["SELECT 1 FROM otel.scratch SETTINGS additional_table_filters={'otel.scratch' : 1}", 'a filter that is not a string'],
    ["SELECT 1 SETTINGS readonly = 0", 'readonly in the outer clause'],
    ["SELECT 1 SETTINGS max_threads = 100000", 'a raised limit in the outer clause'],
    ["SELECT 1 SETTINGS additional_result_filter = 'file(\\'/etc/passwd\\') = \\'\\''", 'another filter setting'],
    ["SELECT 1 FORMAT TSV SETTINGS max_execution_time = 0", 'a lifted limit after FORMAT'],
    ["SELECT 1 SETTINGS additional_table_filters={" + Array.from({ length: 9 }, (_, i) => `'t${i}':'1'`).join(', ') + "}", 'too many filters'],
    ["SELECT 1 AS `x\nSETTINGS max_threads = 1` SETTINGS max_execution_time = 0", 'a clause hidden in a name'],
    ["SELECT 1 SETTINGS max_threads = 1 UNION ALL SELECT 2 SETTINGS max_execution_time = 0", 'a lifted limit on a UNION'],
  ])('refuses %j (%s)', async (sql, what) => {
    const a = await post(sql);
    expect(a.status, what).toBeGreaterThanOrEqual(400);
    expect(a.body, what).toMatch(/^Code: \d+\. DB::Exception: .+\. \([A-Z_]+\)\n$/);
  });
});

describe('after all of the above', () => {
  it('the server still answers, no file was written, the tables are as they were', async () => {
    expect((await post('SELECT 1')).body).toBe('1\n');
    for (const n of ['outfile', 'outfile2', 'schema', 'multi', 'reader', 'writer', 'get-writer', 'get-reader', 'dict', 'w2']) expect(existsSync(mark(n)), n).toBe(false);
    const rows = await post('SELECT id, name FROM otel.scratch ORDER BY id');
    expect(rows.body).toBe('1\tkept\n3\tok\n');
    const tables = await post("SELECT name FROM system.tables WHERE database = 'otel' AND name IN ('evil', 'gone', 'scratch') ORDER BY name");
    expect(tables.body).toBe('scratch\n');
    expect((await post("SELECT count() FROM system.functions WHERE name = 'evil'")).body).toBe('0\n');
    expect(trapHits).toBe(0);
  });
});

describe('the anonymous default user (no passwords), from a plain GET as any web page could send', () => {
  it('cannot write or read host files either', async () => {
    await t.stop(); // one data directory per process
    anon = await startTestServer({ fsync: false });
    const write = `INSERT INTO FUNCTION file('${mark('get-anon')}', 'RawBLOB', 'b String') SELECT 'bytes'`;
    expectRefused(await get(anon, `query=${encodeURIComponent(write)}`), 'GET anonymous INSERT');
    expectRefused(await get(anon, `query=${encodeURIComponent("SELECT file('/etc/passwd')")}`), 'GET anonymous file()');
    expectRefused(await get(anon, 'query=SELECT+1', { origin: 'http://example.com' }), 'GET anonymous from a page');
    expect((await get(anon, 'query=SELECT+1')).body).toBe('1\n');
    expect(existsSync(mark('get-anon'))).toBe(false);
  });
});
