/**
 * RFC 3161 anchoring: `export --tsa URL` keeps the authority's token over manifest.json as
 * manifest.tsr; `verify --tsa-cert` checks it offline against the authority's certificate — a local
 * test authority built with PKI.js, on 127.0.0.1 — and shows the authority's time.
 */
import { readFileSync, unlinkSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeys, loadPublicKey } from '../audit/keys.ts';
import { certificateFromPem, certificatesFromPem, crlsFromFile } from '../audit/timestamp.ts';
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

describe('RFC 3161 signing-certificate attribute (ESSCertID / ESSCertIDv2)', () => {
  it('a token must name, in its signed attributes, the certificate that signed it', async () => {
    try {
      for (const mode of [{ version: 2 as const }, { version: 1 as const }, { version: 2 as const, withIssuerSerial: true }, { version: 1 as const, withIssuerSerial: true }]) {
        tsa.setEss(mode);
        expect((await check(await stamped())).problems, JSON.stringify(mode)).toEqual([]);
      }
      // Naming another certificate (here another authority's): refused, though the signature and chain hold.
      const other = await selfSignedTsaCertificate('someone else');
      for (const version of [1, 2] as const) {
        tsa.setEss({ version, cert: other.cert });
        expect((await check(await stamped())).problems).toEqual([expect.objectContaining({ kind: 'timestamp-invalid', message: expect.stringMatching(/names another certificate than the one that signed it/) })]);
      }
      tsa.setEss('none');
      expect((await check(await stamped())).problems).toEqual([expect.objectContaining({ kind: 'timestamp-invalid', message: expect.stringMatching(/no signing-certificate attribute/) })]);
    } finally {
      tsa.setEss(null);
    }
  });
});

describe('RFC 3161 revocation of the authority certificate (CRL, offline)', () => {
  let caTsa: TestTsa;
  let trusted: ReturnType<typeof certificatesFromPem>;
  beforeAll(async () => {
    caTsa = await startTestTsa({ ca: true });
    trusted = certificatesFromPem(caTsa.certificatePem + caTsa.anchorPem);
  });
  afterAll(async () => {
    await caTsa?.close();
  });
  const stampedByCa = async (): Promise<string> =>
    (await fakeExport({ outDir: join(tmp.path, `c${++n}`), privateKeyPath: keys.privateKeyPath, lines: recordLines(5, `c${n}`), tsaUrl: caTsa.url })).dir;
  const checkCrl = async (dir: string, crlPem: string | null, certs = trusted): Promise<VerifyReport> =>
    verifyExport(dir, { publicKey: loadPublicKey(keys.publicKeyPath), timestampCerts: certs, ...(crlPem !== null && { timestampCrls: crlsFromFile(Buffer.from(crlPem)) }) });
  const kinds = (r: VerifyReport): string[] => r.problems.map((p) => `${p.kind}: ${p.message}`);

  it('a token by a certificate revoked before its time is refused; revoked after it (not for a compromise) it holds', async () => {
    const dir = await stampedByCa();
    const later = new Date(Date.now() + 1000);
    // The CA's certificate alone is a trust anchor too (the token encloses the authority's).
    expect((await checkCrl(dir, null, [certificateFromPem(caTsa.anchorPem)])).ok).toBe(true);
    expect((await checkCrl(dir, await caTsa.crl({ thisUpdate: later }))).problems).toEqual([]);
    const revokedBefore = await caTsa.crl({ revokedAt: new Date(Date.now() - 3_600_000), thisUpdate: later });
    expect(kinds(await checkCrl(dir, revokedBefore))).toEqual([expect.stringMatching(/^timestamp-revoked: .*revoked at .*, before the token's time/)]);
    // Revoked after the token's time, reason superseded (4): the token stands.
    const afterSuperseded = await caTsa.crl({ revokedAt: new Date(Date.now() + 3_600_000), reason: 4, thisUpdate: new Date(Date.now() + 3_600_000) });
    expect((await checkCrl(dir, afterSuperseded)).problems).toEqual([]);
    // Revoked after it for keyCompromise (1): whoever has the key can backdate, so no token by it proves a time.
    const afterCompromise = await caTsa.crl({ revokedAt: new Date(Date.now() + 3_600_000), reason: 1, thisUpdate: new Date(Date.now() + 3_600_000) });
    expect(kinds(await checkCrl(dir, afterCompromise))).toEqual([expect.stringMatching(/^timestamp-revoked: .*keyCompromise.*backdated/)]);
  });

  it('a CRL that cannot tell is not taken as "not revoked": another signer, issued before the token; a chain short of its root', async () => {
    const dir = await stampedByCa();
    const later = new Date(Date.now() + 1000);
    expect(kinds(await checkCrl(dir, await caTsa.crl({ thisUpdate: later, signedBy: 'stranger', revokedAt: undefined })))).toEqual([expect.stringMatching(/^timestamp-invalid: .*no CRL given is signed by the authority certificate's issuer/)]);
    expect(kinds(await checkCrl(dir, await caTsa.crl({ thisUpdate: new Date(Date.now() - 60_000) })))).toEqual([expect.stringMatching(/^timestamp-invalid: .*issued before the token's time/)]);
    // A CA-issued authority certificate alone is no trust anchor: the chain must reach a root given.
    expect(kinds(await checkCrl(dir, await caTsa.crl({ thisUpdate: later }), [certificateFromPem(caTsa.certificatePem)]))).toEqual([expect.stringMatching(/^timestamp-invalid: .*Validation of signer's certificate failed/)]);
  });

  it('the CLI: --tsa-crl (PEM or DER) with --tsa-cert holding the authority and its issuer', async () => {
    const dir = await stampedByCa();
    const certs = join(tmp.path, 'ca-tsa.pem');
    writeFileSync(certs, caTsa.certificatePem + caTsa.anchorPem);
    const good = join(tmp.path, 'good.crl');
    const goodPem = await caTsa.crl({ thisUpdate: new Date(Date.now() + 1000) });
    writeFileSync(good, Buffer.from(goodPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64')); // DER
    const revoked = join(tmp.path, 'revoked.crl');
    writeFileSync(revoked, await caTsa.crl({ revokedAt: new Date(Date.now() - 60_000), thisUpdate: new Date(Date.now() + 1000) }));
    expect((await runCli(['verify', dir, '--key', keys.publicKeyPath, '--tsa-cert', certs, '--tsa-crl', good])).code).toBe(0);
    const bad = await runCli(['verify', dir, '--key', keys.publicKeyPath, '--tsa-cert', certs, '--tsa-crl', good, '--tsa-crl', revoked]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/timestamp-revoked/);
    expect((await runCli(['verify', dir, '--key', keys.publicKeyPath, '--tsa-crl', good])).code).toBe(2);
    expect((await runCli(['verify', dir, '--key', keys.publicKeyPath, '--tsa-cert', certs, '--tsa-crl', certs])).code).toBe(2);
  });
});
