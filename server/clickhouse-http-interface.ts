/**
 * The subset of ClickHouse's HTTP interface that `@clickhouse/client`, Grafana's ClickHouse plugin
 * (HTTP protocol) and curl use, served over the embedded store.
 *
 * Only one process can open a chdb data directory, so the process that owns it (`flightrec up`)
 * answers every other process's queries. Each request runs in its own chdb session on the same
 * directory, so per-request settings (and the read-only mode of the reader role) never leak
 * between requests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Session } from 'chdb';
import { BadRequestError } from '../receiver/decode-request.ts';
import { decompress, readBody, secretEquals, send } from './http-body.ts';
import { answerForClient } from './clickhouse-native-revision.ts';
import { decodeBodyBlocks, nativeInsertOf, responseBody, runNativeInsert } from './clickhouse-insert-body.ts';

export type Role = 'reader' | 'writer';

export interface QueryUser {
  readonly name: string;
  readonly password: string;
  readonly role: Role;
}

export interface ClickHouseInterfaceOptions {
  /** The chdb data directory this process owns. */
  readonly dataPath: string;
  readonly defaultDatabase: string;
  /** Users; when empty, the anonymous `default` user may read and nobody may write. */
  readonly users: readonly QueryUser[];
  readonly maxBodyBytes: number;
  /** Awaited before each query: the embedded server's write-ahead log catching up (read-your-writes). */
  readonly beforeQuery?: () => Promise<void>;
}

// URL parameters that are part of the protocol, not settings.
// client_protocol_version selects a Native-format revision; chdb writes revision 0, so the answer is
// rewritten for the client's revision (server/clickhouse-native-revision.ts), never sent as a setting.
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

export function authenticate(users: readonly QueryUser[], c: Credentials): Role | null {
  if (users.length === 0) return c.name === 'default' && c.password === '' ? 'reader' : null;
  const user = users.find((u) => u.name === c.name);
  return user && secretEquals(c.password, user.password) ? user.role : null;
}

function chError(res: ServerResponse, status: number, code: number, name: string, message: string, params?: URLSearchParams): void {
  const text = Buffer.from(`Code: ${code}. DB::Exception: ${message.replace(/\.+$/, '')}. (${name})\n`);
  send(res, status, params ? responseBody(text, params) : text, {
    'Content-Type': 'text/plain; charset=UTF-8',
    'X-ClickHouse-Exception-Code': String(code),
  });
}

/**
 * Table functions a read-only user may call: generators and views over local tables. Everything
 * else (file, url, s3, remote, mysql, executable, …) reads outside the store, and readonly=2
 * alone does not stop it in chdb, where every session runs as an all-powerful default user.
 */
const READER_TABLE_FUNCTIONS = new Set(['numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'values', 'generateSeries', 'generate_series', 'merge', 'view', 'viewIfPermitted', 'null', 'generateRandom']);

/** Table functions named in a query, read from ClickHouse's own parse (EXPLAIN AST). */
export function tableFunctionsInAst(ast: string): string[] {
  const lines = ast.split('\n');
  const found: string[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i]!.trimStart().startsWith('TableExpression')) continue;
    const m = /^\s*Function (\S+)/.exec(lines[i + 1]!);
    if (m) found.push(m[1]!);
  }
  return found;
}

/** `INTO OUTFILE 'path'`: EXPLAIN AST shows the path as a Literal child of the root query. */
export function writesOutfile(ast: string): boolean {
  return ast.split('\n').some((line) => /^ Literal /.test(line));
}

class QueryRefused extends Error {
  readonly clickhouseCode = 497;
}

function sqlLiteral(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function createClickHouseHandler(opts: ClickHouseInterfaceOptions) {
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
    const role = authenticate(opts.users, credentialsOf(req, url));
    if (!role) {
      req.resume();
      chError(res, 401, 516, 'AUTHENTICATION_FAILED', 'Authentication failed: password is incorrect, or there is no user with such name', url.searchParams);
      return;
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
    // A binary Native body stays binary (server/clickhouse-insert-body.ts); text bodies join the statement.
    const nativeInsert = nativeInsertOf(queryParam, body);
    const sql = nativeInsert ? nativeInsert.statement : [queryParam, body.toString('utf8')].filter((s) => s.length > 0).join('\n');
    if (sql.trim() === '') {
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
      else if (!SETTING_NAME.test(k)) {
        chError(res, 400, 115, 'UNKNOWN_SETTING', `Setting name ${JSON.stringify(k)} is not valid`, url.searchParams);
        return;
      } else settings.push(`SET ${k} = ${/^-?\d+(\.\d+)?$/.test(v) ? v : sqlLiteral(v)}`);
    }
    // GET requests are read-only on a ClickHouse server too; readers are always read-only.
    const readonly = role === 'reader' || req.method === 'GET';
    const format = url.searchParams.get('default_format') ?? 'TabSeparated';
    const database = url.searchParams.get('database') || opts.defaultDatabase;
    const queryId = url.searchParams.get('query_id') || randomUUID();

    await opts.beforeQuery?.();
    const session = new Session(opts.dataPath);
    const started = performance.now();
    try {
      if (!SETTING_NAME.test(database)) throw Object.assign(new Error(`Database name ${JSON.stringify(database)} is not valid`), { clickhouseCode: 81 });
      await session.queryAsync(`USE \`${database}\``);
      // readonly = 2 still lets clients change settings (clickhouse-js sends some), never data or DDL.
      // Query parameters exactly as a ClickHouse server takes them: the URL value is the parameter's
      // text in the escaped format (what clickhouse-js sends). chdb's queryBindAsync would escape
      // it again, so set it on the session as the server does internally.
      for (const [name, value] of Object.entries(params)) await session.queryAsync(`SET ${name} = ${sqlLiteral(value)}`);
      if (readonly) {
        await session.queryAsync('SET readonly = 2');
        // One statement only, and no table function that reaches outside the store.
        const ast = (await session.queryAsync(`EXPLAIN AST ${sql}`, { format: 'TSVRaw' })).text();
        const refused = tableFunctionsInAst(ast).filter((f) => !READER_TABLE_FUNCTIONS.has(f));
        if (writesOutfile(ast)) throw new QueryRefused('Not enough privileges: INTO OUTFILE is not allowed for a read-only user (ACCESS_DENIED)');
        if (refused.length > 0) {
          throw new QueryRefused(`Not enough privileges: table function ${refused.join(', ')} is not allowed for a read-only user (ACCESS_DENIED)`);
        }
      }
      for (const s of settings) await session.queryAsync(s);
      if (nativeInsert) {
        await runNativeInsert(session, opts.dataPath, nativeInsert);
        send(res, 200, '', { 'X-ClickHouse-Query-Id': queryId, 'X-ClickHouse-Format': format, 'X-ClickHouse-Timezone': 'UTC' });
        return;
      }
      const result = await session.queryAsync(sql, { format });
      let out: Buffer = responseBody(answerForClient(Buffer.from(result.bytes()), format, url.searchParams), url.searchParams);
      const headers: Record<string, string> = {
        'Content-Type': CONTENT_TYPES[format] ?? 'text/tab-separated-values; charset=UTF-8',
        'X-ClickHouse-Query-Id': queryId,
        'X-ClickHouse-Format': format,
        'X-ClickHouse-Timezone': 'UTC',
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
      };
      if (url.searchParams.get('enable_http_compression') === '1' && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
        out = gzipSync(out);
        headers['Content-Encoding'] = 'gzip';
      }
      send(res, 200, out, headers);
    } catch (err) {
      const e = err as Error & { clickhouseCode?: number; code?: unknown };
      const code = typeof e.clickhouseCode === 'number' ? e.clickhouseCode : Number(/Code: (\d+)/.exec(e.message)?.[1] ?? 0);
      const name = /\(([A-Z_]+)\)(?:\s*\(version [^)]*\))?\s*$/.exec(e.message)?.[1] ?? 'UNKNOWN_EXCEPTION';
      const message = e.message.replace(/^Code: \d+\. DB::Exception: /, '').replace(/\s*\([A-Z_]+\)\s*$/, '');
      chError(res, statusForCode(code), code, name, message, url.searchParams);
    } finally {
      session.close();
    }
  }
  return { handle };
}
