/**
 * `flightrec export`: stream the selected spans out of ClickHouse page by page, write them as
 * chunk files with their leaf hashes, and sign a manifest over the lot.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { createHash, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rowFromCompact, toAuditRecord, type ContentMode } from './audit-record.ts';
import { canonicalJson, type CanonicalValue } from './canonical-json.ts';
import { needsRecanonicalising, recordLineSql } from './jsonl-sql.ts';
import { ChunkWriter } from './chunk-writer.ts';
import { baseQuery, boundariesQuery, EXPORT_COLUMNS, pageQuery, type ExportFilters, type SortKey } from './export-query.ts';
import { fingerprint, publicKeyOf, signBytes } from './keys.ts';
import { MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_VERSION, SIGNATURE_FILE, manifestAsCanonical, parseManifest, type Manifest, type ManifestFile, type PreviousExport } from './manifest.ts';
import { MerkleAccumulator } from './merkle.ts';
import { encoderFor, FILE_EXTENSIONS, type RecordFormat } from './record-formats.ts';
import { TOOL_VERSION } from './tool-version.ts';

export class ExportError extends Error {}

export interface ExportOptions {
  outDir: string;
  privateKey: KeyObject;
  filters: ExportFilters;
  /** The filters as the user gave them, recorded in the manifest. */
  filterFlags?: Record<string, string | string[]>;
  format?: RecordFormat;
  content?: ContentMode;
  /** Records per chunk file. */
  chunkRecords?: number;
  /** Rows per query page. */
  pageSize?: number;
  /** The previous export's manifest.json (or its directory), to chain to. */
  previous?: string;
  onProgress?: (records: number) => void;
  /**
   * Who formats JSON Lines records: the store (ClickHouse builds each line; the default) or this
   * process. Both give the same bytes; CSV and OCSF are always formatted here.
   */
  jsonlEngine?: 'store' | 'process';
  now?: () => Date;
}

export interface ExportResult {
  dir: string;
  records: number;
  files: number;
  root: string;
  manifest: Manifest;
}

export const DEFAULT_CHUNK_RECORDS = 100_000;
export const DEFAULT_PAGE_SIZE = 50_000;

export function readPrevious(path: string): PreviousExport {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, MANIFEST_FILE) : path;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new ExportError(`cannot read the previous manifest ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const prev = parseManifest(bytes);
  return {
    manifest_sha256: createHash('sha256').update(bytes).digest('hex'),
    root: prev.merkle.root,
    tree_size: prev.merkle.tree_size,
    created_at: prev.created_at,
    time_to: prev.time_range.to,
  };
}

async function readBoundaries(client: ClickHouseClient, filters: ExportFilters, pageSize: number): Promise<SortKey[]> {
  const q = boundariesQuery(filters, pageSize);
  const rows = await (await client.query({ query: q.sql, query_params: q.params, format: 'JSONCompactEachRow' })).json<[string, string, string]>();
  return rows.map((r) => [r[0], r[1], r[2]] as const);
}

function prepareDir(dir: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new ExportError(`${dir} exists and is not a directory`);
    if (readdirSync(dir).length > 0) throw new ExportError(`${dir} is not empty; an export goes into a new or empty directory`);
  }
  mkdirSync(dir, { recursive: true });
}

export async function runExport(client: ClickHouseClient, opts: ExportOptions): Promise<ExportResult> {
  const format = opts.format ?? 'jsonl';
  const content = opts.content ?? 'hashes';
  const chunkRecords = opts.chunkRecords ?? DEFAULT_CHUNK_RECORDS;
  const pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(chunkRecords) || chunkRecords < 1) throw new ExportError(`chunk size must be a positive whole number, got ${chunkRecords}`);
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new ExportError(`page size must be a positive whole number, got ${pageSize}`);
  const previous = opts.previous ? readPrevious(opts.previous) : null;
  const publicKey = publicKeyOf(opts.privateKey);
  prepareDir(opts.outDir);

  const encoder = encoderFor(format, TOOL_VERSION);
  const ext = FILE_EXTENSIONS[format];
  const tree = new MerkleAccumulator();
  const files: ManifestFile[] = [];
  let writer: ChunkWriter | null = null;
  const nextWriter = (): ChunkWriter => {
    const n = String(files.length + 1).padStart(6, '0');
    return new ChunkWriter(opts.outDir, `records-${n}.${ext}`, `records-${n}.leaves`, tree.size, chunkRecords, encoder.header);
  };

  const boundaries = await readBoundaries(client, opts.filters, pageSize);
  const storeFormats = format === 'jsonl' && (opts.jsonlEngine ?? 'store') === 'store';
  const fetchPage = (i: number) => {
    const q = pageQuery(opts.filters, boundaries[i]!, boundaries[i + 1] ?? null, storeFormats ? `${recordLineSql(content)} AS line` : undefined);
    return client.query({ query: q.sql, query_params: q.params, format: storeFormats ? 'TabSeparatedRaw' : 'JSONCompactEachRow' });
  };
  const add = (record: string): void => {
    writer ??= nextWriter();
    tree.push(writer.add(record));
    if (writer.count >= chunkRecords) {
      files.push(writer.close());
      writer = null;
    }
  };
  // One page ahead: the store formats page i+1 while this process writes page i.
  let next = boundaries.length > 0 ? fetchPage(0) : null;
  for (let i = 0; next; i++) {
    const result = await next;
    next = i + 1 < boundaries.length ? fetchPage(i + 1) : null;
    next?.catch(() => {}); // surfaced when awaited; never an unhandled rejection meanwhile
    if (storeFormats) {
      for await (const rows of result.stream()) {
        for (const raw of rows) {
          const line = raw.text;
          // Rare characters (see jsonl-sql.ts): parse and re-serialise to the RFC 8785 form.
          add(needsRecanonicalising(line) ? canonicalJson(JSON.parse(line) as CanonicalValue) : line);
        }
      }
    } else {
      for await (const rows of result.stream<unknown[]>()) {
        for (const raw of rows) add(encoder.encode(toAuditRecord(rowFromCompact(raw.json(), EXPORT_COLUMNS), content)));
      }
    }
    opts.onProgress?.(tree.size);
  }
  // (TypeScript cannot see the closure above assigning `writer`.)
  const open = writer as ChunkWriter | null;
  if (open) files.push(open.close());

  const base = baseQuery(opts.filters);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    tool: { name: 'flightrec', version: TOOL_VERSION },
    created_at: (opts.now?.() ?? new Date()).toISOString(),
    signer: { algorithm: 'ed25519', public_key_fingerprint: fingerprint(publicKey) },
    query: {
      sql: base.sql,
      params: base.params,
      filters: opts.filterFlags ?? {},
      pagination: `pages of ${pageSize} rows: key ranges on (Timestamp, TraceId, SpanId) between every ${pageSize}-th row's key`,
    },
    time_range: { from: opts.filters.from ?? null, to: opts.filters.to },
    records: { format, content, header: encoder.header, count: tree.size, line_terminator: '\n' },
    merkle: { algorithm: 'rfc9162-sha256', leaf: 'SHA-256(0x00 || record bytes without line terminator)', tree_size: tree.size, root: tree.root().toString('hex') },
    files,
    previous,
  };
  const bytes = Buffer.from(canonicalJson(manifestAsCanonical(manifest)), 'utf8');
  const signature = signBytes(opts.privateKey, bytes).toString('base64') + '\n';
  // The signature goes first and the manifest last, each by rename: a directory with a
  // manifest.json always has the signature that belongs to it.
  writeFileSync(join(opts.outDir, `.${SIGNATURE_FILE}.tmp`), signature, { mode: 0o644 });
  writeFileSync(join(opts.outDir, `.${MANIFEST_FILE}.tmp`), bytes, { mode: 0o644 });
  renameSync(join(opts.outDir, `.${SIGNATURE_FILE}.tmp`), join(opts.outDir, SIGNATURE_FILE));
  renameSync(join(opts.outDir, `.${MANIFEST_FILE}.tmp`), join(opts.outDir, MANIFEST_FILE));
  return { dir: opts.outDir, records: tree.size, files: files.length, root: manifest.merkle.root, manifest };
}
