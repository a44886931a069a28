/**
 * A reader's query stops in the engine when its client disconnects (issue 14, row 9), and its
 * slot is free again: with one query at a time, the next gets through long before the first's
 * time limit. Evidence is read from the engine's own process list, in process (privileged side),
 * then shown again against a real `flightrec up` process. Bounds are generous (figures:
 * docs/security.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from 'chdb';
import { measureAcks } from '../bench/reader-load.ts';
import { QueryCancelled, runCancellable } from '../storage/cancellable-query.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { startUp, type RunningUp } from '../tools/run-cli.ts';
import { tempDir } from '../tools/temp-dir.ts';

const LONG = 'SELECT count() FROM numbers_mt(1000000000000)';
const LIMIT_S = 40;

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({
    fsync: false,
    queryLimits: { maxExecutionSeconds: LIMIT_S, concurrency: 1, concurrencyPerUser: 1, queueLength: 8 },
  });
});
afterAll(async () => {
  await t?.stop();
});

/** Queries of the long kind the engine is running now (read in process, past the gate). */
async function runningInEngine(): Promise<number> {
  const rs = await t.server.client.query({
    query: "SELECT count() AS n FROM system.processes WHERE query LIKE '%numbers_mt(1000000000000)%' AND query NOT LIKE '%system.processes%'",
    format: 'JSONEachRow',
  });
  return Number((await rs.json<{ n: string }>())[0]!.n);
}

async function waitFor(cond: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (!(await cond())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - t0;
}

/** Starts the long query; the returned function disconnects its client. */
function startLong(): { abort: () => void; done: Promise<number | 'aborted'> } {
  const ac = new AbortController();
  const done = fetch(`${t.server.queryUrl}/`, { method: 'POST', body: LONG, signal: ac.signal }).then(
    async (res) => { await res.arrayBuffer().catch(() => {}); return res.status; },
    () => 'aborted' as const,
  );
  return { abort: () => ac.abort(), done };
}

async function post(sql: string): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${t.server.queryUrl}/`, { method: 'POST', body: sql });
  return { status: res.status, body: await res.text(), ms: performance.now() - t0 };
}

async function ingestAcknowledged(): Promise<void> {
  const acks = await measureAcks(t.server.otlpUrl, { intervalMs: 100, durationMs: 500, spansPerRequest: 10 });
  expect(acks.acknowledged).toBe(acks.sent);
}

describe('a query is cancelled when its client disconnects', () => {
  it('the engine stops the running query, its slot is free again, ingest is acknowledged', async () => {
    const q = startLong();
    await waitFor(async () => (await runningInEngine()) === 1, 10_000);
    q.abort();
    expect(await q.done).toBe('aborted');
    const stoppedMs = await waitFor(async () => (await runningInEngine()) === 0, 10_000);
    expect(stoppedMs).toBeLessThan(10_000);
    // One query at a time: this one had to wait for the first's slot.
    const next = await post('SELECT 1');
    expect([next.status, next.body]).toEqual([200, '1\n']);
    expect(next.ms).toBeLessThan(LIMIT_S * 1000 / 4);
    await ingestAcknowledged();
  });

  it('a client that stays gets its answer (the cancel reaches only the query whose client left)', async () => {
    const gone = startLong();
    await waitFor(async () => (await runningInEngine()) === 1, 10_000);
    const stays = post('SELECT 42'); // queued behind the long one
    gone.abort();
    const answer = await stays;
    expect([answer.status, answer.body]).toEqual([200, '42\n']);
    expect(answer.ms).toBeLessThan(LIMIT_S * 1000 / 4); // it waited for the cancelled query's slot only
  });

  it('many clients starting and aborting at once leak no slot and no engine query; the server stays up', async () => {
    const clients = Array.from({ length: 40 }, (_, i) => {
      const q = startLong();
      setTimeout(q.abort, (i * 37) % 400); // before the gate, in the queue, while running
      return q.done;
    });
    const outcomes = await Promise.all(clients);
    // Every client either left or was refused at once because the wait list was full.
    expect(outcomes.every((o) => o === 'aborted' || o === 503)).toBe(true);
    expect(outcomes.filter((o) => o === 'aborted').length).toBeGreaterThan(8);
    await waitFor(async () => (await runningInEngine()) === 0, 15_000);
    const next = await post('SELECT 1');
    expect([next.status, next.body]).toEqual([200, '1\n']);
    expect(next.ms).toBeLessThan(LIMIT_S * 1000 / 4);
    await ingestAcknowledged();
    expect((await fetch(`${t.server.queryUrl}/ping`)).status).toBe(200);
  });
});

describe('runCancellable (the engine side)', () => {
  it('stops only the query whose signal fired, even beside the same text; a query already abandoned does not start', async () => {
    const sessions = [new Session(t.server.dataDir), new Session(t.server.dataDir)];
    const gone = [new AbortController(), new AbortController()];
    for (const s of sessions) s.query('SET max_threads = 1');
    try {
      const runs = sessions.map((s, i) => runCancellable(s, LONG, { dataPath: t.server.dataDir, format: 'CSV', signal: gone[i]!.signal }).then(() => 'done', (e: Error) => e.message));
      await waitFor(async () => (await runningInEngine()) === 2, 10_000);
      gone[0]!.abort();
      expect(await runs[0]).toMatch(/QUERY_WAS_CANCELLED/);
      // chdb keeps an ended query listed until its session closes: the other one must be running still.
      await new Promise((r) => setTimeout(r, 300));
      const rs = await t.server.client.query({ query: "SELECT count() AS n FROM system.processes WHERE query LIKE '%numbers_mt(1000000000000)%' AND query NOT LIKE '%system.processes%' AND is_cancelled = 0", format: 'JSONEachRow' });
      expect(Number((await rs.json<{ n: string }>())[0]!.n)).toBe(1);
      gone[1]!.abort();
      expect(await runs[1]).toMatch(/QUERY_WAS_CANCELLED/);
      await expect(runCancellable(sessions[0]!, 'SELECT 1', { dataPath: t.server.dataDir, format: 'CSV', signal: gone[0]!.signal })).rejects.toBeInstanceOf(QueryCancelled);
    } finally {
      for (const s of sessions) s.close();
    }
    await waitFor(async () => (await runningInEngine()) === 0, 5000);
  });
});

describe('against `flightrec up` (its own process, one query at a time)', () => {
  let up: RunningUp;
  const dir = tempDir();
  beforeAll(async () => {
    up = await startUp(['--data-dir', dir.path, '--otlp-port', '0', '--query-port', '0'], {
      env: { FLIGHTREC_QUERY_CONCURRENCY: '1', FLIGHTREC_QUERY_MAX_SECONDS: String(LIMIT_S) },
    });
  });
  afterAll(async () => {
    await up?.stop();
    dir.cleanup();
  });

  it('a disconnected query gives its slot back long before its time limit; ingest and the server carry on', async () => {
    for (let round = 0; round < 3; round++) {
      const ac = new AbortController();
      const first = fetch(`${up.queryUrl}/`, { method: 'POST', body: LONG, signal: ac.signal }).catch(() => 'aborted');
      await new Promise((r) => setTimeout(r, 1000)); // running (or still in the gate: then it never starts)
      ac.abort();
      expect(await first).toBe('aborted');
      const t0 = performance.now();
      const res = await fetch(`${up.queryUrl}/`, { method: 'POST', body: 'SELECT 7' });
      expect([res.status, await res.text()]).toEqual([200, '7\n']);
      expect(performance.now() - t0).toBeLessThan(LIMIT_S * 1000 / 4);
    }
    const acks = await measureAcks(up.otlpUrl, { intervalMs: 100, durationMs: 500, spansPerRequest: 10 });
    expect(acks.acknowledged).toBe(acks.sent);
    expect(up.child.exitCode).toBeNull();
  });
});
