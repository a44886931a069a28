/**
 * Opens the one ClickHouse client type flightrec uses everywhere: `@clickhouse/client`, either
 * over HTTP to a ClickHouse server (or to flightrec's embedded server), or in process on chdb.
 */
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { mkdirSync, rmSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { join, resolve } from 'node:path';
import { TRACE_INSERT_COLUMNS } from './trace-columns.ts';
import { allDdl, callsSelect, schemaColumns, sessionProjectionDdl, tracesTableDdl, DEFAULT_TTL_DAYS, INSERT_TARGET_TABLES, TTL_TABLES, ttlExpression, type SchemaOptions } from './schema.ts';
import { DEFAULT_DATABASE, Tables, quoteIdent, quoteString } from './tables.ts';
import { SESSION_PROJECTION, sessionProjectionColumns, storedColumnName, storedColumnTypes, type DerivedColumn } from './derived-columns.ts';

export type StoreTarget =
  | { readonly kind: 'embedded'; readonly path: string }
  | { readonly kind: 'server'; readonly url: string; readonly username?: string; readonly password?: string; readonly database?: string };

type ChdbConnection = ReturnType<typeof createChdbConnection>;

/** The chdb connection behind each embedded client, and its data directory, for the insert paths below. */
const embeddedConnections = new WeakMap<ClickHouseClient, { connection: ChdbConnection; spoolDir: string }>();

export interface BulkInsert {
  readonly database: string;
  readonly table: string;
  readonly columns: readonly string[];
  /** Native (one or more blocks), or a text format chdb's raw insert takes: TSV or JSONEachRow. */
  readonly format: 'Native' | 'TSV' | 'JSONEachRow';
  /** The body, or its parts in order (a write-ahead log segment's records: no copy into one buffer). */
  readonly body: Buffer | readonly Buffer[];
}

/** Where Native bodies wait for chdb's file() in a data directory (one process owns it: cleared on open). */
const SPOOL_DIR = 'flightrec-insert';
let spoolSeq = 0;

/**
 * Insert a pre-encoded body. Resolves only when the engine has written the rows (a synchronous
 * INSERT: the part is committed to disk when the query returns; see docs/storage.md on fsync).
 *
 * Embedded: chdb's raw insert hands the Buffer to the engine without copying it into a JS string
 * (the client's insert() path builds `query + "\n" + body` as one string first, which halves
 * throughput for large group commits — measured in bench/ingest-throughput.ts). Over HTTP the
 * same body goes through @clickhouse/client's exec.
 */
export async function insertBody(client: ClickHouseClient, insert: BulkInsert): Promise<void> {
  const parts = Buffer.isBuffer(insert.body) ? [insert.body] : insert.body;
  if (parts.every((p) => p.length === 0)) return;
  // quoteIdent validates both names; chdb's raw insert wants them bare.
  const qualified = `${quoteIdent(insert.database)}.${quoteIdent(insert.table)}`;
  const embedded = embeddedConnections.get(client);
  const columns = insert.columns.map((c) => '`' + c + '`').join(', ');
  if (embedded && insert.format === 'Native') {
    // chdb's raw insert takes text formats only; its file() reads Native (the path is ours, never input).
    const path = join(embedded.spoolDir, `${process.pid}-${++spoolSeq}.native`);
    await writeFile(path, parts);
    try {
      await client.command({ query: `INSERT INTO ${qualified} (${columns}) SELECT * FROM file(${quoteString(path)}, 'Native')` });
    } finally {
      await rm(path, { force: true });
    }
    return;
  }
  if (embedded) {
    await embedded.connection.chdb.rawInsert({ table: qualified.replace(/`/g, ''), columns: [...insert.columns], format: insert.format as 'TSV' | 'JSONEachRow', values: parts.length === 1 ? parts[0]! : Buffer.concat(parts) });
    return;
  }
  const result = await client.exec({
    query: `INSERT INTO ${qualified} (${columns}) FORMAT ${insert.format === 'TSV' ? 'TabSeparated' : insert.format}`,
    values: Readable.from(parts),
  });
  result.stream.resume();
}

/** True when the store runs in this process (chdb), so a query can write a file this process names. */
export function storeInThisProcess(client: ClickHouseClient): boolean {
  return embeddedConnections.has(client);
}

export interface SelectIntoFile {
  /** A SELECT with no FORMAT clause; its `{name:Type}` parameters in `params`. */
  readonly query: string;
  readonly params?: Record<string, unknown>;
  readonly settings?: Record<string, string | number>;
  /** A file that must not exist yet: the engine refuses to write over one. */
  readonly path: string;
  readonly format: 'TabSeparatedRaw';
}

/**
 * The in-process store writes a SELECT's rows into a new file itself (INTO OUTFILE, uncompressed),
 * so they never pass through this process's memory as a result. Only for a store in this process:
 * a server would write the file on its own host, and flightrec's query port refuses INTO OUTFILE.
 */
export async function selectIntoNewFile(client: ClickHouseClient, q: SelectIntoFile): Promise<void> {
  if (!storeInThisProcess(client)) throw new Error('selectIntoNewFile needs the store in this process (an embedded data directory)');
  await client.command({
    query: `${q.query}\nINTO OUTFILE ${quoteString(resolve(q.path))} COMPRESSION 'none'\nFORMAT ${q.format}`,
    query_params: q.params,
    clickhouse_settings: q.settings,
  });
}

export function createStoreClient(target: StoreTarget): ClickHouseClient {
  if (target.kind === 'embedded') {
    // Unqualified table names in saved queries resolve against `otel`, as they do over HTTP
    // (the embedded session has no `database` setting); openStore() selects it.
    const path = resolve(target.path);
    mkdirSync(path, { recursive: true });
    try {
      const connection = createChdbConnection({ path });
      const client = createClient({ connection } as Parameters<typeof createClient>[0]);
      const spoolDir = join(path, SPOOL_DIR);
      rmSync(spoolDir, { recursive: true, force: true }); // bodies of inserts a killed process never finished
      mkdirSync(spoolDir, { recursive: true });
      embeddedConnections.set(client, { connection, spoolDir });
      return client;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (/Cannot lock file/i.test(msg)) {
        throw new Error(`the embedded store at ${path} is owned by another process (is \`flightrec up\` running?). ` +
          `Query it through that process's ClickHouse HTTP port instead (--url http://127.0.0.1:8123).`);
      }
      throw err;
    }
  }
  return createClient({
    url: target.url,
    username: target.username ?? 'default',
    password: target.password ?? '',
    database: target.database,
    request_timeout: 30_000,
    // Errors reach the caller as exceptions with clear messages; the client's own console logging would repeat them.
    log: { level: ClickHouseLogLevel.OFF },
  });
}

/**
 * Open a client and make `database` the default for unqualified names. In process (chdb) the
 * session remembers `USE`; over HTTP the client sends `database` with every request.
 */
export async function openStore(target: StoreTarget, database: string = DEFAULT_DATABASE): Promise<ClickHouseClient> {
  const client = createStoreClient(target.kind === 'server' ? { ...target, database: target.database ?? database } : target);
  if (target.kind === 'embedded') {
    try {
      await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdent(database)}` });
      await client.command({ query: `USE ${quoteIdent(database)}` });
    } catch (err) {
      await client.close();
      throw err;
    }
  }
  return client;
}

export interface MigrateOptions extends SchemaOptions {
  /**
   * Make every insert fsync its part files and directory before it returns (MergeTree settings
   * fsync_after_insert / fsync_part_directory on the tables an insert writes). The embedded
   * receiver acknowledges only after the insert returns, so this is what makes an acknowledged
   * span survive power loss, not just a crash of the process. Off: inserts survive a process crash
   * (the page cache is the kernel's) but not a machine crash.
   */
  readonly fsync?: boolean;
}

export class SchemaMismatchError extends Error {}

/**
 * Create or bring the schema up to date; idempotent, safe on every start. Works on a database the
 * contrib exporter created first (its CREATE … IF NOT EXISTS tables are kept as they are); refuses,
 * with the missing columns named, a span table too old to take the exporter's current insert.
 */
export async function migrate(client: ClickHouseClient, opts: MigrateOptions = {}): Promise<void> {
  const database = opts.database ?? DEFAULT_DATABASE;
  // The exporter's table first, then check it is the current layout, and only then add flightrec's
  // columns and views on top: they read columns (ScopeName, …) a too-old table lacks.
  const statements = allDdl(opts);
  const tracesTable = statements.indexOf(tracesTableDdl(opts));
  for (const statement of statements.slice(0, tracesTable + 1)) {
    await client.command({ query: statement });
  }
  const columns = await client.query({
    query: 'SELECT name FROM system.columns WHERE database = {db:String} AND table = {table:String}',
    query_params: { db: database, table: Tables.traces },
    format: 'JSONEachRow',
  });
  const present = new Set((await columns.json<{ name: string }>()).map((c) => c.name));
  const missing = TRACE_INSERT_COLUMNS.filter((c) => !present.has(c));
  if (missing.length > 0) {
    throw new SchemaMismatchError(
      `${database}.${Tables.traces} lacks column(s) ${missing.join(', ')} that the contrib exporter's current insert writes; ` +
        'it was created by an older exporter. Rename it aside (RENAME TABLE) and start again to create the current layout.',
    );
  }
  const hadCalls = await tableExists(client, database, Tables.calls);
  for (const statement of statements.slice(tracesTable + 1)) {
    await client.command({ query: statement });
  }
  // A materialized view sees only inserts made after it exists: spans stored by an older flightrec
  // (or by the collector before this schema) get their flightrec_calls rows once, here.
  if (!hadCalls) await client.command({ query: `INSERT INTO ${quoteIdent(database)}.${Tables.calls} ${callsSelect(quoteIdent(database))}` });
  await syncStoredColumns(client, database, schemaColumns(opts));
  // Both read what the tables are now from their DDL; neither changes what the other reads.
  const ddl = await tableDdl(client, database);
  await syncSessionProjection(client, opts, ddl.get(Tables.traces) ?? '');
  await syncTtl(client, database, opts.ttlDays ?? DEFAULT_TTL_DAYS, ddl);
  if (opts.fsync !== undefined) {
    const v = opts.fsync ? 1 : 0;
    for (const table of INSERT_TARGET_TABLES) {
      await client.command({ query: `ALTER TABLE ${quoteIdent(database)}.${quoteIdent(table)} MODIFY SETTING fsync_after_insert = ${v}, fsync_part_directory = ${v}` });
    }
  }
}

async function tableExists(client: ClickHouseClient, database: string, table: string): Promise<boolean> {
  const result = await client.query({
    query: 'SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = {table:String}',
    query_params: { db: database, table },
    format: 'JSONEachRow',
  });
  return Number((await result.json<{ n: string | number }>())[0]?.n ?? 0) > 0;
}

/**
 * Bring the stored derived columns (MATERIALIZED `Fr*` on otel_traces) to this version's
 * expressions: `ADD COLUMN IF NOT EXISTS` leaves a column from an older flightrec as it was.
 * ClickHouse keeps expressions reformatted, so both sides are compared through
 * formatQuerySingleLine. Parts already written keep the values they were stored with; rows
 * inserted from now on get the new expression.
 */
async function syncStoredColumns(client: ClickHouseClient, database: string, derivedColumns: readonly DerivedColumn[]): Promise<void> {
  const result = await client.query({
    query: "SELECT name, default_expression FROM system.columns WHERE database = {db:String} AND table = {table:String} AND default_kind = 'MATERIALIZED'",
    query_params: { db: database, table: Tables.traces },
    format: 'JSONEachRow',
  });
  const have = new Map((await result.json<{ name: string; default_expression: string }>()).map((c) => [c.name, c.default_expression]));
  const stored = derivedColumns.filter((c) => storedColumnTypes[c.name] && have.has(storedColumnName(c.name)));
  if (stored.length === 0) return;
  const same = await client.query({
    query: "SELECT arrayMap((a, b) -> formatQuerySingleLine(concat('SELECT ', a)) = formatQuerySingleLine(concat('SELECT ', b)), {want:Array(String)}, {have:Array(String)}) AS same",
    query_params: { want: stored.map((c) => c.sql), have: stored.map((c) => have.get(storedColumnName(c.name))!) },
    format: 'JSONEachRow',
  });
  const flags = (await same.json<{ same: (number | boolean)[] }>())[0]!.same;
  const changed = stored.filter((_, i) => !flags[i]);
  if (changed.length === 0) return;
  await client.command({
    query: `ALTER TABLE ${quoteIdent(database)}.${quoteIdent(Tables.traces)}\n${changed.map((c) => `    MODIFY COLUMN ${storedColumnName(c.name)} ${storedColumnTypes[c.name]} MATERIALIZED ${c.sql}`).join(',\n')}`,
  });
}

/**
 * A by-session projection an older flightrec made lacks columns the queries now read from it (the
 * tool call id): ClickHouse cannot alter a projection, and a query that needs a column it lacks reads
 * the whole table instead. So it is dropped and added again, and a mutation rebuilds it for the parts
 * already stored (in the background; until it is done those parts are read from the table: the
 * same rows, slower).
 */
async function syncSessionProjection(client: ClickHouseClient, opts: MigrateOptions, ddl: string): Promise<void> {
  const database = opts.database ?? DEFAULT_DATABASE;
  const at = ddl.indexOf(`PROJECTION ${SESSION_PROJECTION}`);
  if (at < 0) return;
  const projection = ddl.slice(at, ddl.indexOf('ORDER BY', at));
  if (sessionProjectionColumns.every((c) => new RegExp(`\\b${c}\\b`).test(projection))) return;
  const table = `${quoteIdent(database)}.${quoteIdent(Tables.traces)}`;
  await client.command({ query: `ALTER TABLE ${table} DROP PROJECTION IF EXISTS ${quoteIdent(SESSION_PROJECTION)}` });
  await client.command({ query: sessionProjectionDdl(opts) });
  await client.command({ query: `ALTER TABLE ${table} MATERIALIZE PROJECTION ${quoteIdent(SESSION_PROJECTION)}` });
}

/** Each table of the database by name, with its CREATE statement as ClickHouse prints it back. */
async function tableDdl(client: ClickHouseClient, database: string): Promise<Map<string, string>> {
  const result = await client.query({
    query: 'SELECT name, create_table_query FROM system.tables WHERE database = {db:String}',
    query_params: { db: database },
    format: 'JSONEachRow',
  });
  return new Map((await result.json<{ name: string; create_table_query: string }>()).map((t) => [t.name, t.create_table_query]));
}

/** Bring each table's TTL to the configured retention, touching only tables whose TTL differs. */
async function syncTtl(client: ClickHouseClient, database: string, ttlDays: number, ddl: ReadonlyMap<string, string>): Promise<void> {
  for (const { table, column } of TTL_TABLES) {
    const current = ddl.get(table);
    if (current === undefined) continue;
    const now = /\bTTL (.+?)(?: SETTINGS |$)/s.exec(current)?.[1]?.trim() ?? '';
    const want = ttlExpression(column, ttlDays);
    if (now === want) continue;
    const target = `${quoteIdent(database)}.${quoteIdent(table)}`;
    // ttl_only_drop_parts = 1 on these tables: applying a TTL drops whole expired parts, no rewrite.
    await client.command({ query: want ? `ALTER TABLE ${target} MODIFY TTL ${want}` : `ALTER TABLE ${target} REMOVE TTL` });
  }
}
