/**
 * RFC 3161 anchoring: `export --tsa URL` keeps the authority's token over manifest.json as
 * manifest.tsr; `verify --tsa-cert` checks it offline against the authority's certificate — a local
 * test authority built with PKI.js, on 127.0.0.1 — and shows the authority's time.
 */
import { readFileSync, unlinkSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeys, loadPublicKey } from '../audit/keys.ts';
import { certificateFromPem } from '../audit/timestamp.ts';
import { verifyChain } from '../audit/verify-chain.ts';
import { verifyExport, type VerifyReport } from '../audit/verify-export.ts';
import { fakeExport, recordLines } from './support/audit-fake-export.ts';
import { runCli } from '../tools/run-cli.ts';
import { selfSignedTsaCertificate, startTestTsa, type TestTsa } from './support/test-tsa.ts';
import { tempDir } from '../tools/temp-dir.ts';

const tmp = tempDir('flightrec-tsa-');
let keys: ReturnType<typeof generateKeys>;
let tsa: TestTsa;
let n = 0;

beforeAll(async () => {
  keys = generateKeys(join(tmp.path, 'keys'));
  tsa = await startTestTsa();
  writeFileSync(join(tmp.path, 'tsa.pem'), tsa.certificatePem);
});
afterAll(async () => {
  await tsa?.close();
  tmp.cleanup();
});

const stamped = async (o: { previous?: string; from?: string; to?: string } = {}): Promise<string> =>
  (await fakeExport({ outDir: join(tmp.path, `e${++n}`), privateKeyPath: keys.privateKeyPath, lines: recordLines(7, `t${n}`), tsaUrl: tsa.url, ...o })).dir;
const check = (dir: string, certPem = tsa.certificatePem): Promise<VerifyReport> =>
  verifyExport(dir, { publicKey: loadPublicKey(keys.publicKeyPath), timestampCerts: [certificateFromPem(certPem)] });

describe('RFC 3161 timestamps', () => {
  it('an export made with --tsa verifies with the authority certificate, and shows its time', async () => {
    const before = tsa.count();
    const dir = await stamped();
    expect(tsa.count()).toBe(before + 1);
    const r = await check(dir);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(Math.abs(Date.parse(r.timestamp!.gen_time) - Date.now())).toBeLessThan(60_000);
    // Without --tsa-cert the token is not checked, and is not an unexpected file either.
    expect((await verifyExport(dir, { publicKey: loadPublicKey(keys.publicKeyPath) })).ok).toBe(true);
  });

  it('a token of another manifest, a garbled or missing token, and another authority are refused', async () => {
    const a = await stamped();
    const b = await stamped();
    cpSync(join(b, 'manifest.tsr'), join(a, 'manifest.tsr'));
    expect((await check(a)).problems).toEqual([expect.objectContaining({ kind: 'timestamp-invalid', message: expect.stringMatching(/TSTInfo verification/) })]);
    const garbled = await stamped();
    const tok = readFileSync(join(garbled, 'manifest.tsr'));
    tok[tok.length - 10]! ^= 0xff;
    writeFileSync(join(garbled, 'manifest.tsr'), tok);
    expect((await check(garbled)).problems.map((p) => p.kind)).toEqual(['timestamp-invalid']);
    const missing = await stamped();
    unlinkSync(join(missing, 'manifest.tsr'));
    expect((await check(missing)).problems.map((p) => p.kind)).toEqual(['timestamp-missing']);
    // A token by someone else's authority, their certificate enclosed, does not pass.
    const other = await selfSignedTsaCertificate('someone else');
    expect((await check(b, other.pem)).problems).toEqual([expect.objectContaining({ kind: 'timestamp-invalid', message: expect.stringMatching(/certificate/) })]);
  });

  it('an export backdated against the authority\'s clock is named', async () => {
    tsa.setTime(new Date(Date.now() + 3 * 3_600_000));
    try {
      const late = await stamped();
      expect((await check(late)).problems).toEqual([expect.objectContaining({ kind: 'timestamp-time', message: expect.stringMatching(/backdated, or held back/) })]);
    } finally {
      tsa.setTime(null);
    }
  });

  it('a chain with --tsa-cert needs every export stamped; the CLI shows the time', async () => {
    const a = await stamped({ from: '2026-11-01 00:00:00.000000000', to: '2026-11-02 00:00:00.000000000' });
    const b = await stamped({ from: '2026-11-02 00:00:00.000000000', to: '2026-11-03 00:00:00.000000000', previous: a });
    const pub = loadPublicKey(keys.publicKeyPath);
    const cert = certificateFromPem(tsa.certificatePem);
    expect((await verifyChain([a, b], { publicKey: pub, timestampCerts: [cert] })).ok).toBe(true);
    unlinkSync(join(b, 'manifest.tsr'));
    expect((await verifyChain([a, b], { publicKey: pub, timestampCerts: [cert] })).ok).toBe(false);
    const cli = await runCli(['verify', a, '--key', keys.publicKeyPath, '--tsa-cert', join(tmp.path, 'tsa.pem')]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/timestamped by the authority at \d{4}-\d\d-\d\dT/);
    expect((await runCli(['verify', a, '--key', keys.publicKeyPath, '--tsa-cert', join(tmp.path, 'nope.pem')])).code).toBe(2);
  });
});
