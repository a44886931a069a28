/**
 * Runs one audit export in its own process and prints its memory use as JSON on stdout:
 * peak RSS (VmHWM, see peak-rss.ts) and peak V8 heap (sampled).
 * Used by the bounded-memory test and the benchmark.
 *
 * usage: node audit-export-child.ts URL|DATA_DIR OUT_DIR PRIVATE_KEY FROM_CH_TIME|- TO_CH_TIME [PAGE_SIZE]
 * (a data directory, not an http:// URL: the store opened in this process, as `--data-dir` does)
 */
import { randomBytes } from 'node:crypto';
import { createClient, ClickHouseLogLevel } from '@clickhouse/client';
import { openStore } from '../../storage/store-client.ts';
import { loadPrivateKey } from '../../audit/keys.ts';
import { runExport } from '../../audit/run-export.ts';
import { peakRssMB } from './peak-rss.ts';

const [url, outDir, key, from, to, pageSize] = process.argv.slice(2);
let peakHeap = 0;
let peakExternal = 0;
const sample = (): void => {
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakExternal = Math.max(peakExternal, m.external);
};
const timer = setInterval(sample, 10);
const client = /^https?:/.test(url!)
  ? createClient({ url: url!, database: 'otel', log: { level: ClickHouseLogLevel.OFF }, request_timeout: 600_000 })
  : await openStore({ kind: 'embedded', path: url! });
const started = performance.now();
const result = await runExport(client, {
  outDir: outDir!,
  privateKey: loadPrivateKey(key!),
  contentKey: randomBytes(32),
  filters: { from: from === '-' ? undefined : from, to: to! },
  pageSize: pageSize ? Number(pageSize) : undefined,
  prefetch: process.env.AUDIT_EXPORT_PREFETCH ? Number(process.env.AUDIT_EXPORT_PREFETCH) : undefined,
  // `never`: every page over the socket even from a server on this host (the bench's side-by-side).
  serverFiles: process.env.AUDIT_EXPORT_SERVER_FILES === 'never' ? 'never' : 'auto',
  onProgress: sample,
});
const seconds = (performance.now() - started) / 1000;
clearInterval(timer);
sample();
await client.close();
process.stdout.write(JSON.stringify({
  records: result.records,
  seconds,
  maxRssMB: peakRssMB(),
  peakHeapMB: peakHeap / 2 ** 20,
  peakExternalMB: peakExternal / 2 ** 20,
  bytes: result.manifest.files.reduce((n, f) => n + f.bytes, 0),
}) + '\n');
