/**
 * A large export streams in bounded memory: the same export code run in a child process for
 * 10 000 and for 100 000 records, reading through the embedded server's HTTP interface, with V8's
 * heap capped at 48 MiB. Ten times the records must not mean anywhere near ten times the memory.
 * (Memory, not time, is asserted.)
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateKeys } from '../audit/keys.ts';
import { chTime } from '../cli/commands/export.ts';
import { seedSpans, utcText } from '../seed/audit.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { tempDir } from '../tools/temp-dir.ts';

let t: TestServer;
const tmp = tempDir('flightrec-audit-mem-');
const base = new Date(Date.now() - 3_600_000);
const SMALL = 10_000;
const LARGE = 100_000;
const HEAP_CAP_MB = 48;

beforeAll(async () => {
  t = await startTestServer();
  await seedSpans(t.server.client, { count: LARGE, base: utcText(base), stepMs: 1 });
}, 120_000);
afterAll(async () => {
  await t?.stop();
  tmp.cleanup();
});

interface ChildResult {
  records: number;
  seconds: number;
  maxRssMB: number;
  peakHeapMB: number;
  bytes: number;
}

// Asynchronous on purpose: the server that answers the child's queries runs in this process.
async function exportInChild(name: string, from: Date | null, to: Date, key: string): Promise<ChildResult> {
  const child = join(import.meta.dirname, 'support', 'audit-export-child.ts');
  // A 48 MiB cap on V8's old generation: an export that held its records would die here long
  // before the large one (over 120 MB of records) finished.
  const { stdout: out } = await promisify(execFile)(process.execPath, [`--max-old-space-size=${HEAP_CAP_MB}`, child, t.server.queryUrl, join(tmp.path, name), key, from ? chTime(from) : '-', chTime(to), '10000'], {
    encoding: 'utf8',
    timeout: 240_000,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as ChildResult;
}

it('peak memory does not grow with the number of records exported', async () => {
  const { privateKeyPath } = generateKeys(join(tmp.path, 'keys'));
  const small = await exportInChild('small', base, new Date(base.getTime() + SMALL), privateKeyPath);
  const large = await exportInChild('large', null, new Date(Date.now() + 60_000), privateKeyPath);
  console.log(JSON.stringify({ small, large }));
  expect(small.records).toBe(SMALL);
  expect(large.records).toBe(LARGE);
  const largeMB = large.bytes / 2 ** 20;
  expect(largeMB).toBeGreaterThan(2 * HEAP_CAP_MB); // far more than the heap it was allowed
  // Held whole, the large export would add ~largeMB of strings (more as UTF-16) over the small one.
  expect(large.maxRssMB - small.maxRssMB).toBeLessThan(largeMB * 0.5);
  expect(large.peakHeapMB).toBeLessThan(HEAP_CAP_MB + 32); // old-space cap plus the young generation
}, 300_000);
