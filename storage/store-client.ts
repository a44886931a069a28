/**
 * Opens the one ClickHouse client type flightrec uses everywhere: `@clickhouse/client`, either
 * over HTTP to a ClickHouse server (or to flightrec's embedded server), or in process on chdb.
 */
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { allDdl, type SchemaOptions } from './schema.ts';
import { DEFAULT_DATABASE, quoteIdent } from './tables.ts';

export type StoreTarget =
  | { readonly kind: 'embedded'; readonly path: string }
  | { readonly kind: 'server'; readonly url: string; readonly username?: string; readonly password?: string; readonly database?: string };

export function createStoreClient(target: StoreTarget): ClickHouseClient {
  if (target.kind === 'embedded') {
    // Unqualified table names in saved queries resolve against `otel`, as they do over HTTP
    // (the embedded session has no `database` setting); openStore() selects it.
    const path = resolve(target.path);
    mkdirSync(path, { recursive: true });
    try {
      return createClient({ connection: createChdbConnection({ path }) } as Parameters<typeof createClient>[0]);
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

/** Create or bring the schema up to date; idempotent, safe on every start. */
export async function migrate(client: ClickHouseClient, opts: SchemaOptions = {}): Promise<void> {
  for (const statement of allDdl(opts)) {
    await client.command({ query: statement });
  }
}
