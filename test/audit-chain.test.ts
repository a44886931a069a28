/**
 * Chains of exports: `flightrec verify` over a folder (or a list) proves the chain gap-free,
 * fork-free and overlap-free over one selection, and shows each export's signed scope; and
 * `flightrec reconcile` finds spans that reached the store after their period was exported.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeys, loadPrivateKey, loadPublicKey } from '../audit/keys.ts';
import { runExport } from '../audit/run-export.ts';
import { verifyChain, type ChainReport } from '../audit/verify-chain.ts';
import { main } from '../cli/main.ts';
import { ClickHouseSpanSink } from '../receiver/clickhouse-span-sink.ts';
import { insertFixture, type Fixture } from './support/audit-fixtures.ts';
import { fakeExport, recordLines } from './support/audit-fake-export.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { runCli } from '../tools/run-cli.ts';
import { tempDir } from '../tools/temp-dir.ts';
import { chTime } from '../cli/commands/export.ts';

const tmp = tempDir('flightrec-chain-');
let keys: ReturnType<typeof generateKeys>;
let n = 0;
const T = ['2026-11-01 00:00:00.000000000', '2026-11-02 00:00:00.000000000', '2026-11-03 00:00:00.000000000', '2026-11-04 00:00:00.000000000'];

beforeAll(() => {
  keys = generateKeys(join(tmp.path, 'keys'));
});
afterAll(() => tmp.cleanup());

async function exp(folder: string, name: string, o: { from?: string; to: string; previous?: string; session?: string; records?: number }): Promise<string> {
  const res = await fakeExport({ outDir: join(folder, name), privateKeyPath: keys.privateKeyPath, lines: recordLines(o.records ?? 5, `${name}-${++n}`), from: o.from, to: o.to, previous: o.previous, session: o.session });
  return res.dir;
}

/** a → b → c over T0..T3, in a fresh folder. */
async function goodChain(): Promise<{ folder: string; a: string; b: string; c: string }> {
  const folder = join(tmp.path, `chain-${++n}`);
  mkdirSync(folder);
  const a = await exp(folder, '1-a', { from: T[0], to: T[1]! });
  const b = await exp(folder, '2-b', { from: T[1], to: T[2]!, previous: a });
  const c = await exp(folder, '3-c', { from: T[2], to: T[3]!, previous: b });
  return { folder, a, b, c };
}

const chain = (dirs: string[], until?: string): Promise<ChainReport> => verifyChain(dirs, { publicKey: loadPublicKey(keys.publicKeyPath), until });
const kinds = (r: ChainReport): string[] => r.problems.map((p) => p.kind).sort();

describe('verify over a chain', () => {
  it('a chain in order (given in any order) is gap-, fork- and overlap-free and says what it covers', async () => {
    const { a, b, c } = await goodChain();
    const r = await chain([c, a, b], T[3]);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.covers).toEqual({ from: T[0], to: T[3] });
    expect(r.exports.map((e) => e.dir)).toEqual([a, b, c]);
    expect(r.exports[1]!.scope).toMatchObject({ time_range: { from: T[1], to: T[2] }, selection: {}, previous: { time_to: T[1] } });
  });

  it('a fork: two exports chained to the same predecessor', async () => {
    const { folder, a, b, c } = await goodChain();
    const b2 = await exp(folder, '2-b-again', { from: T[1], to: T[2]!, previous: a, records: 4 });
    expect(kinds(await chain([a, b, c, b2]))).toEqual(['chain-fork']);
  });

  it('a gap, an overlap, and a change of selection between neighbours', async () => {
    const folder = join(tmp.path, 'bad');
    mkdirSync(folder);
    const a = await exp(folder, 'a', { from: T[0], to: T[1]! });
    const gap = await exp(folder, 'gap', { from: T[2], to: T[3]!, previous: a });
    expect(kinds(await chain([a, gap]))).toEqual(['chain-gap']);
    const overlap = await exp(folder, 'overlap', { from: '2026-11-01 12:00:00.000000000', to: T[2]!, previous: a });
    expect(kinds(await chain([a, overlap]))).toEqual(['chain-overlap']);
    const open = await exp(folder, 'open', { to: T[2]!, previous: a });
    expect(kinds(await chain([a, open]))).toEqual(['chain-overlap']);
    const narrower = await exp(folder, 'narrower', { from: T[1], to: T[2]!, previous: a, session: 'just-one' });
    expect(kinds(await chain([a, narrower]))).toEqual(['chain-scope']);
  });

  it('a removed export: in the middle breaks the chain; the newest shows against --until', async () => {
    const { a, b, c } = await goodChain();
    expect(kinds(await chain([a, c]))).toEqual(['chain-break']);
    expect(kinds(await chain([a, b], T[3]))).toEqual(['chain-short']);
    expect((await chain([a, b], T[2])).ok).toBe(true);
  });

  it('a tampered member fails the chain, and an unsigned one has no place in it', async () => {
    const { a, b, c } = await goodChain();
    writeFileSync(join(b, 'records-000001.jsonl'), '{"n":0}\n');
    const r = await chain([a, b, c]);
    expect(r.ok).toBe(false);
    expect(r.exports.find((e) => e.dir === b)!.problems.map((p) => p.kind)).toContain('file-modified');
    writeFileSync(join(c, 'manifest.sig'), 'x\n');
    expect(kinds(await chain([a, b, c]))).toEqual(['chain-unverified']);
    // An unsigned export in the middle: the one after it follows nothing in the set.
    const d = await goodChain();
    writeFileSync(join(d.b, 'manifest.sig'), 'x\n');
    expect(kinds(await chain([d.a, d.b, d.c]))).toEqual(['chain-break', 'chain-unverified']);
  });

  it('CLI: verify --chain FOLDER (symbolic links in it not followed), and the scope in a single report', async () => {
    const { folder, b } = await goodChain();
    const elsewhere = join(tmp.path, `elsewhere-${++n}`);
    mkdirSync(elsewhere);
    cpSync(b, join(elsewhere, 'copy'), { recursive: true });
    symlinkSync(join(elsewhere, 'copy'), join(folder, '9-link'));
    const ok = await runCli(['verify', '--chain', folder, '--key', keys.publicKeyPath, '--until', '2026-11-04T00:00:00Z']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/OK {3}chain of 3 export\(s\): gap-free, fork-free and overlap-free from 2026-11-01 00:00:00.000000000 to 2026-11-04 00:00:00.000000000/);
    const short = await runCli(['verify', '--chain', folder, '--key', keys.publicKeyPath, '--until', '2026-11-05T00:00:00Z']);
    expect(short.code).toBe(1);
    expect(short.stdout.trimEnd().split('\n').at(-1)).toMatch(/^NOT VERIFIED: 1 chain problem/);
    const one = await runCli(['verify', b, '--key', keys.publicKeyPath]);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('scope: spans from 2026-11-02 00:00:00.000000000 to 2026-11-03 00:00:00.000000000 (exclusive, UTC); no filters; jsonl, content hashes; created ');
    expect(one.stdout).toContain('chained to the export created');
  });
});

describe('anchor log', () => {
  async function anchored(): Promise<{ folder: string; log: string; dirs: string[] }> {
    const folder = join(tmp.path, `anchored-${++n}`);
    mkdirSync(folder);
    const log = join(tmp.path, `anchors-${n}.log`);
    const a = await exp2(folder, 'a', { from: T[0], to: T[1]!, anchorLog: log });
    const b = await exp2(folder, 'b', { from: T[1], to: T[2]!, previous: a, anchorLog: log });
    const c = await exp2(folder, 'c', { from: T[2], to: T[3]!, previous: b, anchorLog: log });
    return { folder, log, dirs: [a, b, c] };
  }
  const exp2 = async (folder: string, name: string, o: { from?: string; to: string; previous?: string; anchorLog: string }): Promise<string> =>
    (await fakeExport({ outDir: join(folder, name), privateKeyPath: keys.privateKeyPath, lines: recordLines(3, `${name}-${++n}`), ...o })).dir;
  const withLog = (dirs: string[], log: string): Promise<ChainReport> => verifyChain(dirs, { publicKey: loadPublicKey(keys.publicKeyPath), anchorLog: log });

  it('lists every export made: the chain and the log agree', async () => {
    const { log, dirs } = await anchored();
    const r = await withLog(dirs, log);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(readFileSync(log, 'utf8').trimEnd().split('\n')).toHaveLength(3);
  });

  it('a deleted newest export shows (the chain alone cannot tell), and so does an export re-made outside the log', async () => {
    const { folder, log, dirs } = await anchored();
    expect((await chain(dirs.slice(0, 2))).ok).toBe(true);
    expect(kinds(await withLog(dirs.slice(0, 2), log))).toEqual(['anchor-unlisted']);
    const again = await exp(folder, 'c-again', { from: T[2], to: T[3]!, previous: dirs[1] });
    expect(kinds(await withLog([dirs[0]!, dirs[1]!, again], log))).toEqual(['anchor-missing', 'anchor-unlisted']);
  });

  it('a log line changed, removed or cut is named; a log signed by another key is refused', async () => {
    const { log, dirs } = await anchored();
    const lines = readFileSync(log, 'utf8').split('\n');
    writeFileSync(log, [lines[0], lines[2], ''].join('\n'));
    expect((await withLog(dirs, log)).problems).toEqual([expect.objectContaining({ kind: 'anchor-log', message: expect.stringMatching(/line 2: numbered 3/) })]);
    writeFileSync(log, [lines[0], lines[1]!.replace('"seq":2', '"seq":2 '), lines[2], ''].join('\n'));
    expect((await withLog(dirs, log)).problems[0]!.message).toMatch(/line 3: does not follow/);
    writeFileSync(log, lines.join('\n').slice(0, -5));
    expect((await withLog(dirs, log)).problems[0]!.message).toMatch(/ends inside a line/);
    const other = generateKeys(join(tmp.path, `other-${++n}`));
    expect((await verifyChain(dirs, { publicKey: loadPublicKey(other.publicKeyPath), anchorLog: log })).ok).toBe(false);
  });
});

describe('reconcile: late-arriving spans', () => {
  let t: TestServer;
  let fx: Fixture;
  beforeAll(async () => {
    t = await startTestServer();
    fx = await insertFixture(t.server.client);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('finds spans that reached the store after their period was exported', async () => {
    const folder = join(tmp.path, 'store-chain');
    mkdirSync(folder);
    const ms = Number(fx.start / 1_000_000n);
    const cut = chTime(new Date(ms + 1));
    const end = chTime(new Date(Date.now() + 60_000));
    const opts = { privateKey: loadPrivateKey(keys.privateKeyPath), contentKey: randomBytes(32) };
    const first = await runExport(t.http, { ...opts, outDir: join(folder, '1'), filters: { to: cut } });
    await runExport(t.http, { ...opts, outDir: join(folder, '2'), filters: { from: cut, to: end }, previous: first.dir });
    const args = ['reconcile', '--chain', folder, '--key', keys.publicKeyPath, '--url', t.server.queryUrl];
    expect(await main(args)).toBe(0);

    // A span for the first, already exported period arrives late.
    await new ClickHouseSpanSink(t.server.client).write([{ ...fx.rows[0]!, SpanId: 'ffffffffffffff01' }]);
    const late = await runCli(args);
    expect(late.code).toBe(1);
    expect(late.stdout).toMatch(/FAIL late-spans {3}.*\/1 \(.*\): 1 span\(s\) in the store that the export does not hold/);
    expect(late.stdout).toMatch(/OK {3}.*\/2 \(/);
    // The chain itself still verifies: only the store can tell.
    expect(await main(['verify', '--chain', folder, '--key', keys.publicKeyPath])).toBe(0);
  });
});
