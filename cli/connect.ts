/**
 * How the CLI reaches the store: a ClickHouse HTTP URL (flightrec's embedded server or a real
 * ClickHouse), or — when no server owns it — an embedded data directory opened in this process.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { storeLeftoverLog } from '../receiver/leftover-log.ts';
import { migrate, openStore, type StoreTarget } from '../storage/store-client.ts';
import { DEFAULT_DATABASE } from '../storage/tables.ts';
import { isStoreLockedError, storeLockHolder } from './store-in-use.ts';

export const DEFAULT_QUERY_URL = 'http://127.0.0.1:8123';
export const DEFAULT_DATA_DIR = '.flightrec/data';

export interface ConnectionFlags {
  url?: string;
  user?: string;
  password?: string;
  database?: string;
  'data-dir'?: string;
}

export const connectionOptions = {
  url: { type: 'string' },
  user: { type: 'string' },
  password: { type: 'string' },
  database: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

export function targetFrom(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): StoreTarget {
  const dataDir = flags['data-dir'];
  if (dataDir) return { kind: 'embedded', path: dataDir };
  return {
    kind: 'server',
    url: flags.url ?? env.FLIGHTREC_URL ?? DEFAULT_QUERY_URL,
    username: flags.user ?? env.FLIGHTREC_USER ?? 'default',
    password: flags.password ?? env.FLIGHTREC_PASSWORD ?? '',
    database: flags.database ?? env.FLIGHTREC_DATABASE ?? DEFAULT_DATABASE,
  };
}

export class UnreachableError extends Error {}

function storeInUse(path: string, holder?: number): UnreachableError {
  return new UnreachableError(`the store ${path} is open in ${holder ? `process ${holder}` : 'another process'} (a running \`flightrec up\`?), which alone may read it: ` +
    `query through that server with --url instead of --data-dir (default ${DEFAULT_QUERY_URL}, the URL \`up\` printed)`);
}

/**
 * The connection options to repeat in a command the CLI suggests, so the next command reaches the
 * same store: --url / --user / --database / --data-dir as given (a password is never echoed; the
 * suggestion says to add it).
 */
export function connectionArgs(flags: ConnectionFlags): string {
  const out: string[] = [];
  if (flags['data-dir']) out.push('--data-dir', flags['data-dir']);
  if (flags.url) out.push('--url', flags.url);
  if (flags.user) out.push('--user', flags.user);
  if (flags.password !== undefined) out.push('--password', '…');
  if (flags.database) out.push('--database', flags.database);
  return out.map(shellWord).join(' ');
}

/** One word as a POSIX shell reads it: as is when plain, else single-quoted. */
export function shellWord(a: string): string {
  return /^[\w@%+=:,./…-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** Open a client and check it answers, so an unreachable server is one clear line, not a stack. */
export async function connect(flags: ConnectionFlags): Promise<ClickHouseClient> {
  const target = targetFrom(flags);
  if (target.kind === 'embedded') {
    // Asked before opening: the engine prints its own two lines to stderr when the lock is held.
    const holder = storeLockHolder(target.path);
    if (typeof holder === 'number') throw storeInUse(target.path, holder);
  }
  let client: ClickHouseClient;
  try {
    client = await openStore(target);
  } catch (err) {
    if (target.kind === 'embedded' && isStoreLockedError(err)) throw storeInUse(target.path);
    throw err;
  }
  const ping = await client.ping();
  if (!ping.success) {
    await client.close().catch(() => {});
    const where = target.kind === 'server' ? target.url : target.path;
    const why = ping.error?.message ?? 'no answer';
    // With no server running, the store can still be read in this process: say how (an export is faster that way).
    const local = target.kind === 'server' ? `, or read a store no process holds with --data-dir DIR (\`flightrec up\`'s default: ${DEFAULT_DATA_DIR})` : '';
    throw new UnreachableError(`cannot reach the flightrec store at ${where}: ${why}. Start it with \`flightrec up\`, or pass --url / FLIGHTREC_URL${local}.`);
  }
  if (target.kind === 'embedded') {
    // As `flightrec up` does on start: bring the schema to this version (saved queries read what it
    // adds), then store what a stopped `up` acknowledged but left in its write-ahead log.
    try {
      await migrate(client);
      const { found, left } = await storeLeftoverLog(client, target.path, DEFAULT_DATABASE);
      if (found > 0 && left < found) console.error(`flightrec: stored ${found - left} spans that a stopped \`flightrec up\` had accepted and left in its write-ahead log`);
    } catch (err) {
      await client.close().catch(() => {});
      throw err;
    }
  }
  return client;
}

/** Parse-connect-run-close, the shape of every command that reads the store. */
export async function withStore<T>(flags: ConnectionFlags, run: (client: ClickHouseClient) => Promise<T>): Promise<T> {
  const client = await connect(flags);
  try {
    return await run(client);
  } finally {
    await client.close();
  }
}
