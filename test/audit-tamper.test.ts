/**
 * Every way an export can be altered after signing is detected and named: a byte edited, a
 * record dropped, two swapped, one appended, a file removed or added, the manifest forged or
 * swapped for another signed one, the wrong key, a leaves file edited. Inclusion proofs verify
 * alone, and a tampered proof does not.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, readFileSync, rmSync, unlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, type CanonicalValue } from '../audit/canonical-json.ts';
import { makeProof, verifyProof } from '../audit/inclusion-proof.ts';
import { generateKeys, loadPrivateKey, loadPublicKey } from '../audit/keys.ts';
import { runExport } from '../audit/run-export.ts';
import { verifyExport, type ProblemKind, type VerifyReport } from '../audit/verify-export.ts';
import { chTime } from '../cli/commands/export.ts';
import { seedSpans } from '../seed/audit.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { tempDir } from '../tools/temp-dir.ts';

let t: TestServer;
const tmp = tempDir('flightrec-tamper-');
let keys: ReturnType<typeof generateKeys>;
let otherKeys: ReturnType<typeof generateKeys>;
let good: string;
let other: string;
let copies = 0;

beforeAll(async () => {
  t = await startTestServer();
  await seedSpans(t.server.client, { count: 500 });
  keys = generateKeys(join(tmp.path, 'keys'));
  otherKeys = generateKeys(join(tmp.path, 'other-keys'));
  const filters = { to: chTime(new Date(Date.now() + 60_000)) };
  good = (await runExport(t.http, { outDir: join(tmp.path, 'good'), privateKey: loadPrivateKey(keys.privateKeyPath), contentKey: randomBytes(32), filters, chunkRecords: 100, pageSize: 128 })).dir;
  other = (await runExport(t.http, { outDir: join(tmp.path, 'other'), privateKey: loadPrivateKey(keys.privateKeyPath), contentKey: randomBytes(32), filters: { ...filters, record: ['saw'] }, chunkRecords: 100 })).dir;
});
afterAll(async () => {
  await t?.stop();
  tmp.cleanup();
});

function copy(): string {
  const dir = join(tmp.path, `copy-${++copies}`);
  cpSync(good, dir, { recursive: true });
  return dir;
}

function lines(dir: string, file: string): string[] {
  return readFileSync(join(dir, file), 'utf8').split('\n').slice(0, -1);
}

function writeLines(dir: string, file: string, ls: string[]): void {
  writeFileSync(join(dir, file), ls.map((l) => l + '\n').join(''));
}

async function check(dir: string, key = keys.publicKeyPath): Promise<VerifyReport> {
  return verifyExport(dir, { publicKey: loadPublicKey(key) });
}

function kinds(r: VerifyReport): ProblemKind[] {
  return [...new Set(r.problems.map((p) => p.kind))].sort();
}

describe('tamper detection', () => {
  it('the untouched export verifies', async () => {
    const r = await check(good);
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ ok: true, records: 500, files: 5 });
  });

  it('a single edited byte: names the file and the record', async () => {
    const dir = copy();
    const ls = lines(dir, 'records-000002.jsonl');
    ls[6] = ls[6]!.replace('"risk":"', '"risk":"x');
    writeLines(dir, 'records-000002.jsonl', ls);
    const r = await check(dir);
    expect(r.ok).toBe(false);
    expect(r.problems).toContainEqual(expect.objectContaining({ kind: 'record-modified', file: 'records-000002.jsonl', record: 7 }));
    expect(kinds(r)).toEqual(['file-modified', 'record-modified', 'root-mismatch']);
  });

  it('a dropped record', async () => {
    const dir = copy();
    const ls = lines(dir, 'records-000001.jsonl');
    ls.splice(9, 1);
    writeLines(dir, 'records-000001.jsonl', ls);
    const r = await check(dir);
    expect(r.problems.filter((p) => p.kind.startsWith('record-'))).toEqual([expect.objectContaining({ kind: 'record-removed', file: 'records-000001.jsonl', record: 10 })]);
    expect(r.records).toBe(499);
  });

  it('two records swapped', async () => {
    const dir = copy();
    const ls = lines(dir, 'records-000003.jsonl');
    [ls[2], ls[3]] = [ls[3]!, ls[2]!];
    writeLines(dir, 'records-000003.jsonl', ls);
    const r = await check(dir);
    expect(r.ok).toBe(false);
    const moved = r.problems.filter((p) => p.kind === 'record-moved');
    expect(moved).toHaveLength(1);
    expect(moved[0]).toMatchObject({ file: 'records-000003.jsonl' });
    expect([3, 4]).toContain(moved[0]!.record);
    expect(kinds(r)).toEqual(['file-modified', 'record-moved', 'root-mismatch']);
  });

  it('lists at most maxPerFile record problems per file and counts the rest; one worker or several agree', async () => {
    const dir = copy();
    const ls = lines(dir, 'records-000002.jsonl').map((l) => l.replace('"v":1', '"v":9'));
    writeLines(dir, 'records-000002.jsonl', ls);
    const r = await verifyExport(dir, { publicKey: loadPublicKey(keys.publicKeyPath), maxPerFile: 5, workers: 1 });
    expect(r.problems.filter((p) => p.kind === 'record-modified').map((p) => p.record)).toEqual([1, 2, 3, 4, 5]);
    expect(r.unlisted).toBe(95);
    const parallel = await verifyExport(dir, { publicKey: loadPublicKey(keys.publicKeyPath), maxPerFile: 5, workers: 3 });
    expect(parallel).toEqual(r);
  });

  it('a record appended (a copy of a genuine one, so only its position betrays it)', async () => {
    const dir = copy();
    appendFileSync(join(dir, 'records-000005.jsonl'), lines(dir, 'records-000005.jsonl')[0] + '\n');
    const r = await check(dir);
    expect(r.problems).toContainEqual(expect.objectContaining({ kind: 'record-added', file: 'records-000005.jsonl', record: 101 }));
  });

  it('a chunk file removed, and a file added', async () => {
    const dir = copy();
    unlinkSync(join(dir, 'records-000004.jsonl'));
    writeFileSync(join(dir, 'records-000006.jsonl'), '{"forged":true}\n');
    const r = await check(dir);
    expect(r.problems).toContainEqual(expect.objectContaining({ kind: 'file-missing', file: 'records-000004.jsonl' }));
    expect(r.problems).toContainEqual(expect.objectContaining({ kind: 'file-unexpected', file: 'records-000006.jsonl' }));
    expect(r.problems).toContainEqual(expect.objectContaining({ kind: 'root-mismatch' }));
  });

  it('a forged manifest (edited and re-serialised, or lowered record count) fails the signature', async () => {
    const dir = copy();
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    m.files[1].records = 99;
    m.merkle.tree_size = 499;
    writeFileSync(join(dir, 'manifest.json'), canonicalJson(m as CanonicalValue));
    const r = await check(dir);
    expect(r.problems[0]).toMatchObject({ kind: 'signature-invalid' });
  });

  it('the manifest replaced by another genuinely signed one: every file is named as not matching', async () => {
    const dir = copy();
    cpSync(join(other, 'manifest.json'), join(dir, 'manifest.json'));
    cpSync(join(other, 'manifest.sig'), join(dir, 'manifest.sig'));
    const r = await check(dir);
    expect(r.ok).toBe(false);
    expect(r.problems.some((p) => p.kind === 'signature-invalid')).toBe(false);
    expect(r.problems.filter((p) => p.kind === 'file-modified').length).toBeGreaterThan(0);
    expect(r.problems.filter((p) => p.kind === 'file-unexpected').length).toBeGreaterThan(0);
  });

  it('the wrong key', async () => {
    const r = await check(good, otherKeys.publicKeyPath);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([expect.objectContaining({ kind: 'wrong-key', message: expect.stringContaining(keys.fingerprint) })]);
  });

  it('a missing, garbled or foreign manifest, and a missing signature, are clear errors', async () => {
    const noManifest = copy();
    unlinkSync(join(noManifest, 'manifest.json'));
    expect((await check(noManifest)).problems).toEqual([expect.objectContaining({ kind: 'manifest-missing' })]);

    const garbled = copy();
    writeFileSync(join(garbled, 'manifest.json'), '{"format": "flightrec-audit-export", "vers');
    expect(kinds(await check(garbled))).toEqual(['signature-invalid']); // stops there: nothing unsigned is parsed
    expect(kinds(await verifyExport(garbled, { publicKey: loadPublicKey(keys.publicKeyPath), keepGoing: true }))).toEqual(['manifest-invalid', 'signature-invalid']);

    const foreign = copy();
    writeFileSync(join(foreign, 'manifest.json'), '{"hello":"world"}');
    expect((await check(foreign)).problems).toEqual([expect.objectContaining({ kind: 'signature-invalid' })]);
    expect((await verifyExport(foreign, { publicKey: loadPublicKey(keys.publicKeyPath), keepGoing: true })).problems[1]).toMatchObject({ kind: 'manifest-invalid', message: expect.stringMatching(/not a flightrec audit manifest/) });

    const unsigned = copy();
    unlinkSync(join(unsigned, 'manifest.sig'));
    expect(kinds(await check(unsigned))).toEqual(['signature-missing']);
  });

  it('an edited leaves file is caught by its signed hash, and the records are still checked whole', async () => {
    const dir = copy();
    const buf = readFileSync(join(dir, 'records-000002.leaves'));
    buf[40] = buf[40]! ^ 0xff;
    writeFileSync(join(dir, 'records-000002.leaves'), buf);
    const r = await check(dir);
    expect(kinds(r)).toEqual(['leaves-modified']);
  });

  it('all records rewritten consistently with new leaves still fails: the root is signed', async () => {
    const dir = copy();
    rmSync(join(dir, 'records-000001.leaves'));
    const ls = lines(dir, 'records-000001.jsonl');
    ls[0] = ls[0]!.replace('"verdict":"', '"verdict":"allow');
    writeLines(dir, 'records-000001.jsonl', ls);
    const r = await check(dir);
    expect(kinds(r)).toEqual(['file-modified', 'leaves-modified', 'root-mismatch']);
  });
});

describe('inclusion proofs', () => {
  it('a proof for any record verifies alone with the public key', () => {
    for (const [file, n] of [['records-000001.jsonl', 1], ['records-000003.jsonl', 57], ['records-000005.jsonl', 100]] as const) {
      const proof = makeProof(good, file, n);
      expect(proof.record).toBe(lines(good, file)[n - 1]);
      expect(proof.tree_size).toBe(500);
      const res = verifyProof(JSON.stringify(proof), loadPublicKey(keys.publicKeyPath));
      expect(res.problems).toEqual([]);
      expect(res.ok).toBe(true);
    }
  });

  it('a tampered proof is rejected, and says why', () => {
    const proof = makeProof(good, 'records-000002.jsonl', 10);
    const pub = loadPublicKey(keys.publicKeyPath);
    const tamper = (f: (p: typeof proof) => void): string[] => {
      const p = structuredClone(proof);
      f(p);
      const res = verifyProof(JSON.stringify(p), pub);
      expect(res.ok).toBe(false);
      return res.problems;
    };
    expect(tamper((p) => (p.record = p.record.replace('"v":1', '"v":2')))).toContainEqual(expect.stringMatching(/record modified/));
    expect(tamper((p) => (p.audit_path[2] = p.audit_path[2]!.replace(/^./, (c) => (c === '0' ? '1' : '0'))))).toContainEqual(expect.stringMatching(/audit path/));
    expect(tamper((p) => (p.leaf_index += 1))).toContainEqual(expect.stringMatching(/not leaf/));
    expect(tamper((p) => (p.root = '00'.repeat(32)))).toContainEqual(expect.stringMatching(/not the signed root/));
    expect(tamper((p) => {
      const m = JSON.parse(Buffer.from(p.manifest.bytes_base64, 'base64').toString());
      m.merkle.root = p.root = '11'.repeat(32);
      p.manifest.bytes_base64 = Buffer.from(canonicalJson(m)).toString('base64');
    })).toContainEqual(expect.stringMatching(/signature does not verify/));
    expect(verifyProof(JSON.stringify(proof), loadPublicKey(otherKeys.publicKeyPath)).problems).toContainEqual(expect.stringMatching(/signature does not verify/));
    expect(verifyProof('{"oops"', pub).problems).toEqual([expect.stringMatching(/not valid JSON/)]);
  });

  it('refuses to prove a record that was modified after export', () => {
    const dir = copy();
    const ls = lines(dir, 'records-000001.jsonl');
    ls[4] = ls[4]!.replace('"v":1', '"v":3');
    writeLines(dir, 'records-000001.jsonl', ls);
    expect(() => makeProof(dir, 'records-000001.jsonl', 5)).toThrow(/not the record that was signed/);
    expect(() => makeProof(dir, 'records-000009.jsonl', 1)).toThrow(/not a records file/);
  });
});
