/**
 * A recording HTTP proxy of the tests' own, between the contrib exporter (clickhouse-go, HTTP) and a
 * ClickHouse HTTP interface. It keeps the exporter's schema statements (`CREATE …`, what
 * `create_schema: true` sends at start) and answers them itself with an empty success, so a test can
 * run them in process on the engine it chooses (afterwards, or as they arrive with `onDdl`); every other request (the client's hello, the
 * inserts) goes on to `upstream` (the hello without its settings, below), or, given `answer`, every
 * request but the hello is recorded and answered by that function instead (a test's in-process stand-in
 * for a server flightrec's port is not: one serving database `default`).
 *
 * flightrec's query port never runs DDL (docs/security.md); this proxy exists only in tests, on
 * loopback, and changes nothing in the product.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeBodyBlocks } from '../../../server/clickhouse-insert-body.ts';

export interface RecordedRequest {
  /** The statement: the `query` URL parameter, else the (decompressed) body. */
  readonly statement: string;
  readonly params: URLSearchParams;
  /** The body after native decompression (an insert's Native rows; empty for a statement in the URL). */
  readonly body: Buffer;
}

export interface DdlRecorder {
  /** Base URL to give the exporter as its endpoint. */
  readonly url: string;
  /** The schema statements received, in order. */
  readonly ddl: string[];
  /** Requests answered by `answer` (never the upstream), in order. */
  readonly answered: RecordedRequest[];
  /** Statements passed to the upstream, with its HTTP status. */
  readonly forwarded: { statement: string; database: string | null; status: number }[];
  /** How many forwarded requests had each of `dropParams` taken off. */
  readonly dropped: Record<string, number>;
  close(): Promise<void>;
}

const DDL = /^\s*CREATE\s/i;
/** clickhouse-go's hello (first query on each connection). */
const HELLO_PARAMS = new Set(['client_protocol_version', 'compress', 'default_format']);
const HELLO = /^\s*SELECT displayName\(\), version\(\), revision\(\), timezone\(\)\s*$/;
const MAX_BODY = 64 << 20;

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** Starts the recorder on a free loopback port. */
export interface RecorderOptions {
  /** flightrec's ClickHouse HTTP interface. */
  readonly upstream: string;
  /** Runs each DDL statement as it arrives, before the exporter gets its answer (else it is only recorded). */
  readonly onDdl?: (statement: string) => Promise<void>;
  /** Answers every request but the hello and the DDL in place of the upstream. */
  readonly answer?: (r: RecordedRequest) => Promise<Buffer>;
  /**
   * URL parameters taken off forwarded requests, each only with exactly this value (any other value
   * is forwarded as sent, for the upstream to judge). Counted in `dropped`.
   */
  readonly dropParams?: Readonly<Record<string, string>>;
}

export async function startDdlRecorder(opts: RecorderOptions): Promise<DdlRecorder> {
  const upstream = new URL(opts.upstream);
  const ddl: string[] = [];
  const answered: RecordedRequest[] = [];
  const dropped: Record<string, number> = {};
  const forwarded: { statement: string; database: string | null; status: number }[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readAll(req);
      const url = new URL(req.url ?? '/', 'http://recorder');
      const params = url.searchParams;
      const queryParam = params.get('query');
      const body = req.headers['content-encoding'] ? raw : decodeBodyBlocks(raw, params, MAX_BODY);
      const statement = queryParam ?? body.toString('utf8');
      if (DDL.test(statement)) {
        ddl.push(statement.trim());
        try {
          await opts.onDdl?.(statement);
        } catch (err) {
          res.writeHead(500, { 'content-type': 'text/plain; charset=UTF-8' });
          res.end(`Code: 0. DB::Exception: ${(err as Error).message}`);
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' });
        res.end();
        return;
      }
      if (opts.answer && !HELLO.test(statement)) {
        const r = { statement, params, body: queryParam === null ? Buffer.alloc(0) : body };
        answered.push(r);
        try {
          const out = await opts.answer(r);
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.end(out);
        } catch (err) {
          res.writeHead(500, { 'content-type': 'text/plain; charset=UTF-8' });
          res.end(`Code: 0. DB::Exception: ${(err as Error).message}`);
        }
        return;
      }
      // The exporter opens its schema connection in database `default` (to create its own database
      // from there) with `async_insert=0`, and its client's hello runs first on it. flightrec serves
      // `otel` and `system` only and takes no insert settings with a read, so the hello goes on with
      // only the parameters that shape its answer's encoding: the answer (server name, version,
      // revision, time zone) depends on no database or setting.
      if (HELLO.test(statement)) for (const key of [...params.keys()]) if (!HELLO_PARAMS.has(key)) params.delete(key);
      for (const [key, value] of Object.entries(opts.dropParams ?? {})) {
        if (params.get(key) === value) { params.delete(key); dropped[key] = (dropped[key] ?? 0) + 1; }
      }
      const path = `${url.pathname}${params.size > 0 ? `?${params}` : ''}`;
      const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path, headers: { ...req.headers, host: upstream.host } }, (up) => {
        forwarded.push({ statement: statement.slice(0, 200), database: params.get('database'), status: up.statusCode ?? 0 });
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      out.on('error', (err) => { res.writeHead(502); res.end(String(err)); });
      out.end(raw);
    })().catch((err: unknown) => { res.writeHead(500); res.end(String(err)); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    ddl,
    answered,
    forwarded,
    dropped,
    close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
