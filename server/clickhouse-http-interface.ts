/**
 * The subset of ClickHouse's HTTP interface that `@clickhouse/client`, Grafana's ClickHouse plugin
 * (HTTP protocol) and curl use, served over the embedded store.
 *
 * Only one process can open a chdb data directory, so the process that owns it (`flightrec up`)
 * answers every other process's queries. Each request runs in its own chdb session on the same
 * directory, so per-request settings never leak between requests. chdb runs every session as an
 * all-powerful local user, so what a request may do is decided before it runs, in access/: the
 * gate (access/query-gate.ts) approves one statement from the engine's own parse, the limits
 * (access/query-limits.ts) are set last and locked, the slots (access/query-slots.ts) cap how many
 * run at once, and a query whose client goes away is stopped in the engine
 * (storage/cancellable-query.ts). This module is transport: it reads the request, applies those,
 * and answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Session } from 'chdb';
import { BadRequestError } from '../receiver/decode-request.ts';
import { decompress, readBody, send } from './http-body.ts';
import { decodeBodyBlocks, responseBody, runNativeInsert } from './clickhouse-insert-body.ts';
import { clientRevisionOf, nativeForClientRevision } from './native-output-revision.ts';
import { FUNCTION_CATALOGUE_SQL, FunctionAllowList, type FunctionCatalogueRow } from '../access/function-allow-list.ts';
import { AccessRefused, approveRead, authoriseInsert, INSERT_FORMATS, splitInsert, type GateScope, type InsertFormat } from '../access/query-gate.ts';
import { limitStatements, resolveQueryLimits, type QueryLimits } from '../access/query-limits.ts';
import { QuerySlots } from '../access/query-slots.ts';
import { settingCeilings } from '../access/settings-clauses.ts';
import { ALLOWED_OUTPUT_FORMATS, readerSettingAllowed } from '../access/reader-allow-lists.ts';
import { UserTable, type QueryUser, type Role } from '../access/users.ts';
import { runCancellable } from '../storage/cancellable-query.ts';
import { quoteString as sqlLiteral } from '../storage/tables.ts';
import { RESULT_FILE_HEADER, RESULT_FILE_VALUE, type ResultFileAnswer } from '../storage/result-file-protocol.ts';
import { isLoopback } from './browser-guard.ts';
import { ResultFiles, type ResultFileLimits } from './result-files.ts';

export type { QueryUser, Role };

export interface ClickHouseInterfaceOptions {
  /** The chdb data directory this process owns. */
  readonly dataPath: string;
  readonly defaultDatabase: string;
  /** Users; when empty, the anonymous `default` user may read and nobody may write. */
  readonly users: readonly QueryUser[];
  readonly maxBodyBytes: number;
  /** Limits on every query (defaults in access/query-limits.ts). */
  readonly limits?: Partial<QueryLimits>;
  /** Awaited before each query: the embedded server's write-ahead log catching up (read-your-writes). */
  readonly beforeQuery?: () => Promise<void>;
  /** Bounds on results written as files for clients on this host (server/result-files.ts). */
  readonly resultFiles?: Partial<ResultFileLimits>;
}

const gzipAsync = promisify(gzip);

// URL parameters that are part of the protocol, not settings.
// client_protocol_version selects the Native output's revision (native-output-revision.ts); it is not a setting.
const PROTOCOL_PARAMS = new Set(['query', 'database', 'default_format', 'user', 'password', 'query_id', 'session_id', 'session_timeout', 'session_check', 'decompress', 'enable_http_compression', 'quota_key', 'client_protocol_version']);
// Settings clients send that only mean something to a networked server; chdb would reject them.
const HTTP_ONLY_SETTINGS = new Set([
  'wait_end_of_query', 'send_progress_in_http_headers', 'http_response_buffer_size', 'http_headers_progress_interval_ms',
  'http_send_progress_interval_ms', 'http_zlib_compression_level', 'http_response_compression_method',
  'http_native_compression_disable_checksumming_on_decompress', 'buffer_size', 'http_wait_end_of_query', 'add_http_cors_header',
  'cancel_http_readonly_queries_on_client_close', 'compress',
]);
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const CONTENT_TYPES: Record<string, string> = {
  JSON: 'application/json; charset=UTF-8',
  JSONEachRow: 'application/x-ndjson; charset=UTF-8',
  JSONCompact: 'application/json; charset=UTF-8',
  CSV: 'text/csv; charset=UTF-8; header=absent',
  CSVWithNames: 'text/csv; charset=UTF-8; header=present',
};

/** ClickHouse error code → HTTP status, following the server's exceptionCodeToHTTPStatus (HTTPHandler). */
const STATUS_BY_CODE = new Map<number, number>([
  // UNKNOWN_TABLE, UNKNOWN_FUNCTION, UNKNOWN_IDENTIFIER, UNKNOWN_TYPE, UNKNOWN_STORAGE, UNKNOWN_DATABASE,
  // UNKNOWN_SETTING, UNKNOWN_FORMAT, UNKNOWN_AGGREGATE_FUNCTION
  ...[60, 46, 47, 50, 56, 81, 115, 73, 63].map((c) => [c, 404] as [number, number]),
  // READONLY, ACCESS_DENIED
  ...[164, 497].map((c) => [c, 403] as [number, number]),
  // AUTHENTICATION_FAILED, UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD
  ...[516, 192, 193, 194].map((c) => [c, 401] as [number, number]),
  // SYNTAX_ERROR and the CANNOT_PARSE_* / bad-argument family
  ...[62, 27, 6, 26, 38, 41, 53, 70, 72, 117, 130, 184, 215, 36, 42, 43, 44, 456, 457].map((c) => [c, 400] as [number, number]),
  [48, 501], // NOT_IMPLEMENTED
  [202, 503], // TOO_MANY_SIMULTANEOUS_QUERIES
]);

function statusForCode(code: number): number {
  return STATUS_BY_CODE.get(code) ?? 500;
}

interface Credentials {
  name: string;
  password: string;
}

function credentialsOf(req: IncomingMessage, url: URL): Credentials {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    return { name: i < 0 ? decoded : decoded.slice(0, i), password: i < 0 ? '' : decoded.slice(i + 1) };
  }
  const headerUser = req.headers['x-clickhouse-user'];
  if (typeof headerUser === 'string') return { name: headerUser, password: String(req.headers['x-clickhouse-key'] ?? '') };
  return { name: url.searchParams.get('user') ?? 'default', password: url.searchParams.get('password') ?? '' };
}

function chError(res: ServerResponse, status: number, code: number, name: string, message: string, params?: URLSearchParams): void {
  const text = Buffer.from(`Code: ${code}. DB::Exception: ${message.replace(/\.+$/, '')}. (${name})\n`);
  send(res, status, params ? responseBody(text, params) : text, {
    'Content-Type': 'text/plain; charset=UTF-8',
    'X-ClickHouse-Exception-Code': String(code),
  });
}

/** A database, table or column name as a quoted identifier. */
function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}


export function createClickHouseHandler(opts: ClickHouseInterfaceOptions) {
  const users = new UserTable(opts.users);
  const limits = resolveQueryLimits(opts.limits);
  const slots = new QuerySlots(limits.concurrency, limits.concurrencyPerUser, limits.queueLength);
  const resultFiles = new ResultFiles(opts.dataPath, opts.resultFiles);
  let functions: Promise<FunctionAllowList> | null = null;
  const functionsOf = (session: Session): Promise<FunctionAllowList> => {
    functions ??= session.queryAsync(FUNCTION_CATALOGUE_SQL, { format: 'JSONEachRow' }).then((r) => {
      const rows = r.text().split('\n').filter(Boolean).map((l) => JSON.parse(l) as FunctionCatalogueRow);
      return new FunctionAllowList(rows);
    });
    functions.catch(() => (functions = null));
    return functions;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/ping' || (url.pathname === '/' && req.method === 'GET' && !url.searchParams.has('query'))) {
      req.resume();
      send(res, 200, 'Ok.\n', { 'Content-Type': 'text/plain; charset=UTF-8' });
      return;
    }
    if (url.pathname !== '/' || (req.method !== 'GET' && req.method !== 'POST')) {
      req.resume();
      chError(res, 404, 0, 'UNKNOWN', `no handler for ${req.method} ${url.pathname}; use GET or POST on / or GET /ping`);
      return;
    }
    const c = credentialsOf(req, url);
    const role = users.authenticate(c.name, c.password);
    if (!role) {
      req.resume();
      chError(res, 401, 516, 'AUTHENTICATION_FAILED', 'Authentication failed: password is incorrect, or there is no user with such name', url.searchParams);
      return;
    }

    // A read whose rows the engine writes into a file for a client on this host (result-file-protocol.ts).
    const asked = req.headers[RESULT_FILE_HEADER];
    const asFile = asked !== undefined;
    if (asFile) {
      const refusal = asked !== RESULT_FILE_VALUE
        ? [400, 0, 'BAD_REQUEST', `${RESULT_FILE_HEADER} takes one value, ${RESULT_FILE_VALUE}`] as const
        : !isLoopback(String(req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''))
          ? [403, 497, 'ACCESS_DENIED', 'Results are written as files only for clients on this host'] as const
          : null;
      if (refusal) {
        req.resume();
        chError(res, refusal[0], refusal[1], refusal[2], refusal[3], url.searchParams);
        return;
      }
    }

    let body: Buffer;
    try {
      const raw = req.method === 'POST' ? await readBody(req, opts.maxBodyBytes) : Buffer.alloc(0);
      body = decodeBodyBlocks(decompress(raw, req.headers['content-encoding'], opts.maxBodyBytes), url.searchParams, opts.maxBodyBytes);
    } catch (err) {
      const e = err as BadRequestError;
      chError(res, e.status ?? 400, 0, 'BAD_REQUEST', e.message, url.searchParams);
      return;
    }

    const queryParam = url.searchParams.get('query') ?? '';
    // A writer's INSERT … FORMAT: its rows go to the engine as data. GET only ever reads.
    const insert = role === 'writer' && req.method === 'POST' ? splitInsert(queryParam, body) : null;
    if (insert && asFile) {
      chError(res, 400, 0, 'BAD_REQUEST', 'Only a read can be answered as a file', url.searchParams);
      return;
    }
    const sql = insert ? '' : [queryParam, body.toString('utf8')].filter((s) => s.length > 0).join('\n');
    if (!insert && sql.trim() === '') {
      chError(res, 400, 62, 'SYNTAX_ERROR', 'Empty query', url.searchParams);
      return;
    }

    const params: Record<string, string> = {};
    const settings: string[] = [];
    for (const [k, v] of url.searchParams) {
      if (k.startsWith('param_')) {
        if (!SETTING_NAME.test(k)) {
          chError(res, 400, 456, 'UNKNOWN_QUERY_PARAMETER', `Query parameter name ${JSON.stringify(k)} is not valid`, url.searchParams);
          return;
        }
        params[k] = v;
      }
      else if (PROTOCOL_PARAMS.has(k) || HTTP_ONLY_SETTINGS.has(k)) continue;
      // clickhouse-go sends async_insert=0 on every request: the engine's default, so nothing to set.
      else if (k === 'async_insert' && v === '0') continue;
      else if (!SETTING_NAME.test(k)) {
        chError(res, 400, 115, 'UNKNOWN_SETTING', `Setting name ${JSON.stringify(k)} is not valid`, url.searchParams);
        return;
      } else if (!readerSettingAllowed(k)) {
        chError(res, 403, 164, 'READONLY', `Cannot modify '${k}' setting in readonly mode: it may not be changed through this port`);
        return;
      } else settings.push(`SET ${k} = ${/^-?\d+(\.\d+)?$/.test(v) ? v : sqlLiteral(v)}`);
    }
    const format = url.searchParams.get('default_format') ?? 'TabSeparated';
    const database = url.searchParams.get('database') || opts.defaultDatabase;
    const queryId = url.searchParams.get('query_id') || randomUUID();
    if (!ALLOWED_OUTPUT_FORMATS.has(format)) {
      chError(res, 403, 497, 'ACCESS_DENIED', `Format ${format} is not allowed through this port`);
      return;
    }
    if (asFile && format === 'Native') {
      // The Native answer is shaped for the client's revision (native-output-revision.ts), which a file cannot be.
      chError(res, 400, 0, 'BAD_REQUEST', 'A result file cannot be Native; give a text or row format as default_format', url.searchParams);
      return;
    }
    if (database !== opts.defaultDatabase && database !== 'system') {
      chError(res, 403, 497, 'ACCESS_DENIED', `Not enough privileges to use database ${JSON.stringify(database)}: use ${opts.defaultDatabase} or system`);
      return;
    }
    const scope: GateScope = { database: opts.defaultDatabase, currentDatabase: database };

    // The client going away takes a waiting request off the list, or stops its running query in
    // the engine (storage/cancellable-query.ts); the slot is released once the engine has stopped.
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    let release: () => void;
    try {
      release = await slots.acquire(c.name, gone.signal);
    } catch (err) {
      const e = err as Error & { clickhouseCode?: number; clickhouseName?: string };
      if (e.clickhouseCode) chError(res, statusForCode(e.clickhouseCode), e.clickhouseCode, e.clickhouseName ?? 'UNKNOWN', e.message);
      else res.destroy();
      return;
    }

    let session: Session | null = null;
    const started = performance.now();
    try {
      await opts.beforeQuery?.();
      session = new Session(opts.dataPath);
      await session.queryAsync(`USE \`${database}\``);
      // Query parameters exactly as a ClickHouse server takes them: the URL value is the parameter's
      // text in the escaped format (what clickhouse-js sends). chdb's queryBindAsync would escape
      // it again, so set it on the session as the server does internally.
      for (const [name, value] of Object.entries(params)) await session.queryAsync(`SET ${name} = ${sqlLiteral(value)}`);
      const headers: Record<string, string> = { 'X-ClickHouse-Query-Id': queryId, 'X-ClickHouse-Timezone': 'UTC' };
      if (insert) {
        const s = session;
        const target = await authoriseInsert(s, insert.header, scope, {
          formats: [...INSERT_FORMATS, 'Native'],
          isWritableTable: async (db, table) => {
            const rs = await s.queryAsync(`SELECT engine FROM system.tables WHERE database = ${sqlLiteral(db)} AND name = ${sqlLiteral(table)}`, { format: 'JSONEachRow' });
            const engine = rs.text().trim() ? (JSON.parse(rs.text()) as { engine: string }).engine : '';
            return /MergeTree$/.test(engine);
          },
        });
        if (target.format === 'Native') {
          // A binary body cannot be handed over as text data: spooled to a file of ours, inserted from it.
          const columns = target.columns ? ` (${target.columns.map(quoteIdentifier).join(', ')})` : '';
          await runNativeInsert(session, opts.dataPath, { statement: insert.header, target: `INSERT INTO ${quoteIdentifier(target.database)}.${quoteIdentifier(target.table)}${columns}`, data: insert.data });
          send(res, 200, '', headers);
          return;
        }
        const summary = await session.insert({
          table: `${target.database}.${target.table}`,
          ...(target.columns && { columns: [...target.columns] }),
          format: target.format as InsertFormat,
          values: insert.data,
        });
        send(res, 200, '', { ...headers, 'X-ClickHouse-Summary': JSON.stringify({ written_rows: String(summary.rowsWritten), written_bytes: String(summary.bytesWritten), elapsed_ns: String(Math.round((performance.now() - started) * 1e6)) }) });
        return;
      }
      const approved = await approveRead(session, sql, scope, await functionsOf(session), settingCeilings(limits));
      const { statement, sessionSettings } = approved;
      // The client's settings first, then the limits, the statement's own checked settings, then
      // readonly = 1: nothing after can change them.
      for (const s of settings) await session.queryAsync(s);
      for (const s of limitStatements(limits, sessionSettings)) await session.queryAsync(s);
      if (asFile) {
        if (approved.format !== undefined) {
          chError(res, 400, 0, 'BAD_REQUEST', 'A read answered as a file takes its format from default_format, not a FORMAT clause', url.searchParams);
          return;
        }
        await answerWithFile(session, statement, format, gone.signal, res, headers);
        return;
      }
      const result = await runCancellable(session, statement, { dataPath: opts.dataPath, format, signal: gone.signal });
      if (gone.signal.aborted) return;
      const bytes = result.bytes();
      let out = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (format === 'Native') out = nativeForClientRevision(out, clientRevisionOf(url.searchParams));
      // compress=1: the answer framed in ClickHouse's compressed blocks (clickhouse-go asks for it).
      out = responseBody(out, url.searchParams);
      Object.assign(headers, {
        'Content-Type': CONTENT_TYPES[format] ?? 'text/tab-separated-values; charset=UTF-8',
        'X-ClickHouse-Format': format,
        'X-ClickHouse-Summary': JSON.stringify({
          read_rows: String(result.rowsRead ?? 0),
          read_bytes: String(result.bytesRead ?? 0),
          written_rows: '0',
          written_bytes: '0',
          total_rows_to_read: '0',
          result_rows: '0',
          result_bytes: String(out.length),
          elapsed_ns: String(Math.round((performance.now() - started) * 1e6)),
        }),
      });
      if (url.searchParams.get('enable_http_compression') === '1' && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
        out = await gzipAsync(out);
        headers['Content-Encoding'] = 'gzip';
      }
      send(res, 200, out, headers);
    } catch (err) {
      if (gone.signal.aborted) return; // nobody left to answer (a cancelled query ends here)
      const e = err as Error & { clickhouseCode?: number; clickhouseName?: string };
      if (e instanceof AccessRefused) {
        chError(res, 403, e.clickhouseCode, e.clickhouseName, e.message);
        return;
      }
      const code = typeof e.clickhouseCode === 'number' ? e.clickhouseCode : Number(/Code: (\d+)/.exec(e.message)?.[1] ?? 0);
      const name = /\(([A-Z_]+)\)(?:\s*\(version [^)]*\))?\s*$/.exec(e.message)?.[1] ?? 'UNKNOWN_EXCEPTION';
      const message = e.message.replace(/^(Code: \d+\. DB::Exception: )+/, '').replace(/\s*\([A-Z_]+\)(\s*\(version [^)]*\))?\s*$/, '');
      chError(res, statusForCode(code), code, name, message, url.searchParams);
    } finally {
      session?.close();
      release();
    }
  }
  /**
   * Runs the approved statement with the engine writing its rows into a new file of ours: the
   * clause appended names only the server's own path and an allowed format, after the one
   * statement the gate checked (formatQuery's text, which ends where the statement ends).
   */
  async function answerWithFile(session: Session, statement: string, format: string, signal: AbortSignal, res: ServerResponse, headers: Record<string, string>): Promise<void> {
    const path = resultFiles.reserve();
    let written = false;
    try {
      await runCancellable(session, `${statement}\nINTO OUTFILE ${sqlLiteral(path)} COMPRESSION 'none'\nFORMAT ${format}`, { dataPath: opts.dataPath, format, signal });
      written = !signal.aborted;
    } finally {
      resultFiles.settle(path, written);
    }
    if (!written) return;
    const answer: ResultFileAnswer = { path, bytes: statSync(path).size };
    send(res, 200, JSON.stringify(answer) + '\n', { ...headers, 'Content-Type': 'application/json; charset=UTF-8' });
  }

  return {
    handle,
    /** Removes result files nobody took. */
    close(): void {
      resultFiles.close();
    },
  };
}
