/**
 * How the CLI reaches the store: a ClickHouse HTTP URL (flightrec's embedded server or a real
 * ClickHouse), or — when no server owns it — an embedded data directory opened in this process.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { storeLeftoverLog } from '../receiver/leftover-log.ts';
import { migrate, openStore, type StoreTarget } from '../storage/store-client.ts';
import { DEFAULT_DATABASE } from '../storage/tables.ts';

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

/** Open a client and check it answers, so an unreachable server is one clear line, not a stack. */
export async function connect(flags: ConnectionFlags): Promise<ClickHouseClient> {
  const target = targetFrom(flags);
  const client = await openStore(target);
  const ping = await client.ping();
  if (!ping.success) {
    await client.close().catch(() => {});
    const where = target.kind === 'server' ? target.url : target.path;
    const why = ping.error?.message ?? 'no answer';
    throw new UnreachableError(`cannot reach the flightrec store at ${where}: ${why}. Start it with \`flightrec up\`, or pass --url / FLIGHTREC_URL.`);
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
