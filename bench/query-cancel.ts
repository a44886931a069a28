/**
 * How soon a reader's query stops in the engine after its client disconnects, and how much the
 * event loop is held up meanwhile (issue 14: "a query is cancelled when its client disconnects").
 *
 * 1. Through the query port of a `flightrec up`-like server (default limits but
 *    max_execution_time 30 s): each query kind the gate allows runs ~1 s, then its client aborts
 *    the request; timed until the query has left the engine's process list.
 * 2. In the engine directly (the gate refuses sleep functions): `sleepEachRow` and `count()`,
 *    stopped by storage/cancellable-query.ts side by side with the peer, chdb's own streaming
 *    cancel (`queryStream` + AbortSignal), which acts only between result chunks (max_execution_time
 *    10 s, so the peer's rounds end).
 * Event-loop delay over each phase (a 10 ms timer's lateness), against idle baselines before and
 * after (the machine's own noise: other processes share its cores).
 *
 *   node bench/query-cancel.ts [rounds per kind = 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { startEmbeddedServer } from '../server/embedded-server.ts';
import { runCancellable } from '../storage/cancellable-query.ts';

process.env.UV_THREADPOOL_SIZE ??= '8'; // as the CLI sets it (cli/main.ts), before the pool is first used

const rounds = Number(process.argv[2] ?? 3);
const RUN_BEFORE_ABORT_MS = 1000;
const PEER_LIMIT_S = 10;

/** Query kinds a reader may send (they pass the gate), each far longer than the 30 s limit. */
const PORT_QUERIES: Record<string, string> = {
  'cpu count()': 'SELECT count() FROM numbers_mt(1000000000000)',
  'cpu uniqExact': 'SELECT uniqExact(cityHash64(number)) FROM numbers_mt(1000000000000)',
  'group by + sort': 'SELECT number % 100000000 AS k, count() AS c FROM numbers_mt(1000000000000) GROUP BY k ORDER BY c DESC LIMIT 3',
  'IN (sub-query)': 'SELECT count() FROM numbers_mt(1000000000000) WHERE number IN (SELECT number * 7 FROM numbers(1000000))',
};
/** Every statement the port runs starts with this (storage/cancellable-query.ts); the gate's own parses do not. */
const PORT_TAG = '/* flightrec-query ';
/** In the engine directly: a sleeping query (refused by the gate) and an aggregate that sends nothing until it ends. */
const ENGINE_QUERIES: Record<string, string> = {
  sleepEachRow: 'SELECT sleepEachRow(3) FROM numbers(100)',
  'count()': 'SELECT count() FROM numbers_mt(1000000000000)',
};

const dir = mkdtempSync(join(tmpdir(), 'flightrec-bench-cancel-'));
const server = await startEmbeddedServer({ dataDir: dir, otlpPort: 0, queryPort: 0, fsync: false, queryLimits: { maxExecutionSeconds: 30 } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lateness of a 10 ms timer, recorded into whichever phase is current (toggling perf_hooks' histogram would count the gaps). */
class LoopDelay {
  phase: number[] | null = null;
  #timer: NodeJS.Timeout;
  constructor() {
    let due = performance.now() + 10;
    this.#timer = setInterval(() => {
      const now = performance.now();
      this.phase?.push(Math.max(0, now - due));
      due = now + 10;
    }, 10);
  }
  stop(): void {
    clearInterval(this.#timer);
  }
}
const loop = new LoopDelay();
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const delayLine = (xs: number[]) => `loop delay p50 ${pct(xs, 50).toFixed(1).padStart(5)} p99 ${pct(xs, 99).toFixed(1).padStart(6)} max ${Math.max(...xs).toFixed(1).padStart(6)} ms (${xs.length} samples)`;
async function idlePhase(label: string): Promise<void> {
  const xs: number[] = [];
  loop.phase = xs;
  await sleep(3000);
  loop.phase = null;
  console.log(`${label.padEnd(34)} ${delayLine(xs)}`);
}

async function inEngine(fragment: string): Promise<number> {
  const rs = await server.client.query({
    query: 'SELECT count() AS n FROM system.processes WHERE position(query, {f:String}) > 0 AND query NOT LIKE \'%system.processes%\'',
    query_params: { f: fragment },
    format: 'JSONEachRow',
  });
  return Number((await rs.json<{ n: string }>())[0]!.n);
}

async function until(cond: () => Promise<boolean>, timeoutMs: number): Promise<number | null> {
  const t0 = performance.now();
  while (!(await cond())) {
    if (performance.now() - t0 > timeoutMs) return null;
    await sleep(10);
  }
  return performance.now() - t0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

try {
  console.log(`uid ${process.getuid?.()}, ${rounds} rounds per kind, client aborts after ${RUN_BEFORE_ABORT_MS} ms`);
  await idlePhase('idle (no query)');

  for (const [name, sql] of Object.entries(PORT_QUERIES)) {
    const stops: number[] = [];
    const running: number[] = [];
    const cancelling: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const ac = new AbortController();
      const req = fetch(`${server.queryUrl}/`, { method: 'POST', body: sql, signal: ac.signal }).then((r) => r.arrayBuffer()).catch(() => null);
      if ((await until(async () => (await inEngine(PORT_TAG)) > 0, 10_000)) === null) throw new Error(`${name}: never started`);
      loop.phase = running;
      await sleep(RUN_BEFORE_ABORT_MS);
      loop.phase = cancelling;
      const t0 = performance.now();
      ac.abort();
      const stopped = await until(async () => (await inEngine(PORT_TAG)) === 0, 40_000);
      stops.push(stopped === null ? Infinity : performance.now() - t0);
      await req;
      await sleep(200);
      loop.phase = null;
    }
    console.log(`port: ${name.padEnd(28)} stop after disconnect: median ${median(stops).toFixed(0).padStart(4)} ms, max ${Math.max(...stops).toFixed(0).padStart(4)} ms`);
    console.log(`${' '.repeat(34)} while running:     ${delayLine(running)}`);
    console.log(`${' '.repeat(34)} abort to stop+0.2s: ${delayLine(cancelling)}`);
  }

  // In the engine, side by side: this module's KILL vs chdb's streaming cancel, same query.
  for (const [name, sql] of Object.entries(ENGINE_QUERIES)) for (const how of ['kill (flightrec)', 'stream cancel (chdb)'] as const) {
    const stops: number[] = [];
    const h: number[] = [];
    const abortCall: number[] = [];
    const closeCall: number[] = [];
    loop.phase = h;
    for (let i = 0; i < rounds; i++) {
      const session = new Session(dir);
      session.query(`SET max_execution_time = ${PEER_LIMIT_S}, max_threads = 1, function_sleep_max_microseconds_per_block = 0`);
      const ac = new AbortController();
      let ended: Promise<unknown>;
      if (how === 'kill (flightrec)') {
        ended = runCancellable(session, sql, { dataPath: dir, format: 'CSV', signal: ac.signal }).catch(() => null);
      } else {
        const stream = session.queryStream(sql, { format: 'CSV', signal: ac.signal });
        ended = (async () => { try { for await (const _ of stream); } catch { /* aborted or timed out */ } })();
      }
      await until(async () => (await inEngine(sql)) > 0, 10_000);
      await sleep(RUN_BEFORE_ABORT_MS);
      const t0 = performance.now();
      ac.abort(); // synchronously: the abort listener opens the KILL's session and starts its query
      abortCall.push(performance.now() - t0);
      await ended;
      stops.push(performance.now() - t0);
      const c0 = performance.now();
      session.close();
      closeCall.push(performance.now() - c0);
      await until(async () => (await inEngine(sql)) === 0, 5000);
    }
    loop.phase = null;
    console.log(`engine: ${name}, ${how.padEnd(20)} stop after abort: median ${median(stops).toFixed(0).padStart(5)} ms, max ${Math.max(...stops).toFixed(0).padStart(5)} ms   ${delayLine(h)}  (limit ${PEER_LIMIT_S} s)`);
    console.log(`${' '.repeat(34)} on the event loop: abort() ${Math.max(...abortCall).toFixed(2)} ms, session close ${Math.max(...closeCall).toFixed(2)} ms (max of ${rounds})`);
  }
  await idlePhase('idle again (no query)');
} finally {
  loop.stop();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
