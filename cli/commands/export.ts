import { parseArgs } from 'node:util';
import { CONTENT_MODES, type ContentMode } from '../../audit/audit-record.ts';
import type { ExportFilters } from '../../audit/export-query.ts';
import { ContentKeyError, contentKeyPathIn, loadContentKey } from '../../audit/content-key.ts';
import { KeyError, loadPrivateKey } from '../../audit/keys.ts';
import { TimestampError } from '../../audit/timestamp.ts';
import { ManifestError } from '../../audit/manifest.ts';
import { RECORD_FORMATS, type RecordFormat } from '../../audit/record-format.ts';
import { ExportError, runExport } from '../../audit/run-export.ts';
import { Effects, RecordKind, Risks } from '../../instrumentation/semconv.ts';
import { connect, connectionOptions, DEFAULT_DATA_DIR } from '../connect.ts';
import { existsSync } from 'node:fs';
import { UsageError, type Command } from '../command.ts';

/** A JS Date → the UTC DateTime64(9) text ClickHouse parses for a `DateTime64(9, 'UTC')` parameter. */
export function chTime(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '') + '000000';
}

function parseTime(v: string, flag: string): Date {
  const d = new Date(/^\d+$/.test(v) ? Number(v) : v);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${flag} must be a date and time (ISO 8601, e.g. 2026-01-31T12:00:00Z), got ${JSON.stringify(v)}`);
  return d;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseSince(v: string): number {
  const m = /^(\d+)\s*([smhd])$/.exec(v.trim());
  if (!m) throw new UsageError(`--since takes a duration like 90m, 24h or 7d, got ${JSON.stringify(v)}`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

function oneOf<T extends string>(values: readonly string[] | undefined, allowed: readonly T[], flag: string): T[] | undefined {
  if (!values || values.length === 0) return undefined;
  for (const v of values) if (!allowed.includes(v as T)) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return values as T[];
}

function positive(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${flag} must be a whole number >= 1, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * The content-hash key: --content-key PATH, else audit-content.key in the store's data directory
 * (--data-dir, or the default one `flightrec up` uses), created there on first use.
 */
function contentKeyFor(path: string | undefined, dataDir: string | undefined): Buffer {
  try {
    if (path) return loadContentKey(path);
    const dir = dataDir ?? DEFAULT_DATA_DIR;
    if (!existsSync(dir)) throw new UsageError(`--content hashes needs the store's content-hash key: give --content-key PATH, or --data-dir DIR (its ${contentKeyPathIn('DIR')})`);
    return loadContentKey(contentKeyPathIn(dir), { create: true });
  } catch (err) {
    if (err instanceof ContentKeyError) throw new UsageError(err.message);
    throw err;
  }
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'write a signed, tamper-evident audit export (records + Merkle root + Ed25519-signed manifest)',
  usage:
    'flightrec export --out DIR --key PRIVATE.pem [--from T] [--to T] [--since 24h] [--session S] [--agent A] ' +
    '[--record saw|decided|touched …] [--effect E …] [--risk R …] [--format jsonl|csv|ocsf] [--content hashes|as-stored] ' +
    '[--content-key PATH] [--chain PREVIOUS/manifest.json] [--anchor-log PATH] [--tsa URL] [--chunk-records 100000] [--url URL | --data-dir DIR]',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        key: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        since: { type: 'string' },
        session: { type: 'string' },
        agent: { type: 'string' },
        record: { type: 'string', multiple: true },
        effect: { type: 'string', multiple: true },
        risk: { type: 'string', multiple: true },
        format: { type: 'string' },
        content: { type: 'string' },
        chain: { type: 'string' },
        'content-key': { type: 'string' },
        'anchor-log': { type: 'string' },
        tsa: { type: 'string' },
        'chunk-records': { type: 'string' },
        'page-size': { type: 'string' },
        ...connectionOptions,
      },
    });
    if (!values.out) throw new UsageError('--out DIR is required (a new or empty directory)');
    if (!values.key) throw new UsageError('--key PRIVATE.pem is required (create one with `flightrec keys --out DIR`)');
    if (values.since && values.from) throw new UsageError('give --since or --from, not both');
    const format = (values.format ?? 'jsonl') as RecordFormat;
    if (!RECORD_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${RECORD_FORMATS.join(', ')}, got ${JSON.stringify(values.format)}`);
    const content = (values.content ?? 'hashes') as ContentMode;
    if (!CONTENT_MODES.includes(content)) throw new UsageError(`--content must be one of ${CONTENT_MODES.join(', ')}, got ${JSON.stringify(values.content)}`);

    const now = new Date();
    const to = values.to ? parseTime(values.to, 'to') : now;
    const from = values.since ? new Date(to.getTime() - parseSince(values.since)) : values.from ? parseTime(values.from, 'from') : undefined;
    if (from && from >= to) throw new UsageError(`the time range is empty: from ${from.toISOString()} is not before to ${to.toISOString()}`);
    const filters: ExportFilters = {
      from: from ? chTime(from) : undefined,
      to: chTime(to),
      session: values.session,
      agent: values.agent,
      record: oneOf(values.record, Object.values(RecordKind), 'record'),
      effect: oneOf(values.effect, Effects, 'effect'),
      risk: oneOf(values.risk, Risks, 'risk'),
    };
    const filterFlags: Record<string, string | string[]> = {};
    for (const k of ['from', 'to', 'since', 'session', 'agent', 'record', 'effect', 'risk'] as const) {
      const v = values[k];
      if (v !== undefined) filterFlags[k] = v;
    }

    let privateKey;
    try {
      privateKey = loadPrivateKey(values.key);
    } catch (err) {
      if (err instanceof KeyError) throw new UsageError(err.message);
      throw err;
    }
    const contentKey = content === 'hashes' ? contentKeyFor(values['content-key'], values['data-dir']) : undefined;
    const client = await connect(values);
    const tty = process.stderr.isTTY;
    try {
      const result = await runExport(client, {
        outDir: values.out,
        privateKey,
        filters,
        filterFlags,
        format,
        content,
        contentKey,
        anchorLog: values['anchor-log'],
        tsaUrl: values.tsa,
        chunkRecords: positive(values['chunk-records'], 'chunk-records'),
        pageSize: positive(values['page-size'], 'page-size'),
        previous: values.chain,
        onProgress: tty ? (n) => process.stderr.write(`\rexported ${n.toLocaleString('en')} records…`) : undefined,
      });
      if (tty) process.stderr.write('\n');
      console.log(`exported ${result.records} records in ${result.files} file(s) to ${result.dir}`);
      console.log(`merkle root ${result.root}${result.manifest.previous ? ` (chained to ${result.manifest.previous.root})` : ''}`);
      console.log(`signed by ${result.manifest.signer.public_key_fingerprint}; check with: flightrec verify ${result.dir} --key PUBLIC.pem`);
    } catch (err) {
      if (err instanceof ExportError || err instanceof ManifestError || err instanceof TimestampError) throw new UsageError(err.message);
      throw err;
    } finally {
      await client.close();
    }
    return 0;
  },
};
