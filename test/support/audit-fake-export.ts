/**
 * Genuine signed exports without a store: runExport against a stand-in client whose pages are
 * ready-made record lines (as the store formats them), for the verifier's tests.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { loadPrivateKey } from '../../audit/keys.ts';
import { runExport, type ExportResult } from '../../audit/run-export.ts';

export function fakeStore(lines: readonly string[]): ClickHouseClient {
  const body = Buffer.from(lines.map((l) => l + '\n').join(''));
  return {
    query: async () => ({ json: async () => (lines.length ? [['2026-01-01 00:00:00.000000000', 't', 's']] : []) }),
    exec: async () => ({ stream: Readable.from([body]) }),
  } as unknown as ClickHouseClient;
}

export function recordLines(count: number, tag = 'r'): string[] {
  return Array.from({ length: count }, (_, i) => `{"n":${i},"tag":"${tag}","v":"1"}`);
}

export interface FakeExportOptions {
  outDir: string;
  privateKeyPath: string;
  lines: readonly string[];
  chunkRecords?: number;
  from?: string;
  to?: string;
  previous?: string;
  now?: Date;
  session?: string;
  anchorLog?: string;
  tsaUrl?: string;
}

export function fakeExport(o: FakeExportOptions): Promise<ExportResult> {
  return runExport(fakeStore(o.lines), {
    outDir: o.outDir,
    privateKey: loadPrivateKey(o.privateKeyPath),
    contentKey: randomBytes(32),
    filters: { from: o.from, to: o.to ?? '2030-01-01 00:00:00.000000000', session: o.session },
    filterFlags: {},
    chunkRecords: o.chunkRecords ?? 10,
    previous: o.previous,
    anchorLog: o.anchorLog,
    tsaUrl: o.tsaUrl,
    now: o.now ? () => o.now! : undefined,
  });
}
