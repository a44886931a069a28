/**
 * Audit export benchmark: export and verify N records (default 1 000 000), each in its own process
 * against an embedded store seeded with INSERT … SELECT FROM numbers(), and `sha256sum` over the
 * same record bytes in the same run — the hashing limit. Export hashes every byte twice (file
 * SHA-256 and the record's Merkle leaf), and so does verify, so one core cannot beat half of
 * sha256sum's records/s.
 *
 * Peak memory (max RSS of the child) is measured for N/10 and N records: it should not depend on N.
 *
 *   npx node bench/audit-export.ts            # 1 000 000 records (needs ~3 GB of disk in the temp dir)
 *   AUDIT_BENCH_RECORDS=200000 npx node bench/audit-export.ts
 *
 * Goals (issue 7): export >= 200 000 records/s, verify >= 400 000 records/s, peak memory
 * independent of the record count.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateKeys } from '../audit/keys.ts';
import { chTime } from '../cli/commands/export.ts';
import { startEmbeddedServer } from '../server/embedded-server.ts';
import { seedSpans, utcText } from '../test/support/audit-seed.ts';

const run = promisify(execFile);
const N = Number(process.env.AUDIT_BENCH_RECORDS ?? 1_000_000);
const SMALL = Math.round(N / 10);
const here = import.meta.dirname;

interface ExportStats { records: number; seconds: number; maxRssMB: number; peakHeapMB: number; bytes: number }
interface VerifyStats { ok: boolean; records: number; seconds: number; maxRssMB: number }

async function child<T>(script: string, args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, [join(here, '..', 'test', 'support', script), ...args], { maxBuffer: 1 << 20, timeout: 3_600_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

const tmp = mkdtempSync(join(tmpdir(), 'flightrec-audit-bench-'));
const server = await startEmbeddedServer({ dataDir: join(tmp, 'store'), otlpPort: 0, queryPort: 0 });
try {
  const base = new Date(Date.now() - 3_600_000);
  let t0 = performance.now();
  await seedSpans(server.client, { count: N, base: utcText(base), stepMs: 1 });
  console.log(`seeded ${N.toLocaleString('en')} spans in ${((performance.now() - t0) / 1000).toFixed(1)} s (load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`);
  const keys = generateKeys(join(tmp, 'keys'));
  const to = chTime(new Date(Date.now() + 60_000));

  const small = await child<ExportStats>('audit-export-child.ts', [server.queryUrl, join(tmp, 'small'), keys.privateKeyPath, chTime(base), chTime(new Date(base.getTime() + SMALL))]);
  const large = await child<ExportStats>('audit-export-child.ts', [server.queryUrl, join(tmp, 'large'), keys.privateKeyPath, '-', to]);
  const verifySmall = await child<VerifyStats>('audit-verify-child.ts', [join(tmp, 'small'), keys.publicKeyPath]);
  const verifyLarge = await child<VerifyStats>('audit-verify-child.ts', [join(tmp, 'large'), keys.publicKeyPath]);
  if (!verifyLarge.ok || !verifySmall.ok || large.records !== N || small.records !== SMALL) throw new Error(`bench run is wrong: ${JSON.stringify({ small, large, verifySmall, verifyLarge })}`);

  const files = readdirSync(join(tmp, 'large')).filter((f) => f.startsWith('records-') && !f.endsWith('.leaves'));
  t0 = performance.now();
  await run('sha256sum', files, { cwd: join(tmp, 'large'), maxBuffer: 1 << 24 });
  const shaSeconds = (performance.now() - t0) / 1000;

  const rate = (records: number, s: number): string => `${Math.round(records / s).toLocaleString('en')} records/s`;
  const mb = large.bytes / 2 ** 20;
  console.log(`\nrecords: ${N.toLocaleString('en')}, ${mb.toFixed(0)} MiB of JSON Lines (${(large.bytes / N).toFixed(0)} bytes a record)`);
  console.log(`export  ${large.seconds.toFixed(1).padStart(7)} s  ${rate(N, large.seconds)}   (goal 200,000)`);
  console.log(`verify  ${verifyLarge.seconds.toFixed(1).padStart(7)} s  ${rate(N, verifyLarge.seconds)}   (goal 400,000)`);
  console.log(`sha256sum over the same bytes ${shaSeconds.toFixed(1)} s  ${rate(N, shaSeconds)}, ${(mb / shaSeconds).toFixed(0)} MiB/s; hashing limit for export/verify (two passes): ${rate(N, 2 * shaSeconds)}`);
  console.log(`ratio to sha256sum: export ${(shaSeconds / large.seconds).toFixed(2)}, verify ${(shaSeconds / verifyLarge.seconds).toFixed(2)} (0.5 = at the two-pass hashing limit)`);
  console.log(`peak RSS export: ${small.maxRssMB.toFixed(0)} MiB for ${SMALL.toLocaleString('en')} records, ${large.maxRssMB.toFixed(0)} MiB for ${N.toLocaleString('en')} (peak V8 heap ${small.peakHeapMB.toFixed(0)} / ${large.peakHeapMB.toFixed(0)} MiB)`);
  console.log(`peak RSS verify: ${verifySmall.maxRssMB.toFixed(0)} MiB for ${SMALL.toLocaleString('en')} records, ${verifyLarge.maxRssMB.toFixed(0)} MiB for ${N.toLocaleString('en')}`);
  console.log(`load average at the end: ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`);
} finally {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
}
