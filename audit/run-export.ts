/**
 * `flightrec export`: stream the selected spans out of ClickHouse page by page, write them as
 * chunk files with their leaf hashes, and sign a manifest over the lot.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { createHash, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { rowFromCompact, toAuditRecord, type ContentMode } from './audit-record.ts';
import { canonicalJson, type CanonicalValue } from './canonical-json.ts';
import { needsRecanonicalising, RECORD_LINE_SETTINGS, recordLineSql } from './jsonl-sql.ts';
import { ChunkWriter } from './chunk-writer.ts';
import { adoptStoreWrittenChunk } from './store-written-chunk.ts';
import { selectIntoNewFile, storeInThisProcess } from '../storage/store-client.ts';
import { openServerResultFiles } from '../storage/server-result-file.ts';
import { appendAnchor } from './anchor-log.ts';
import { requestTimestamp, TIMESTAMP_FILE } from './timestamp.ts';
import { contentKeyId } from './content-key.ts';
import { contentHashParams } from './content-sql.ts';
import { baseQuery, boundariesQuery, EXPORT_COLUMNS, exportSelectList, pageQuery, type ExportFilters, type SortKey } from './export-query.ts';
import { fingerprint, publicKeyOf, signBytes } from './keys.ts';
import { MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_VERSION, SIGNATURE_FILE, manifestAsCanonical, parseManifest, type Manifest, type ManifestFile, type PreviousExport } from './manifest.ts';
import { MerkleAccumulator } from './merkle.ts';
import { FILE_EXTENSIONS, type RecordFormat } from './record-format.ts';
import { encoderFor } from './record-formats.ts';
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
  /** The per-store content-hash key (content-key.ts); required with content `hashes`. */
  contentKey?: Buffer;
  /** Records per chunk file. */
  chunkRecords?: number;
  /** Rows per query page. */
  pageSize?: number;
  /** Pages asked of the store ahead of the one being written (default 1). */
  prefetch?: number;
  /** The previous export's manifest.json (or its directory), to chain to. */
  previous?: string;
  /** An RFC 3161 timestamp authority's URL: its token over manifest.json is kept as manifest.tsr (timestamp.ts). */
  tsaUrl?: string;
  /** Append this export to an anchor log (anchor-log.ts) once it is signed. */
  anchorLog?: string;
  onProgress?: (records: number) => void;
  /**
   * Who formats JSON Lines records: the store (ClickHouse builds each line; the default) or this
   * process. Both give the same bytes; CSV and OCSF are always formatted here.
   */
  jsonlEngine?: 'store' | 'process';
  /**
   * Whether a server on this host may write the pages into files this process takes (`auto`, the
   * default, when it can: storage/server-result-file.ts) or every page comes over the socket.
   */
  serverFiles?: 'auto' | 'never';
  now?: () => Date;
}

export interface ExportResult {
  dir: string;
  records: number;
  files: number;
  root: string;
  manifest: Manifest;
}

/**
 * The store's settings when it writes a page into a file itself: the line settings, and formatting
 * on the query's own thread. Parallel formatting buffers formatted blocks between threads before
 * writing them, which here cost ~0.5 GB more peak memory and more CPU, not less (docs/audit.md).
 */
const DIRECT_PAGE_SETTINGS = { ...RECORD_LINE_SETTINGS, output_format_parallel_formatting: 0 } as const;

export const DEFAULT_CHUNK_RECORDS = 100_000;
export const DEFAULT_PAGE_SIZE = 50_000;
export const DEFAULT_PREFETCH = 1;

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
  const prefetch = opts.prefetch ?? DEFAULT_PREFETCH;
  if (!Number.isSafeInteger(chunkRecords) || chunkRecords < 1) throw new ExportError(`chunk size must be a positive whole number, got ${chunkRecords}`);
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new ExportError(`page size must be a positive whole number, got ${pageSize}`);
  if (content === 'hashes' && !opts.contentKey) throw new ExportError('content hashes need the content-hash key (--content-key, or audit-content.key in the data directory)');
  const hashParams = content === 'hashes' ? contentHashParams(opts.contentKey!) : {};
  const previous = opts.previous ? readPrevious(opts.previous) : null;
  const publicKey = publicKeyOf(opts.privateKey);
  prepareDir(opts.outDir);

  const encoder = encoderFor(format, TOOL_VERSION);
  const ext = FILE_EXTENSIONS[format];
  const tree = new MerkleAccumulator();
  /** Records written so far; each chunk's leaves join `tree` when the chunk is full. */
  let records = 0;
  const closing: Promise<ManifestFile>[] = [];
  let writer: ChunkWriter | null = null;
  const nextWriter = (): ChunkWriter => {
    const n = String(closing.length + 1).padStart(6, '0');
    return new ChunkWriter(opts.outDir, `records-${n}.${ext}`, `records-${n}.leaves`, records, chunkRecords, encoder.header);
  };
  const full = (w: ChunkWriter): void => {
    if (w.count < chunkRecords) return;
    // Its hashes are final now; the fsync finishes in the background before the manifest is written.
    w.foldInto(tree);
    const done = w.close();
    done.catch(() => {}); // awaited below, in order
    closing.push(done);
    writer = null;
  };
  const add = (record: string): void => {
    const w = (writer ??= nextWriter());
    w.add(record);
    records++;
    full(w);
  };
  const addBytes = (record: Buffer): void => {
    const w = (writer ??= nextWriter());
    w.addBytes(record);
    records++;
    full(w);
  };
  /** Complete store-formatted lines in bytes[start, end), each ending with a newline. */
  const addLines = (bytes: Buffer, start: number, end: number): void => {
    // Pages are nearly always all printable ASCII: one native scan clears every line at once.
    const clean = !needsRecanonicalising(bytes.subarray(start, end));
    for (let at = start; at < end; ) {
      const nl = bytes.indexOf(0x0a, at);
      const line = bytes.subarray(at, nl);
      at = nl + 1;
      // A server that fails mid-response appends its error text to the body: never a record.
      if (line[0] !== 0x7b || line[line.length - 1] !== 0x7d) {
        throw new ExportError(`the store sent something other than a record: ${line.toString('utf8', 0, Math.min(line.length, 300))}`);
      }
      // Rare characters (see jsonl-sql.ts): parse and re-serialise to the RFC 8785 form.
      if (clean || !needsRecanonicalising(line)) addBytes(line);
      else add(canonicalJson(JSON.parse(line.toString('utf8')) as CanonicalValue));
    }
  };

  const storeFormats = format === 'jsonl' && (opts.jsonlEngine ?? 'store') === 'store';
  // With the store in this process, or a server on this host that writes result files this
  // process can take, the store writes each page of lines into a file itself and that file
  // becomes a chunk (store-written-chunk.ts): a page is then a chunk's worth of rows.
  const serverFiles = storeFormats && !storeInThisProcess(client) && (opts.serverFiles ?? 'auto') === 'auto' ? await openServerResultFiles(client) : null;
  const direct = storeFormats && (storeInThisProcess(client) || serverFiles !== null);
  const rowsPerPage = direct ? chunkRecords : pageSize;
  const boundaries = await readBoundaries(client, opts.filters, rowsPerPage);
  // With the line as the last sort key the store formats each row before sorting and the sort
  // moves one string a row; otherwise ClickHouse lifts the formatting past the sort (it is not
  // needed to sort) and the sort moves the attribute map and every column the line is built
  // from, which costs more (docs/audit.md). Spans stored twice then also come out in a fixed order.
  const linesQuery = (i: number) => pageQuery(opts.filters, boundaries[i]!, boundaries[i + 1] ?? null, `${recordLineSql(content)} AS line`, 'line');
  const fetchPage = (i: number): Promise<Readable> => {
    const q = storeFormats ? linesQuery(i) : pageQuery(opts.filters, boundaries[i]!, boundaries[i + 1] ?? null, exportSelectList(content));
    // exec: the response body as bytes, never split into JavaScript strings per row.
    return client.exec({
      query: `${q.sql}\nFORMAT ${storeFormats ? 'TabSeparatedRaw' : 'JSONCompactEachRow'}`,
      query_params: { ...q.params, ...hashParams },
      ...(storeFormats && { clickhouse_settings: RECORD_LINE_SETTINGS }),
    }).then((r) => r.stream);
  };
  const partName = (i: number): string => `.page-${String(i + 1).padStart(6, '0')}.part`;
  /** Has the store write page i into a new file; resolves with the file's path. */
  const writePage = (i: number): Promise<string> => {
    const q = linesQuery(i);
    const page = { query: q.sql, params: { ...q.params, ...hashParams }, settings: DIRECT_PAGE_SETTINGS, format: 'TabSeparatedRaw' } as const;
    if (serverFiles) return serverFiles.select(page);
    const path = join(opts.outDir, partName(i));
    return selectIntoNewFile(client, { ...page, path }).then(() => path, (err: unknown) => {
      // Something took the part's name meanwhile (the engine checks, then opens with O_EXCL, so a
      // dangling symbolic link fails at the open). Its words suggest overwriting; say what happened.
      if (/exists, consider using APPEND or TRUNCATE|strerror: File exists/.test(String((err as Error)?.message))) throw new ExportError(`${path} appeared in the export directory while the export ran; the store writes only new files, so the export stopped`);
      throw err;
    });
  };
  /** Ends the chunk being written, if any: its leaves join the tree, its files close. */
  const closeWriter = (): void => {
    // (TypeScript cannot see the closures above assigning `writer`.)
    const open = writer as ChunkWriter | null;
    if (!open) return;
    open.foldInto(tree);
    closing.push(open.close());
    writer = null;
  };
  /** The page the store wrote into a file becomes the next chunk, or is rewritten record by record when one needs it. */
  const adoptPage = (part: string): void => {
    const n = String(closing.length + 1).padStart(6, '0');
    const adopted = adoptStoreWrittenChunk(part, opts.outDir, `records-${n}.${ext}`, `records-${n}.leaves`, tree);
    if (adopted) {
      records += adopted.records;
      if (adopted.file) closing.push(adopted.file);
      return;
    }
    const bytes = readFileSync(part);
    unlinkSync(part);
    addLines(bytes, 0, bytes.length);
    closeWriter();
  };
  // Pages ahead: the store formats the next pages while this process writes (or hashes) this one.
  const ahead: Promise<Readable | string>[] = [];
  const fetchAhead = (from: number): void => {
    for (let j = from + ahead.length; j < boundaries.length && ahead.length <= prefetch; j++) {
      const p = direct ? writePage(j) : fetchPage(j);
      p.catch(() => {}); // surfaced when awaited; never an unhandled rejection meanwhile
      ahead.push(p);
    }
  };
  try {
    for (let i = 0; i < boundaries.length; i++) {
      fetchAhead(i);
      const page = await ahead.shift()!;
      if (direct) adoptPage(page as string);
      else await addResponse(page as Readable, i);
      opts.onProgress?.(records);
    }
  } finally {
    // On an error, drain or drop the pages already asked for; the store's file writes finish first.
    for (const p of ahead) p.then((s) => (typeof s === 'string' ? rmSync(s, { force: true }) : s.destroy()), () => {});
    await Promise.allSettled(ahead);
  }
  /** One page's response from the store: store-formatted lines or JSONCompactEachRow rows. */
  async function addResponse(body: Readable, i: number): Promise<void> {
    let carry: Buffer | null = null;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      let start = 0;
      if (carry) {
        const nl = chunk.indexOf(0x0a);
        if (nl < 0) {
          carry = Buffer.concat([carry, chunk]);
          continue;
        }
        const first: Buffer = Buffer.concat([carry, chunk.subarray(0, nl + 1)]);
        carry = null;
        if (storeFormats) addLines(first, 0, first.length);
        else addRows(first, 0, first.length);
        start = nl + 1;
      }
      const last = chunk.lastIndexOf(0x0a);
      if (last >= start) {
        if (storeFormats) addLines(chunk, start, last + 1);
        else addRows(chunk, start, last + 1);
        start = last + 1;
      }
      if (start < chunk.length) carry = Buffer.from(chunk.subarray(start));
    }
    if (carry) throw new ExportError(`the store's response for page ${i + 1} ends inside a row`);
  }
  /** JSONCompactEachRow rows in bytes[start, end), formatted here (CSV, OCSF, or JSON Lines by this process). */
  function addRows(bytes: Buffer, start: number, end: number): void {
    for (let at = start; at < end; ) {
      const nl = bytes.indexOf(0x0a, at);
      const row = JSON.parse(bytes.toString('utf8', at, nl)) as unknown[];
      at = nl + 1;
      add(encoder.encode(toAuditRecord(rowFromCompact(row, EXPORT_COLUMNS), content)));
    }
  }
  closeWriter();
  const files = await Promise.all(closing);

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
      pagination: `pages of ${rowsPerPage} rows: key ranges on (Timestamp, TraceId, SpanId) between every ${rowsPerPage}-th row's key`,
    },
    time_range: { from: opts.filters.from ?? null, to: opts.filters.to },
    records: {
      format,
      content,
      header: encoder.header,
      count: tree.size,
      line_terminator: '\n',
      content_hash: content === 'hashes' ? { algorithm: 'hmac-sha256', key_id: contentKeyId(opts.contentKey!) } : null,
    },
    merkle: { algorithm: 'rfc9162-sha256', leaf: 'SHA-256(0x00 || record bytes without line terminator)', tree_size: tree.size, root: tree.root().toString('hex') },
    files,
    previous,
  };
  const bytes = Buffer.from(canonicalJson(manifestAsCanonical(manifest)), 'utf8');
  const signature = signBytes(opts.privateKey, bytes).toString('base64') + '\n';
  // The signature goes first and the manifest last, each by rename: a directory with a
  // manifest.json always has the signature that belongs to it.
  writeFileSync(join(opts.outDir, `.${SIGNATURE_FILE}.tmp`), signature, { mode: 0o644 });
  if (opts.tsaUrl) {
    // Before the manifest appears: an export that asked for a timestamp never lacks it.
    writeFileSync(join(opts.outDir, `.${TIMESTAMP_FILE}.tmp`), await requestTimestamp(opts.tsaUrl, bytes), { mode: 0o644 });
    renameSync(join(opts.outDir, `.${TIMESTAMP_FILE}.tmp`), join(opts.outDir, TIMESTAMP_FILE));
  }
  writeFileSync(join(opts.outDir, `.${MANIFEST_FILE}.tmp`), bytes, { mode: 0o644 });
  renameSync(join(opts.outDir, `.${SIGNATURE_FILE}.tmp`), join(opts.outDir, SIGNATURE_FILE));
  renameSync(join(opts.outDir, `.${MANIFEST_FILE}.tmp`), join(opts.outDir, MANIFEST_FILE));
  if (opts.anchorLog) appendAnchor(opts.anchorLog, bytes, manifest, opts.privateKey, publicKey);
  return { dir: opts.outDir, records: tree.size, files: files.length, root: manifest.merkle.root, manifest };
}
