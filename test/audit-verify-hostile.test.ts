/**
 * `flightrec verify` against a directory prepared by an attacker: it must finish, with a report
 * naming the problem, in bounded memory, whatever the directory holds — symbolic links out of the
 * export, FIFOs, devices, directories, `.`/`..` names, huge and sparse files, endless lines, a
 * manifest of a million fake entries, junk after the signature — and its whole report must reach
 * a pipe before it exits.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, type CanonicalValue } from '../audit/canonical-json.ts';
import { generateKeys, loadPrivateKey, loadPublicKey, signBytes } from '../audit/keys.ts';
import type { Manifest } from '../audit/manifest.ts';
import { verifyExport, type ProblemKind, type VerifyReport } from '../audit/verify-export.ts';
import { fakeExport, recordLines } from './support/audit-fake-export.ts';
import { main } from '../cli/main.ts';
import { CLI } from '../tools/run-cli.ts';
import { tempDir } from '../tools/temp-dir.ts';

const tmp = tempDir('flightrec-hostile-');
let keys: ReturnType<typeof generateKeys>;
let good: string;
let copies = 0;

beforeAll(async () => {
  keys = generateKeys(join(tmp.path, 'keys'));
  good = (await fakeExport({ outDir: join(tmp.path, 'good'), privateKeyPath: keys.privateKeyPath, lines: recordLines(45), chunkRecords: 10 })).dir;
});
afterAll(() => tmp.cleanup());

function copy(): string {
  const dir = join(tmp.path, `copy-${++copies}`);
  cpSync(good, dir, { recursive: true });
  return dir;
}

const check = (dir: string, extra: { keepGoing?: boolean } = {}): Promise<VerifyReport> => verifyExport(dir, { publicKey: loadPublicKey(keys.publicKeyPath), ...extra });
const kinds = (r: VerifyReport): ProblemKind[] => [...new Set(r.problems.map((p) => p.kind))].sort();

/** Rewrites the manifest and signs it with the genuine key: a hostile manifest that verifies. */
function resign(dir: string, edit: (m: Manifest) => void): void {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  edit(m);
  const bytes = Buffer.from(canonicalJson(m as unknown as CanonicalValue));
  writeFileSync(join(dir, 'manifest.json'), bytes);
  writeFileSync(join(dir, 'manifest.sig'), signBytes(loadPrivateKey(keys.privateKeyPath), bytes).toString('base64') + '\n');
}

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

describe('verify in a hostile directory', () => {
  it('the untouched export verifies (the baseline the cases below break)', async () => {
    const r = await check(good);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.records).toBe(45);
  });

  it('never follows a symbolic link out of the export, even to a genuine copy of the file', async () => {
    const dir = copy();
    const outside = join(tmp.path, 'outside-copy.jsonl');
    cpSync(join(dir, 'records-000002.jsonl'), outside);
    unlinkSync(join(dir, 'records-000002.jsonl'));
    symlinkSync(outside, join(dir, 'records-000002.jsonl'));
    const r = await check(dir);
    expect(r.ok).toBe(false);
    expect(r.problems).toContainEqual(expect.objectContaining({ kind: 'file-not-regular', file: 'records-000002.jsonl', message: expect.stringMatching(/symbolic link/) }));

    const leaves = copy();
    cpSync(join(leaves, 'records-000001.leaves'), join(tmp.path, 'outside.leaves'));
    unlinkSync(join(leaves, 'records-000001.leaves'));
    symlinkSync(join(tmp.path, 'outside.leaves'), join(leaves, 'records-000001.leaves'));
    expect(kinds(await check(leaves))).toEqual(['leaves-modified']);

    for (const name of ['manifest.json', 'manifest.sig']) {
      const d = copy();
      cpSync(join(d, name), join(tmp.path, `outside-${copies}-${name}`));
      unlinkSync(join(d, name));
      symlinkSync(join(tmp.path, `outside-${copies}-${name}`), join(d, name));
      const r2 = await check(d);
      expect(r2.ok, name).toBe(false);
      expect(r2.problems[0]!.message, name).toMatch(/symbolic link/);
    }
  });

  it('refuses a symbolic link to /dev/zero and a FIFO in place of a listed file, without hanging', async () => {
    const zero = copy();
    unlinkSync(join(zero, 'records-000003.jsonl'));
    symlinkSync('/dev/zero', join(zero, 'records-000003.jsonl'));
    expect((await check(zero)).problems).toContainEqual(expect.objectContaining({ kind: 'file-not-regular', file: 'records-000003.jsonl' }));

    const fifo = copy();
    unlinkSync(join(fifo, 'records-000001.jsonl'));
    mkfifo(join(fifo, 'records-000001.jsonl'));
    const r = await check(fifo);
    expect(r.problems).toContainEqual(expect.objectContaining({ kind: 'file-not-regular', file: 'records-000001.jsonl', message: expect.stringMatching(/FIFO/) }));

    for (const name of ['manifest.json', 'manifest.sig', 'records-000002.leaves']) {
      const d = copy();
      unlinkSync(join(d, name));
      mkfifo(join(d, name));
      const r2 = await check(d);
      expect(r2.ok, name).toBe(false);
      expect(r2.problems.map((p) => p.message).join('\n'), name).toMatch(/FIFO/);
    }
  }, 20_000);

  it('refuses directories in place of listed files and reports unlisted directories, links and FIFOs, without crashing', async () => {
    const dir = copy();
    rmSync(join(dir, 'records-000004.jsonl'));
    mkdirSync(join(dir, 'records-000004.jsonl'));
    mkdirSync(join(dir, 'extra-dir'));
    symlinkSync('/etc/passwd', join(dir, 'extra-link'));
    mkfifo(join(dir, 'extra-fifo'));
    const r = await check(dir);
    expect(r.problems).toContainEqual(expect.objectContaining({ kind: 'file-not-regular', file: 'records-000004.jsonl', message: expect.stringMatching(/directory/) }));
    for (const name of ['extra-dir', 'extra-link', 'extra-fifo']) expect(r.problems).toContainEqual(expect.objectContaining({ kind: 'file-unexpected', file: name }));

    const manifestDir = copy();
    rmSync(join(manifestDir, 'manifest.json'));
    mkdirSync(join(manifestDir, 'manifest.json'));
    expect((await check(manifestDir)).problems).toEqual([expect.objectContaining({ kind: 'manifest-invalid', message: expect.stringMatching(/directory/) })]);
  });

  it('a signed manifest naming `.` or `..` is invalid, not a crash', async () => {
    for (const name of ['.', '..']) {
      const dir = copy();
      resign(dir, (m) => {
        m.files[0]!.name = name;
      });
      const r = await check(dir);
      expect(r.problems, name).toEqual([expect.objectContaining({ kind: 'manifest-invalid', message: expect.stringMatching(/plain file name/) })]);
      const leaves = copy();
      resign(leaves, (m) => {
        m.files[1]!.leaves.name = name;
      });
      expect((await check(leaves)).problems[0], name).toMatchObject({ kind: 'manifest-invalid' });
    }
  });

  it('stops at an invalid signature: a manifest of a million fake entries is never processed (unless --keep-going)', async () => {
    const dir = copy();
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    const fake = Array.from({ length: 1_000_000 }, (_, i) => ({ ...m.files[0]!, name: `f${i}`, first_index: i }));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, files: fake }).slice(0, 7 << 20));
    const started = performance.now();
    const r = await check(dir);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(r.problems).toEqual([expect.objectContaining({ kind: 'signature-invalid' })]);
    expect(r.stopped).toMatch(/keep-going/);
    expect(r.ok).toBe(false);

    // Larger than any genuine manifest: refused unread.
    const big = copy();
    truncateSync(join(big, 'manifest.json'), 64 << 20);
    expect((await check(big)).problems).toEqual([expect.objectContaining({ kind: 'manifest-invalid', message: expect.stringMatching(/not read/) })]);

    // --keep-going checks the files of a manifest whose signature fails.
    const edited = copy();
    const e = JSON.parse(readFileSync(join(edited, 'manifest.json'), 'utf8')) as Manifest;
    e.created_at = '2020-01-01T00:00:00.000Z';
    writeFileSync(join(edited, 'manifest.json'), canonicalJson(e as unknown as CanonicalValue));
    writeFileSync(join(edited, 'records-000001.jsonl'), 'tampered\n');
    expect(kinds(await check(edited))).toEqual(['signature-invalid']);
    expect(kinds(await check(edited, { keepGoing: true }))).toEqual(expect.arrayContaining(['signature-invalid', 'file-modified']));
  });

  it('rejects anything after the signature, and a signature file of the wrong shape', async () => {
    const sig = readFileSync(join(good, 'manifest.sig'), 'utf8');
    for (const [what, text] of [['trailing junk', sig + 'junk\n'], ['a second line', sig + sig], ['no newline but junk', sig.trim() + ' x'], ['empty', ''], ['huge', 'A'.repeat(1 << 20)]] as const) {
      const dir = copy();
      writeFileSync(join(dir, 'manifest.sig'), text);
      const r = await check(dir);
      expect(r.ok, what).toBe(false);
      expect(r.problems, what).toEqual([expect.objectContaining({ kind: 'signature-invalid' })]);
    }
    const bare = copy();
    writeFileSync(join(bare, 'manifest.sig'), sig.trim());
    expect((await check(bare)).ok).toBe(true); // one signature without its newline is still one signature
  });

  it('a sparse file far larger than signed is refused by its size, unread', async () => {
    const dir = copy();
    truncateSync(join(dir, 'records-000002.jsonl'), 2 ** 31); // 2 GiB, no blocks
    const started = performance.now();
    const r = await check(dir);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(r.problems).toContainEqual(expect.objectContaining({ kind: 'file-not-regular', file: 'records-000002.jsonl', message: expect.stringMatching(/not read/) }));
  });
});

describe('verify-proof on a hostile proof file', () => {
  it('a FIFO or an oversized file is refused at once, with exit code 2', async () => {
    const fifo = join(tmp.path, 'proof.fifo');
    mkfifo(fifo);
    const started = performance.now();
    expect(await main(['verify-proof', fifo, '--key', keys.publicKeyPath])).toBe(2);
    const big = join(tmp.path, 'proof-big.json');
    closeSync(openSync(big, 'w'));
    truncateSync(big, 2 ** 30); // sparse
    expect(await main(['verify-proof', big, '--key', keys.publicKeyPath])).toBe(2);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('verify memory on hostile files (child process, peak RSS)', () => {
  const child = fileURLToPath(new URL('./support/audit-verify-child.ts', import.meta.url));
  const peak = (dir: string): { ok: boolean; maxRssMB: number } => JSON.parse(execFileSync(process.execPath, [child, dir, keys.publicKeyPath], { encoding: 'utf8' })) as { ok: boolean; maxRssMB: number };
  function filled(name: string, byte: number, mib: number): string {
    const dir = copy();
    const fd = openSync(join(dir, 'records-000001.jsonl'), 'w');
    const block = Buffer.alloc(1 << 20, byte);
    for (let i = 0; i < mib; i++) writeSync(fd, block);
    closeSync(fd);
    return dir;
  }

  it('stays bounded, and the same, for 8 and 60 MiB of newlines, and for one 60 MiB line', () => {
    const small = peak(filled('nl-small', 0x0a, 8));
    const large = peak(filled('nl-large', 0x0a, 60));
    const line = peak(filled('line', 0x78, 60));
    for (const r of [small, large, line]) {
      expect(r.ok).toBe(false);
      expect(r.maxRssMB).toBeLessThan(256);
    }
    // 60 MiB of newlines is 63 million records: kept as leaves they would need 2 GB.
    expect(large.maxRssMB - small.maxRssMB).toBeLessThan(40);
  }, 120_000);

  it('genuine exports of 2 million records, in twenty files or in two, need no more than one of 200 000 (leaves are streamed, never held)', async () => {
    // Tiny records, so the leaves (32 bytes a record) are most of what could grow. Before they
    // were streamed: 169 → 260 MiB for twenty files, 271 MiB for two files of a million records.
    const small = await fakeExport({ outDir: join(tmp.path, 'genuine-200k'), privateKeyPath: keys.privateKeyPath, lines: recordLines(200_000), chunkRecords: 10_000 });
    const many = await fakeExport({ outDir: join(tmp.path, 'genuine-2m-20'), privateKeyPath: keys.privateKeyPath, lines: recordLines(2_000_000), chunkRecords: 100_000 });
    const large = await fakeExport({ outDir: join(tmp.path, 'genuine-2m-2'), privateKeyPath: keys.privateKeyPath, lines: recordLines(2_000_000), chunkRecords: 1_000_000 });
    const a = peak(small.dir);
    for (const r of [peak(many.dir), peak(large.dir)]) {
      expect(a.ok && r.ok).toBe(true);
      expect(r.maxRssMB).toBeLessThan(256);
      expect(r.maxRssMB - a.maxRssMB).toBeLessThan(30);
    }
  }, 180_000);

  it('a changed file of more records than are kept for the diagnosis: still NOT VERIFIED whole, changes named among the first 262 144 records, and the report says so', async () => {
    const lines = recordLines(300_000, 'big');
    const exp = await fakeExport({ outDir: join(tmp.path, 'big-file'), privateKeyPath: keys.privateKeyPath, lines, chunkRecords: 300_000 });
    const file = join(exp.dir, 'records-000001.jsonl');
    const changed = [...lines];
    changed[99] = changed[99]!.replace('"v":"1"', '"v":"2"');
    changed[280_000] = changed[280_000]!.replace('"v":"1"', '"v":"3"');
    writeFileSync(file, changed.join('\n') + '\n');
    const report = await verifyExport(exp.dir, { publicKey: loadPublicKey(keys.publicKeyPath) });
    expect(report.ok).toBe(false);
    expect(report.records).toBe(300_000);
    const kinds = report.problems.map((p) => `${p.kind}${p.record ? `:${p.record}` : ''}`);
    expect(kinds).toContain('record-modified:100');
    expect(kinds).not.toContain('record-modified:280001'); // past the records kept for the diagnosis
    expect(report.problems.some((p) => p.message.endsWith('the record-level diagnosis covers the first 262144'))).toBe(true);
    expect(kinds).toContain('root-mismatch');
  }, 60_000);
});

describe('the report reaches a pipe whole', () => {
  it('a report over 64 KiB, read slowly, ends with its NOT VERIFIED line', async () => {
    const dir = copy();
    for (let i = 0; i < 1500; i++) writeFileSync(join(dir, `unexpected-file-with-a-rather-long-name-${String(i).padStart(5, '0')}.jsonl`), '');
    const proc = spawn(process.execPath, [CLI, 'verify', dir, '--key', keys.publicKeyPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout.pause();
    await new Promise((r) => setTimeout(r, 1500)); // the child is done verifying long before this
    const chunks: Buffer[] = [];
    proc.stdout.on('data', (d: Buffer) => chunks.push(d));
    proc.stdout.resume();
    const code = await new Promise<number | null>((r) => proc.on('close', r));
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text.length).toBeGreaterThan(64 * 1024);
    expect(code).toBe(1);
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^NOT VERIFIED: 1500 problem/);
  }, 30_000);
});
