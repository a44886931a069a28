/**
 * The limits on queries through the port hold in the engine: time, memory, result size, and how
 * many run at once (issue 14, row 9). Small limits here so each is reached quickly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuerySlots, TooManyQueries } from '../access/query-slots.ts';
import { resolveQueryLimits } from '../access/query-limits.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({
    fsync: false,
    queryLimits: { maxExecutionSeconds: 1, maxMemoryBytes: 64 << 20, maxResultRows: 1000, maxResultBytes: 1 << 20, concurrency: 1, concurrencyPerUser: 1, queueLength: 1 },
  });
});
afterAll(async () => {
  await t?.stop();
});

async function post(sql: string): Promise<{ status: number; code: string | null; body: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${t.server.queryUrl}/`, { method: 'POST', body: sql });
  return { status: res.status, code: res.headers.get('x-clickhouse-exception-code'), body: await res.text(), ms: performance.now() - t0 };
}

describe('limits in the engine', () => {
  it('a long query is stopped at max_execution_time', async () => {
    const a = await post('SELECT count() FROM numbers_mt(1000000000000)');
    expect([a.code, a.body]).toEqual(['159', expect.stringMatching(/TIMEOUT_EXCEEDED/)]);
    expect(a.ms).toBeLessThan(10_000);
  });

  it('memory per query and result size are capped', async () => {
    expect((await post("SELECT length(groupArray(repeat('x', 1000))) FROM numbers(10000000)")).code).toBe('241');
    expect((await post('SELECT number FROM numbers(100000)')).code).toBe('396');
    expect((await post('SELECT number FROM numbers(10)')).body).toBe('0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n');
  });

  it('one query at a time here: the next waits, the one after that is refused (503, TOO_MANY_SIMULTANEOUS_QUERIES)', async () => {
    const running = post('SELECT count() FROM numbers_mt(1000000000000)');
    await new Promise((r) => setTimeout(r, 200));
    const waiting = post('SELECT 1');
    await new Promise((r) => setTimeout(r, 100));
    const refused = await post('SELECT 2');
    expect([refused.status, refused.code]).toEqual([503, '202']);
    expect((await running).code).toBe('159');
    expect((await waiting).body).toBe('1\n');
  });
});

describe('QuerySlots', () => {
  it('caps per user, queues in order, drops a waiter whose client went away', async () => {
    const slots = new QuerySlots(2, 1, 2);
    const a = await slots.acquire('a');
    const gone = new AbortController();
    const a2 = slots.acquire('a', gone.signal);
    const b = await slots.acquire('b'); // another user still gets the second slot
    const a3 = slots.acquire('a');
    expect([slots.running, slots.waiting]).toEqual([2, 2]);
    await expect(slots.acquire('c')).rejects.toBeInstanceOf(TooManyQueries);
    gone.abort();
    await expect(a2).rejects.toThrow(/went away/);
    a();
    const next = await a3;
    expect([slots.running, slots.waiting]).toEqual([2, 0]);
    next();
    b();
    expect(slots.running).toBe(0);
  });

  it('leaves at least two pool threads to ingest', () => {
    expect(resolveQueryLimits({ concurrency: 10 }, 4).concurrency).toBe(2);
    expect(resolveQueryLimits({ concurrency: 10 }, 8).concurrency).toBe(6);
    expect(resolveQueryLimits({ concurrency: 10, concurrencyPerUser: 5 }, 3)).toMatchObject({ concurrency: 1, concurrencyPerUser: 1 });
  });
});
