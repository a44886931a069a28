/**
 * Audit export benchmark: export and verify N records (default 1 000 000), each in its own process
 * against an embedded store seeded with INSERT … SELECT FROM numbers(), and `sha256sum` over the
 * same record bytes in the same run, as the issue asks. Export hashes every byte twice (file
 * SHA-256 and the record's Merkle leaf), and so does verify. The hashing limit is node:crypto's
 * (OpenSSL), also timed over the same files here: on a CPU with SHA extensions it is several times
 * coreutils' sha256sum, which does not use them.
 *
 * Peak memory (max RSS of the child) is measured for N/10 and N records: it should not depend on N.
 *
 *   npx node bench/audit-export.ts            # 1 000 000 records (needs ~3 GB of disk in the temp dir)
 *   AUDIT_BENCH_RECORDS=200000 npx node bench/audit-export.ts
 *   AUDIT_BENCH_BASELINE=../main npx node bench/audit-export.ts   # also another checkout's export and verify, same data
 *
 * Goals (issue 7): export >= 200 000 records/s, verify >= 400 000 records/s, peak memory
 * independent of the record count.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
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

/** Another checkout (AUDIT_BENCH_BASELINE=DIR, e.g. `git worktree add DIR main`): its export and verify run too, on the same data. */
const BASELINE = process.env.AUDIT_BENCH_BASELINE;

async function child<T>(script: string, args: string[], tree: string = join(here, '..')): Promise<T> {
  const { stdout } = await run(process.execPath, [join(tree, 'test', 'support', script), ...args], { maxBuffer: 1 << 20, timeout: 3_600_000 });
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
  t0 = performance.now();
  for (const f of files) {
    const h = createHash('sha256');
    for await (const chunk of createReadStream(join(tmp, 'large', f), { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
    h.digest();
  }
  const nodeShaSeconds = (performance.now() - t0) / 1000;

  const rate = (records: number, s: number): string => `${Math.round(records / s).toLocaleString('en')} records/s`;
  if (BASELINE) {
    // Same store, same key, same range: the baseline's export, then its verify of its own export.
    const loadBefore = loadavg()[0]!.toFixed(1);
    const bExport = await child<ExportStats>('audit-export-child.ts', [server.queryUrl, join(tmp, 'baseline'), keys.privateKeyPath, '-', to], BASELINE);
    const bVerify = await child<VerifyStats>('audit-verify-child.ts', [join(tmp, 'baseline'), keys.publicKeyPath], BASELINE);
    if (!bVerify.ok || bExport.records !== N) throw new Error(`baseline run is wrong: ${JSON.stringify({ bExport, bVerify })}`);
    console.log(`\nbaseline ${BASELINE} (load ${loadBefore} → ${loadavg()[0]!.toFixed(1)}): export ${bExport.seconds.toFixed(1)} s ${rate(N, bExport.seconds)}, peak RSS ${bExport.maxRssMB.toFixed(0)} MiB; verify ${bVerify.seconds.toFixed(1)} s ${rate(N, bVerify.seconds)}, peak RSS ${bVerify.maxRssMB.toFixed(0)} MiB`);
  }
  const mb = large.bytes / 2 ** 20;
  console.log(`\nrecords: ${N.toLocaleString('en')}, ${mb.toFixed(0)} MiB of JSON Lines (${(large.bytes / N).toFixed(0)} bytes a record)`);
  console.log(`export  ${large.seconds.toFixed(1).padStart(7)} s  ${rate(N, large.seconds)}   (goal 200,000)`);
  console.log(`verify  ${verifyLarge.seconds.toFixed(1).padStart(7)} s  ${rate(N, verifyLarge.seconds)}   (goal 400,000)`);
  console.log(`sha256sum over the same bytes ${shaSeconds.toFixed(1)} s  ${rate(N, shaSeconds)}, ${(mb / shaSeconds).toFixed(0)} MiB/s`);
  console.log(`node:crypto SHA-256 over the same bytes (one core, file reads included) ${nodeShaSeconds.toFixed(1)} s  ${rate(N, nodeShaSeconds)}, ${(mb / nodeShaSeconds).toFixed(0)} MiB/s; two passes on one core: ${rate(N, 2 * nodeShaSeconds)}`);
  console.log(`ratio to sha256sum: export ${(shaSeconds / large.seconds).toFixed(2)}, verify ${(shaSeconds / verifyLarge.seconds).toFixed(2)}`);
  console.log(`peak RSS export: ${small.maxRssMB.toFixed(0)} MiB for ${SMALL.toLocaleString('en')} records, ${large.maxRssMB.toFixed(0)} MiB for ${N.toLocaleString('en')} (peak V8 heap ${small.peakHeapMB.toFixed(0)} / ${large.peakHeapMB.toFixed(0)} MiB)`);
  console.log(`peak RSS verify: ${verifySmall.maxRssMB.toFixed(0)} MiB for ${SMALL.toLocaleString('en')} records, ${verifyLarge.maxRssMB.toFixed(0)} MiB for ${N.toLocaleString('en')}`);
  console.log(`load average at the end: ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`);
} finally {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
}
