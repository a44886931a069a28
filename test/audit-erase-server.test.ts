/**
 * `flightrec erase --url` (a ClickHouse server) cannot be run here: no server runs on this machine.
 * Its statements are checked by running exactly the same SQL, through the same code, on an
 * in-process chdb store (never through flightrec's query port, whose writer may not run DDL): the
 * sequence a server gets (no DETACH/ATTACH, the cleanup thread waited for, detached parts dropped
 * per partition), the erased texts gone from query results and from every file of the data
 * directory, raw or decompressed, another conversation's kept, a signed record saying `server`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContentKey } from '../audit/content-key.ts';
import { eraseSubject } from '../audit/erase.ts';
import { generateKeys, loadPrivateKey } from '../audit/keys.ts';
import { main } from '../cli/main.ts';
import { migrate, openStore } from '../storage/store-client.ts';
import { insertFixture } from './support/audit-fixtures.ts';
import { filesHolding } from './support/clickhouse-files.ts';
import { startTestServer } from './support/embedded.ts';
import { tempDir } from '../tools/temp-dir.ts';
import { randomBytes } from 'node:crypto';

const tmp = tempDir('flightrec-erase-server-');
const dataDir = join(tmp.path, 'data');
let keys: ReturnType<typeof generateKeys>;
/** Texts only conversation sess-1 holds (as in test/audit-erase.test.ts). */
const ERASED = ['merger closes friday', '4111 1111 1111 1111', 'mailto:ceo@example.com', 'alice@example.com'];

beforeAll(async () => {
  keys = generateKeys(join(tmp.path, 'keys'));
  const client = await openStore({ kind: 'embedded', path: dataDir });
  try {
    await migrate(client);
    // Both parts within one UTC day, whatever the time of the run: the table is partitioned by day,
    // and the statement sequence below is one partition's (times relative to now straddled two
    // partitions in a run just after midnight).
    const noonYesterday = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() - 1, 12);
    await insertFixture(client, BigInt(noonYesterday) * 1_000_000n);
    await insertFixture(client, BigInt(noonYesterday - 300_000) * 1_000_000n); // a second part
  } finally {
    await client.close();
  }
}, 60_000);
afterAll(() => tmp.cleanup());

describe('flightrec erase on a ClickHouse server: the statement sequence, run in-process', () => {
  it('the CLI takes --url with an administrator and a content key, never a password on the command line', async () => {
    const out = join(tmp.path, 'x.json');
    const base = ['erase', '--session', 'sess-1', '--key', keys.privateKeyPath, '--out', out];
    expect(await main([...base, '--url', 'http://127.0.0.1:1'])).toBe(2); // no --content-key
    expect(await main([...base, '--url', 'http://127.0.0.1:1', '--data-dir', dataDir, '--content-key', 'k'])).toBe(2);
    expect(await main([...base, '--url', 'http://127.0.0.1:1', '--password', 'p', '--content-key', 'k'])).toBe(2);
  });

  it('erases the session from query results, the projection and every file, with the server sequence', async () => {
    for (const text of ERASED) expect(filesHolding(dataDir, text), text).not.toEqual([]);
    const statements: string[] = [];
    const client = await openStore({ kind: 'embedded', path: dataDir });
    try {
      const result = await eraseSubject(client, { session: 'sess-1' }, {
        privateKey: loadPrivateKey(keys.privateKeyPath), contentKey: randomBytes(32), target: 'server', onStatement: (sql) => statements.push(sql),
      });
      expect(result.record).toMatchObject({ store: 'server', sessions: 1, spans: 6 });
      // What a server gets: the table stays attached (ingestion goes on); detached parts are dropped only in the affected partitions.
      const verbs = statements.map((s) => s.replace(/\s+/g, ' ').replace(/^(ALTER TABLE \S+ \S+( \S+)?|\S+ \S+).*$/, '$1'));
      expect(verbs.filter((v) => v.startsWith('ALTER'))).toEqual([
        'ALTER TABLE `otel`.`otel_traces` MODIFY SETTING',
        'ALTER TABLE `otel`.`otel_traces` UPDATE SpanAttributes',
        'ALTER TABLE `otel`.`otel_traces` CLEAR PROJECTION',
        'ALTER TABLE `otel`.`otel_traces` MATERIALIZE PROJECTION',
        'ALTER TABLE `otel`.`otel_traces` DROP DETACHED',
        'ALTER TABLE `otel`.`otel_traces` RESET SETTING',
      ]);
      expect(statements.some((s) => /\b(DETACH|ATTACH) TABLE\b|PARTITION ALL/.test(s))).toBe(false);
      expect(statements.join('\n')).not.toContain('sess-1');
      // The wait names the parts that held the rows (a server's own merges make inactive parts too).
      expect(statements.some((s) => s.includes('NOT active AND name IN {names:Array(String)}'))).toBe(true);
      // Query results, and reads through the session projection.
      for (const settings of [{}, { force_optimize_projection: 1 as const }]) {
        const rows = await (await client.query({ query: "SELECT FrActor, FrTargetResource, FrSessionId FROM otel.otel_traces WHERE FrSessionId = 'sess-1'", format: 'JSONEachRow', clickhouse_settings: settings })).json<Record<string, string>>();
        expect(rows).toHaveLength(6);
        for (const r of rows) for (const v of Object.values(r)) for (const text of ERASED) expect(v).not.toContain(text);
      }
    } finally {
      await client.close();
    }
    for (const text of ERASED) expect(filesHolding(dataDir, text).map((f) => f.slice(dataDir.length)), text).toEqual([]);
    expect(filesHolding(dataDir, 'gateway timeout')).not.toEqual([]); // sess-2, kept
  }, 120_000);
});

describe('flightrec erase --url against flightrec\'s own query port', () => {
  it('is refused there (its users may not run ALTER: on purpose, issue #14): one-line error, no record, nothing changed, server alive', async () => {
    const t = await startTestServer({ fsync: false, users: [{ name: 'reader', password: 'r-pass', role: 'reader' }, { name: 'writer', password: 'w-pass', role: 'writer' }] });
    const saved = process.env.FLIGHTREC_PASSWORD;
    try {
      await insertFixture(t.server.client);
      const contentKey = join(tmp.path, 'content.key');
      loadContentKey(contentKey, { create: true });
      for (const [user, password] of [['reader', 'r-pass'], ['writer', 'w-pass']] as const) {
        const out = join(tmp.path, `port-${user}.json`);
        process.env.FLIGHTREC_PASSWORD = password;
        const code = await main(['erase', '--session', 'sess-1', '--url', t.server.queryUrl, '--user', user, '--content-key', contentKey, '--key', keys.privateKeyPath, '--out', out]);
        expect(code, user).not.toBe(0);
        expect(existsSync(out)).toBe(false);
      }
      const rows = await (await t.server.client.query({ query: "SELECT count() AS n FROM otel.otel_traces WHERE FrSessionId = 'sess-1' AND SpanAttributes['flightrec.actor'] = 'user-7'", format: 'JSONEachRow' })).json<{ n: string }>();
      expect(Number(rows[0]!.n)).toBeGreaterThan(0);
      expect((await t.http.ping()).success).toBe(true);
      // The table's settings are as they were (the first ALTER, MODIFY SETTING, was refused).
      const [table] = await (await t.server.client.query({ query: "SELECT create_table_query AS q FROM system.tables WHERE database = 'otel' AND name = 'otel_traces'", format: 'JSONEachRow' })).json<{ q: string }>();
      expect(table!.q).toMatch(/ttl_only_drop_parts/);
      expect(table!.q).not.toMatch(/old_parts_lifetime/);
    } finally {
      if (saved === undefined) delete process.env.FLIGHTREC_PASSWORD;
      else process.env.FLIGHTREC_PASSWORD = saved;
      await t.stop();
    }
  }, 60_000);
});
