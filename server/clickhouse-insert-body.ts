/**
 * Inserts whose data is in the HTTP body, as ClickHouse's HTTP interface takes them: the statement in
 * the `query` URL parameter (`INSERT INTO t (cols) FORMAT Native`), the rows in the body, possibly in
 * ClickHouse's native compression (`decompress=1`, server/clickhouse-native-compression.ts) on top
 * of any Content-Encoding. clickhouse-go (HTTP protocol; the contrib collector's clickhouse exporter)
 * sends exactly that for every batch, with a binary Native body.
 *
 * Text formats keep the interface's older path (statement and body joined into one SQL text, which
 * ClickHouse parses as inline data). A binary Native body cannot go through SQL text: it is written
 * to a file of ours in the data directory and inserted with `INSERT … SELECT * FROM file(…, 'Native')`,
 * the same route the embedded receiver takes (storage/store-client.ts).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { quoteString } from '../storage/tables.ts';
import type { Session } from 'chdb';
import { decodeCompressedBlocks, encodeUncompressedBlocks } from './clickhouse-native-compression.ts';

/** `INSERT INTO <target> [(<columns>)] [SETTINGS …] FORMAT Native`, statement only (data in the body). */
const NATIVE_INSERT = /^\s*(INSERT\s+INTO\s+[\s\S]+?)\s+FORMAT\s+Native\s*;?\s*$/i;

export interface NativeInsert {
  /** The statement as the client sent it (what access checks and EXPLAIN see). */
  readonly statement: string;
  /** The statement without its FORMAT clause. */
  readonly target: string;
  /** The Native data, decompressed. */
  readonly data: Buffer;
}

/** The body's bytes with ClickHouse's native compression removed when the client says it is there (`decompress=1`). */
export function decodeBodyBlocks(body: Buffer, params: URLSearchParams, maxBytes: number): Buffer {
  return params.get('decompress') === '1' && body.length > 0 ? decodeCompressedBlocks(body, maxBytes) : body;
}

/** True when the client asked for the answer in native compression framing (`compress=1`). */
export function wantsFramedResponse(params: URLSearchParams): boolean {
  return params.get('compress') === '1';
}

/** The response body as the client asked for it: framed in compressed blocks, or as it is. */
export function responseBody(out: Buffer, params: URLSearchParams): Buffer {
  return wantsFramedResponse(params) && out.length > 0 ? encodeUncompressedBlocks(out) : out;
}

/** A Native insert with its data in the body, or null (any other statement: handled as SQL text). */
export function nativeInsertOf(queryParam: string, body: Buffer): NativeInsert | null {
  const m = NATIVE_INSERT.exec(queryParam);
  if (!m) return null;
  return { statement: queryParam, target: m[1]!, data: body };
}

/** `InsertQuery` whose target is a table function (`INSERT INTO FUNCTION file(…)`), from EXPLAIN AST's text. */
export function insertsIntoFunction(ast: string): boolean {
  const lines = ast.split('\n');
  return /^InsertQuery\b/.test(lines[0] ?? '') && /^ Function /.test(lines[1] ?? '');
}

const SPOOL_DIR = 'flightrec-http-insert';
const spoolReady = new Set<string>();
let spoolSeq = 0;

/** The folder for Native bodies in a data directory; emptied the first time this process uses it (leftovers of a killed process). */
function spoolDir(dataPath: string): string {
  const dir = join(dataPath, SPOOL_DIR);
  if (!spoolReady.has(dir)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    spoolReady.add(dir);
  }
  return dir;
}

/**
 * Runs a Native insert in `session` (its settings and read-only mode already applied). Refuses a table
 * function as the target, whoever asks. Resolves when the rows are written.
 */
export async function runNativeInsert(session: Session, dataPath: string, insert: NativeInsert): Promise<void> {
  const ast = (await session.queryAsync(`EXPLAIN AST ${insert.statement}`, { format: 'TSVRaw' })).text();
  if (insertsIntoFunction(ast)) {
    throw Object.assign(new Error('Not enough privileges: INSERT INTO FUNCTION is not allowed over HTTP (ACCESS_DENIED)'), { clickhouseCode: 497 });
  }
  if (insert.data.length === 0) return;
  const path = join(spoolDir(dataPath), `${process.pid}-${++spoolSeq}.native`);
  await writeFile(path, insert.data);
  try {
    // The path is ours (no input in it); the Native block names and types its own columns.
    await session.queryAsync(`${insert.target} SELECT * FROM file(${quoteString(path)}, 'Native')`);
  } finally {
    await rm(path, { force: true });
  }
}
