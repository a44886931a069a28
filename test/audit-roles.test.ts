/**
 * ClickHouse roles for the writer (collector), reviewer (Grafana, CLI) and exporter. The statements
 * are checked as text and parsed by ClickHouse's own parser (formatQuery) on the embedded engine;
 * chdb has no writable access-control storage, so running them is left to a ClickHouse server —
 * the last test pins down that chdb refuses them, so this note stays true.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { createHash } from 'node:crypto';
import { exampleUsers, rolesDdl, Roles } from '../storage/roles.ts';
import { openStore } from '../storage/store-client.ts';
import { tempDir } from '../tools/temp-dir.ts';

const dir = tempDir('flightrec-roles-');
let client: ClickHouseClient;
beforeAll(async () => {
  client = await openStore({ kind: 'embedded', path: dir.path });
});
afterAll(async () => {
  await client?.close();
  dir.cleanup();
});

const users = exampleUsers({ collector: 'c-secret', grafana: 'g-secret', auditor: 'a-secret' });

describe('roles DDL', () => {
  it('grants INSERT to the writer and SELECT to the reviewer and exporter, on the flightrec database only', () => {
    const sql = rolesDdl();
    expect(sql).toEqual([
      'CREATE ROLE IF NOT EXISTS flightrec_writer',
      'CREATE ROLE IF NOT EXISTS flightrec_reviewer',
      'CREATE ROLE IF NOT EXISTS flightrec_exporter',
      'GRANT INSERT ON `otel`.* TO flightrec_writer',
      'GRANT SELECT ON `otel`.* TO flightrec_reviewer',
      'GRANT SELECT ON `otel`.* TO flightrec_exporter',
    ]);
    expect(rolesDdl({ database: 'audit', cluster: 'prod' })[3]).toBe('GRANT ON CLUSTER `prod` INSERT ON `audit`.* TO flightrec_writer');
    expect(() => rolesDdl({ database: 'x; DROP' })).toThrow(/invalid ClickHouse identifier/);
  });

  it('creates example users with a salted SHA-256 of the password, never the password', () => {
    const sql = rolesDdl({ users, salt: () => 'fixedsalt' }).join('\n');
    for (const secret of ['c-secret', 'g-secret', 'a-secret']) {
      expect(sql).not.toContain(secret);
      expect(sql).toContain(createHash('sha256').update(secret + 'fixedsalt').digest('hex'));
    }
    expect(sql).toContain(`CREATE USER IF NOT EXISTS \`flightrec_grafana\` IDENTIFIED WITH sha256_hash BY '${createHash('sha256').update('g-secretfixedsalt').digest('hex')}' SALT 'fixedsalt' DEFAULT ROLE ${Roles.reviewer}`);
    expect(sql).toContain(`GRANT ${Roles.writer} TO \`flightrec_collector\``);
  });

  it('every statement parses with ClickHouse\'s own parser (formatQuery on the embedded engine)', async () => {
    for (const statement of rolesDdl({ users, cluster: 'prod' })) {
      const rows = await (await client.query({ query: 'SELECT formatQuery({q:String}) AS f', query_params: { q: statement }, format: 'JSONEachRow' })).json<{ f: string }>();
      expect(rows[0]!.f.length).toBeGreaterThan(0);
    }
    await expect(client.query({ query: 'SELECT formatQuery({q:String})', query_params: { q: 'CREATE ROLE flightrec_writer GARBAGE' }, format: 'JSONEachRow' })).rejects.toThrow(/Syntax error/);
  });

  it('chdb (embedded) does not run access-control statements: roles need a ClickHouse server', async () => {
    await expect(client.command({ query: rolesDdl()[0]! })).rejects.toThrow(/Not enough privileges|ACCESS_DENIED|not supported/i);
  });
});
