/**
 * The exporter's reading of a store response, without a store: a stand-in client whose response
 * body arrives cut at arbitrary bytes (rows split across chunks, one byte at a time) must give the
 * same export as the whole body at once, and a body with a server error appended to it (what a
 * ClickHouse server does when a query fails mid-response) must fail the export, never become a record.
 */
import { randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, expect, it } from 'vitest';
import { generateKeys, loadPrivateKey } from '../audit/keys.ts';
import { runExport } from '../audit/run-export.ts';
import { tempDir } from '../tools/temp-dir.ts';

const tmp = tempDir('flightrec-audit-stream-');
afterAll(() => tmp.cleanup());
const keys = generateKeys(join(tmp.path, 'keys'));

const LINES = ['{"a":"x","v":"1"}', '{"a":"\u00e9t\u00e9","v":"1"}', '{"a":"\\u001F","v":"1"}', '{"b":"' + 'y'.repeat(5000) + '","v":"1"}'];

function fakeStore(body: Buffer, cut: (b: Buffer) => Buffer[]): ClickHouseClient {
  return {
    query: async () => ({ json: async () => [['2026-01-01 00:00:00.000000000', 't', 's']] }),
    exec: async () => ({ stream: Readable.from(cut(body)) }),
  } as unknown as ClickHouseClient;
}

const every = (n: number) => (b: Buffer): Buffer[] => Array.from({ length: Math.ceil(b.length / n) }, (_, i) => b.subarray(i * n, (i + 1) * n));

async function exportWith(name: string, body: Buffer, cut: (b: Buffer) => Buffer[]): Promise<string> {
  const dir = join(tmp.path, name);
  await runExport(fakeStore(body, cut), { outDir: dir, privateKey: loadPrivateKey(keys.privateKeyPath), contentKey: randomBytes(32), filters: { to: '2030-01-01 00:00:00' }, chunkRecords: 3 });
  return ['records-000001.jsonl', 'records-000002.jsonl', 'records-000001.leaves', 'records-000002.leaves'].map((f) => readFileSync(join(dir, f)).toString('hex')).join('|');
}

it('gives the same records and leaves whatever the response chunks, and re-canonicalises only the lines that need it', async () => {
  const body = Buffer.from(LINES.join('\n') + '\n');
  const whole = await exportWith('whole', body, (b) => [b]);
  expect(await exportWith('bytes', body, every(1))).toBe(whole);
  expect(await exportWith('sevens', body, every(7))).toBe(whole);
  const records = readFileSync(join(tmp.path, 'whole', 'records-000001.jsonl'), 'utf8').split('\n');
  expect(records.slice(0, 3)).toEqual(['{"a":"x","v":"1"}', '{"a":"été","v":"1"}', '{"a":"\\u001f","v":"1"}']);
});

it('fails on a server error appended to the body, and on a body that ends inside a row', async () => {
  const broken = Buffer.from(LINES[0] + '\nCode: 241. DB::Exception: Memory limit exceeded. (MEMORY_LIMIT_EXCEEDED)\n');
  await expect(exportWith('error', broken, every(16))).rejects.toThrow(/something other than a record: Code: 241/);
  await expect(exportWith('cut', Buffer.from(LINES[0] + '\n{"a":'), (b) => [b])).rejects.toThrow(/ends inside a row/);
});
