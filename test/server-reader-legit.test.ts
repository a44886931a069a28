/**
 * Nothing legitimate is refused by the query port's gate: every saved query, every command of
 * the CLI that reads, and an audit export run as the `reader` / `exporter` users of a server
 * that has passwords (Grafana's panel queries run as a reader in grafana-queries.test.ts).
 */
import { mkdirSync } from 'node:fs';
import { PRIVATE_KEY_FILE } from '../audit/keys.ts';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import { runSavedQuery } from '../review/run-query.ts';
import { findSavedQuery, loadSavedQueries } from '../catalogue/saved-queries.ts';
import { dateTimeParam } from '../review/time-range.ts';
import type { ReplayedSession } from '../workload/replay.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { runCli } from '../tools/run-cli.ts';
import { seedWorkload } from './support/seed-workload.ts';
import { tempDir } from '../tools/temp-dir.ts';

let t: TestServer;
let reader: ClickHouseClient;
let sessions: ReplayedSession[];
const dir = tempDir();

beforeAll(async () => {
  t = await startTestServer({ users: [{ name: 'reader', password: 'r-pass', role: 'reader' }, { name: 'exporter', password: 'e-pass', role: 'reader' }, { name: 'writer', password: 'w-pass', role: 'writer' }] });
  sessions = await seedWorkload(t);
  reader = createClient({ url: t.server.queryUrl, username: 'reader', password: 'r-pass', database: 'otel', log: { level: ClickHouseLogLevel.OFF } });
});
afterAll(async () => {
  await reader?.close();
  await t?.stop();
  dir.cleanup();
});

it('every saved query runs as the reader user', async () => {
  const session = sessions[0]!.sessionId;
  // A real action of that session for context_before_action (as review-queries.test.ts picks one).
  const timeline = await runSavedQuery(reader, findSavedQuery('session_timeline'), { session });
  const action = String(timeline.at(-1)!.SpanId);
  const range = { from: dateTimeParam(new Date(Date.now() - 86_400_000)), to: dateTimeParam(new Date(Date.now() + 60_000)) };
  const queries = loadSavedQueries();
  expect(queries.length).toBeGreaterThan(10);
  for (const q of queries) {
    const params: Record<string, string> = {};
    for (const p of q.params) {
      if (p.name === 'from' || p.name === 'to') params[p.name] = range[p.name];
      else if (p.default !== undefined) continue;
      else params[p.name] = p.name === 'action' ? action : session;
    }
    await expect(runSavedQuery(reader, q, params), q.name).resolves.toBeInstanceOf(Array);
  }
});

it("Grafana's plugin browses the schema as the reader user (the statements its editor sends)", async () => {
  for (const query of [
    'SHOW DATABASES',
    'SHOW TABLES',
    'SHOW TABLES FROM "otel"',
    'DESC TABLE "otel"."otel_traces"',
    'SELECT version()',
    'SELECT timeZone()',
    "SELECT name, type, table FROM system.columns WHERE database IN ('otel')",
    'SELECT name, is_aggregate, case_insensitive, alias_to, origin, description, syntax, arguments, returned_value, examples, categories FROM system.functions LIMIT 10000',
    "SELECT DISTINCT arrayJoin(SpanAttributes.keys) as keys FROM \"otel\".\"otel_traces\" LIMIT 1000",
  ]) {
    const rs = await reader.query({ query, format: 'JSONEachRow' });
    expect((await rs.json()).length, query).toBeGreaterThan(0);
  }
});

it('the CLI reads as reader, and exports as exporter', async () => {
  const env = { FLIGHTREC_USER: 'reader', FLIGHTREC_PASSWORD: 'r-pass' };
  const url = ['--url', t.server.queryUrl];
  for (const args of [['incidents', '--since', '48h'], ['query', 'overview', '--since', '48h'], ['incident', sessions[0]!.sessionId], ['query', 'tool_error_rates', '--since', '48h', '--format', 'json']]) {
    const r = await runCli([...args, ...url], { env });
    expect([args.join(' '), r.code, r.stderr]).toEqual([args.join(' '), 0, '']);
  }
  const keyDir = join(dir.path, 'keys');
  mkdirSync(keyDir);
  const keys = await runCli(['keys', '--out', keyDir]);
  expect(keys.code, keys.stderr).toBe(0);
  const contentKey = join(keyDir, 'audit-content.key');
  expect((await runCli(['keys', '--content-key', contentKey])).code).toBe(0);
  const out = join(dir.path, 'export');
  const exported = await runCli(['export', '--out', out, '--key', join(keyDir, PRIVATE_KEY_FILE), '--content-key', contentKey, '--since', '48h', ...url], { env: { FLIGHTREC_USER: 'exporter', FLIGHTREC_PASSWORD: 'e-pass' } });
  expect([exported.code, exported.stderr]).toEqual([0, '']);
});
