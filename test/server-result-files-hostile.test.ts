/**
 * Results written as files (`x-flightrec-result: file`, storage/result-file-protocol.ts): a read
 * the gate approved, written by the engine into a file the server names, for a client on its host.
 * Against hostile clients: whatever the gate refuses stays refused, nothing a client sends reaches
 * the file's name or place, waiting files are bounded in number and time, refusals are one line
 * and the server answers afterwards. Against a hostile server: the client moves or removes only
 * a regular file in the server's own result folder.
 */
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createClient, ClickHouseLogLevel } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeys, loadPrivateKey } from '../audit/keys.ts';
import { runExport } from '../audit/run-export.ts';
import { chTime } from '../cli/commands/export.ts';
import { createClickHouseHandler } from '../server/clickhouse-http-interface.ts';
import { RESULT_FILE_HEADER, RESULT_FILE_NAME } from '../storage/result-file-protocol.ts';
import { openServerResultFiles } from '../storage/server-result-file.ts';
import { insertFixture } from './support/audit-fixtures.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { tempDir } from '../tools/temp-dir.ts';

let t: TestServer;
const tmp = tempDir('flightrec-result-files-');
const mark = (name: string): string => join(tmp.path, name);
const basic = (u: string, p: string): string => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');
const READER = basic('reader', 'r-pass');
const WRITER = basic('writer', 'w-pass');
let resultDir = '';

beforeAll(async () => {
  t = await startTestServer({
    fsync: false,
    users: [{ name: 'reader', password: 'r-pass', role: 'reader' }, { name: 'writer', password: 'w-pass', role: 'writer' }],
    queryLimits: { maxResultRows: 1000 },
    resultFiles: { maxWaiting: 2, ttlMs: 300 },
  });
  await insertFixture(t.server.client);
  resultDir = join(t.server.dataDir, 'flightrec-result-files');
});
afterAll(async () => {
  await t?.stop();
  tmp.cleanup();
});

interface Answer {
  status: number;
  code: string | null;
  body: string;
}

async function asFile(sql: string, opts: { auth?: string | null; query?: string; value?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { [RESULT_FILE_HEADER]: opts.value ?? 'file' };
  if (opts.auth !== null) headers.authorization = opts.auth ?? READER;
  const res = await fetch(`${t.server.queryUrl}/?${opts.query ?? ''}`, { method: 'POST', headers, body: sql });
  return { status: res.status, code: res.headers.get('x-clickhouse-exception-code'), body: await res.text() };
}

const waiting = (): string[] => readdirSync(resultDir);

function expectOneLineRefusal(a: Answer, status: number): void {
  expect(a.status, a.body).toBe(status);
  expect(a.body.trimEnd().split('\n')).toHaveLength(1);
  expect(a.body).toMatch(/^Code: \d+\. DB::Exception: /);
}

async function stillAnswers(): Promise<void> {
  const res = await fetch(`${t.server.queryUrl}/?query=SELECT+count()+FROM+flightrec_spans`, { headers: { authorization: READER } });
  expect(res.status).toBe(200);
  expect(Number(await res.text())).toBeGreaterThan(0);
}

describe('a read answered as a file', () => {
  it('is written by the engine into a file the server names, in a folder only its user may enter; the client takes it', async () => {
    const a = await asFile('SELECT number, concat(\'row/\', toString(number)) FROM numbers(3)', { query: 'default_format=TabSeparatedRaw&query_id=../../escape' });
    expect(a.status, a.body).toBe(200);
    const answer = JSON.parse(a.body) as { path: string; bytes: number };
    expect(answer.path.startsWith(resultDir + '/')).toBe(true);
    expect(answer.path.split('/').at(-1)).toMatch(RESULT_FILE_NAME);
    expect(readFileSync(answer.path, 'utf8')).toBe('0\trow/0\n1\trow/1\n2\trow/2\n');
    expect(answer.bytes).toBe(statSync(answer.path).size);
    expect(statSync(resultDir).mode & 0o777).toBe(0o700);
    rmSync(answer.path);
  });

  it('whatever the gate refuses stays refused, and no file is written anywhere', async () => {
    const before = waiting();
    expectOneLineRefusal(await asFile(`SELECT 1 INTO OUTFILE '${mark('outfile')}'`), 403);
    expectOneLineRefusal(await asFile(`SELECT * FROM file('${mark('nothing')}', 'CSV')`), 403);
    expectOneLineRefusal(await asFile('SELECT * FROM system.users'), 403);
    expectOneLineRefusal(await asFile(`INSERT INTO FUNCTION file('${mark('fn')}', 'CSV') SELECT 1`), 403);
    expectOneLineRefusal(await asFile('SELECT 1; SELECT 2'), 403);
    expect(existsSync(mark('outfile'))).toBe(false);
    expect(existsSync(mark('fn'))).toBe(false);
    expect(waiting()).toEqual(before);
    await stillAnswers();
  });

  it('a writer\'s INSERT, a FORMAT clause, Native, a bad header value, a wrong password: each refused in one line, nothing written', async () => {
    const before = waiting();
    const insert = await asFile('INSERT INTO flightrec_ingest_log FORMAT JSONEachRow\n{}', { auth: WRITER });
    expectOneLineRefusal(insert, 400);
    expect(insert.body).toMatch(/Only a read can be answered as a file/);
    expectOneLineRefusal(await asFile('SELECT 1 FORMAT CSV'), 400);
    expectOneLineRefusal(await asFile('SELECT 1', { query: 'default_format=Native' }), 400);
    expectOneLineRefusal(await asFile('SELECT 1', { query: 'default_format=Template' }), 403);
    expectOneLineRefusal(await asFile('SELECT 1', { value: '../etc/passwd' }), 400);
    expectOneLineRefusal(await asFile('SELECT 1', { auth: basic('reader', 'wrong') }), 401);
    expectOneLineRefusal(await asFile('SELECT 1', { auth: null }), 401);
    expect(waiting()).toEqual(before);
    await stillAnswers();
  });

  it('a query the engine stops (a result limit) leaves no file', async () => {
    const before = waiting();
    const a = await asFile('SELECT number FROM numbers(100000)');
    expect(a.status, a.body).toBeGreaterThanOrEqual(400);
    expect(a.body).toMatch(/TOO_MANY_ROWS_OR_BYTES|Limit for result exceeded/);
    expect(waiting()).toEqual(before);
  });

  it('files nobody takes are bounded: past the limit refused (503), removed after their time; the server answers throughout', async () => {
    for (const f of waiting()) rmSync(join(resultDir, f));
    expect((await asFile('SELECT 1')).status).toBe(200);
    expect((await asFile('SELECT 2')).status).toBe(200);
    const full = await asFile('SELECT 3');
    expectOneLineRefusal(full, 503);
    expect(full.code).toBe('202');
    expect(waiting()).toHaveLength(2);
    await stillAnswers();
    await new Promise((r) => setTimeout(r, 400));
    // Past their time the two are removed when the next file is asked for.
    const after = await asFile('SELECT 4');
    expect(after.status, after.body).toBe(200);
    expect(waiting()).toEqual([(JSON.parse(after.body) as { path: string }).path.split('/').at(-1)]);
    rmSync((JSON.parse(after.body) as { path: string }).path);
  });

  it('a client that is not on this host is refused before anything runs', async () => {
    const dataPath = mark('remote-store');
    mkdirSync(dataPath);
    const handler = createClickHouseHandler({ dataPath, defaultDatabase: 'otel', users: [], maxBodyBytes: 1 << 20 });
    const req = Object.assign(Readable.from([Buffer.from('SELECT 1')]), {
      url: '/?default_format=TabSeparated',
      method: 'POST',
      headers: { [RESULT_FILE_HEADER]: 'file' },
      socket: { remoteAddress: '10.20.30.40' },
    });
    let status = 0;
    let body = '';
    const res = { headersSent: false, on() {}, writeHead(s: number) { status = s; }, end(b?: string | Buffer) { body = String(b ?? ''); } };
    await handler.handle(req as never, res as never);
    handler.close();
    expect(status).toBe(403);
    expect(body).toMatch(/^Code: 497\. DB::Exception: Results are written as files only for clients on this host\. \(ACCESS_DENIED\)\n$/);
    expect(readdirSync(dataPath)).toEqual([]);
  });
});

describe('the export client against a hostile server', () => {
  let fake: Server;
  let fakeUrl = '';
  const victim = mark('victim.txt');
  const fakeDir = mark('fake-results');
  /** What the fake answers for a page: the path it names. */
  let pagePath = '';
  let probeLies = false;

  beforeAll(async () => {
    mkdirSync(fakeDir, { recursive: true });
    writeFileSync(victim, 'the user\'s own file\n');
    // Answers the probe as flightrec's server does (the token written into its folder), the
    // boundaries query with one page, and that page with a path of its choosing.
    fake = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const sql = url.searchParams.get('query') ?? Buffer.concat(chunks).toString('utf8');
        const token = url.searchParams.get('param_flightrec_probe');
        if (token !== null) {
          const path = probeLies ? victim : join(fakeDir, `${crypto.randomUUID()}.result`);
          if (!probeLies) writeFileSync(path, `${token}\n`);
          res.end(JSON.stringify({ path, bytes: statSync(path).size }));
          return;
        }
        if (/row_number\(\)/.test(sql)) {
          res.end('["2026-01-01 00:00:00.000000000","00","00"]\n');
          return;
        }
        res.end(JSON.stringify({ path: pagePath, bytes: statSync(pagePath).size }));
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    fakeUrl = `http://127.0.0.1:${(fake.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => fake?.close(r));
  });

  const client = () => createClient({ url: fakeUrl, database: 'otel', log: { level: ClickHouseLogLevel.OFF } });

  it('a page named outside the server\'s result folder: the export stops with one line, the file is neither moved nor removed', async () => {
    pagePath = victim;
    const c = client();
    const keys = generateKeys(mark('keys-1'));
    const err = await runExport(c, { outDir: mark('out-1'), privateKey: loadPrivateKey(keys.privateKeyPath), contentKey: randomBytes(32), filters: { to: chTime(new Date()) } }).catch((e: Error) => e);
    await c.close();
    expect((err as Error).message).toBe(`the server named a result file outside its result folder (${JSON.stringify(victim)}); nothing was read or moved`);
    expect(readFileSync(victim, 'utf8')).toBe('the user\'s own file\n');
  });

  it('a page named in the folder but not a regular file of the size announced: refused, nothing moved', async () => {
    const dirNamedLikeAFile = join(fakeDir, `${crypto.randomUUID()}.result`);
    mkdirSync(dirNamedLikeAFile);
    pagePath = dirNamedLikeAFile;
    const c = client();
    const keys = generateKeys(mark('keys-2'));
    const err = await runExport(c, { outDir: mark('out-2'), privateKey: loadPrivateKey(keys.privateKeyPath), contentKey: randomBytes(32), filters: { to: chTime(new Date()) } }).catch((e: Error) => e);
    await c.close();
    expect((err as Error).message).toMatch(/is not the regular file of \d+ bytes it announced$/);
    expect(statSync(dirNamedLikeAFile).isDirectory()).toBe(true);
  });

  it('a probe answered with a file that does not hold the token: no result files, and the file is not removed', async () => {
    probeLies = true;
    const c = client();
    expect(await openServerResultFiles(c)).toBeNull();
    await c.close();
    probeLies = false;
    expect(readFileSync(victim, 'utf8')).toBe('the user\'s own file\n');
  });

  it('a ClickHouse server (no result files) is told apart by its answer: rows, not a file', async () => {
    const plain = createServer((_req, res) => res.end('4f1d0a\n'));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const c = createClient({ url: `http://127.0.0.1:${(plain.address() as { port: number }).port}`, log: { level: ClickHouseLogLevel.OFF } });
    expect(await openServerResultFiles(c)).toBeNull();
    await c.close();
    await new Promise((r) => plain.close(r));
  });

  it('flightrec up on this host: the probe finds its folder and leaves nothing in it', async () => {
    const anonymous = await openServerResultFiles(t.http);
    // Without the reader's password the probe is refused like any query: no result files.
    expect(anonymous).toBeNull();
    const reader = createClient({ url: t.server.queryUrl, username: 'reader', password: 'r-pass', database: 'otel', log: { level: ClickHouseLogLevel.OFF } });
    const files = await openServerResultFiles(reader);
    await reader.close();
    expect(files?.dir).toBe(resultDir);
    expect(waiting()).toEqual([]);
  });
});
