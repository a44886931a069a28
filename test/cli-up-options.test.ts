/**
 * `flightrec up`'s write-ahead-log settings from the environment: a bad value is refused before
 * anything starts, with the variable named; a good one is what the running server does (a segment
 * is inserted, and its file deleted, once it holds that many spans) and says at start-up.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { workloadBodies } from '../seed/agent-workload.ts';
import { runCli, startUp } from '../tools/run-cli.ts';
import { tempDir } from '../tools/temp-dir.ts';

const dirs: { cleanup: () => void }[] = [];
afterAll(() => dirs.forEach((d) => d.cleanup()));

function dataDir(): string {
  const d = tempDir();
  dirs.push(d);
  return d.path;
}

it.each([
  ['FLIGHTREC_WAL_BATCH_SPANS', 'lots'],
  ['FLIGHTREC_WAL_BATCH_SPANS', '0'],
  ['FLIGHTREC_WAL_BATCH_SPANS', '1.5'],
  ['FLIGHTREC_WAL_FLUSH_MS', '-5'],
])('refuses %s=%s before starting anything', async (name, value) => {
  const r = await runCli(['up', '--data-dir', dataDir(), '--otlp-port', '0', '--query-port', '0'], { env: { [name]: value } });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`${name} must be a whole number`);
  expect(r.stderr).toContain(JSON.stringify(value));
  expect(r.stdout).not.toContain('flightrec is up');
});

/** Start `flightrec up` on free ports with these environment variables. */
const startUpIn = (dir: string, env: NodeJS.ProcessEnv) => startUp(['--data-dir', dir, '--otlp-port', '0', '--query-port', '0'], { env });
const post = (otlpUrl: string, body: Uint8Array) => fetch(`${otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });

const segments = (dir: string): string[] => readdirSync(join(dir, 'flightrec-wal')).filter((f) => f.endsWith('.wal'));

it('inserts from the write-ahead log once a segment holds FLIGHTREC_WAL_BATCH_SPANS spans', async () => {
  const dir = dataDir();
  // No timed flush: only a full segment is inserted (and its file deleted) while nothing queries.
  const up = await startUpIn(dir, { FLIGHTREC_WAL_BATCH_SPANS: '500', FLIGHTREC_WAL_FLUSH_MS: '600000' });
  expect(up.output()).toContain('ingest wal, inserts of up to 500 spans');
  const [body] = workloadBodies(1, 512);
  const res = await post(up.otlpUrl, body!);
  expect(res.status).toBe(200);
  const deadline = Date.now() + 20_000;
  while (segments(dir).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(segments(dir)).toEqual([]);
  expect(await up.stop()).toBe(0);
}, 60_000);

it('keeps a segment open below FLIGHTREC_WAL_BATCH_SPANS (the default, 150,000)', async () => {
  const dir = dataDir();
  const up = await startUpIn(dir, { FLIGHTREC_WAL_FLUSH_MS: '600000' });
  expect(up.output()).toContain('ingest wal, inserts of up to 150,000 spans');
  const [body] = workloadBodies(1, 512);
  expect((await post(up.otlpUrl, body!)).status).toBe(200);
  await new Promise((r) => setTimeout(r, 1500));
  expect(segments(dir)).toHaveLength(1);
  expect(await up.stop()).toBe(0);
}, 60_000);
