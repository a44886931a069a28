/**
 * The export with the store in this process, where the engine writes each page into a hidden
 * `.page-N.part` file in the export directory (audit/store-written-chunk.ts): something placed at
 * that name while the export runs — a file, or a symbolic link to a file elsewhere, existing or not
 * — makes the export fail with one line, and nothing is written through it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeys, loadPrivateKey } from '../audit/keys.ts';
import { runExport } from '../audit/run-export.ts';
import { chTime } from '../cli/commands/export.ts';
import { insertFixture } from './support/audit-fixtures.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { tempDir } from '../tools/temp-dir.ts';

let t: TestServer;
const tmp = tempDir('flightrec-direct-hostile-');
let keys: ReturnType<typeof generateKeys>;

beforeAll(async () => {
  t = await startTestServer();
  await insertFixture(t.server.client);
  keys = generateKeys(join(tmp.path, 'keys'));
});
afterAll(async () => {
  await t?.stop();
  tmp.cleanup();
});

/** Exports in pages of one row; after the first page, `plant` puts something at the third page's part name (not yet asked of the store). */
function exportPlanting(name: string, plant: (partPath: string) => void) {
  const outDir = join(tmp.path, name);
  let planted = false;
  return runExport(t.server.client, {
    outDir,
    privateKey: loadPrivateKey(keys.privateKeyPath),
    contentKey: randomBytes(32),
    filters: { to: chTime(new Date(Date.now() + 60_000)) },
    chunkRecords: 1,
    onProgress: () => {
      if (planted) return;
      planted = true;
      plant(join(outDir, '.page-000003.part'));
    },
  });
}

describe('export with the store in this process, against a hostile export directory', () => {
  it('a file planted at a page\'s name: the export fails with one line and the file is left as it was', async () => {
    let planted = '';
    const err = await exportPlanting('file', (p) => writeFileSync((planted = p), 'planted')).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(`${planted} appeared in the export directory while the export ran; the store writes only new files, so the export stopped`);
    expect(readFileSync(planted, 'utf8')).toBe('planted');
  });

  it('a symbolic link to a file elsewhere: never written through', async () => {
    const victim = join(tmp.path, 'victim.txt');
    writeFileSync(victim, 'victim');
    const err = await exportPlanting('link', (p) => symlinkSync(victim, p)).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/appeared in the export directory while the export ran/);
    expect(readFileSync(victim, 'utf8')).toBe('victim');
  });

  it('a dangling symbolic link: its target is not created', async () => {
    const victim = join(tmp.path, 'not-there.txt');
    const err = await exportPlanting('dangling', (p) => symlinkSync(victim, p)).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/appeared in the export directory while the export ran/);
    expect(existsSync(victim)).toBe(false);
  });

  it('the store still answers afterwards', async () => {
    const rows = await (await t.server.client.query({ query: 'SELECT count() AS n FROM flightrec_spans', format: 'JSONEachRow' })).json<{ n: string }>();
    expect(Number(rows[0]!.n)).toBeGreaterThan(2);
  });
});
