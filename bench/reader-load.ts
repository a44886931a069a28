/**
 * The heaviest reader load a client of the query port can produce, and a steady OTLP span
 * stream whose acknowledgement latency is measured under it. Shared by
 * bench/ingest-under-reader-load.ts (figures) and test/server-ingest-under-load.test.ts (a bound).
 */
import { workloadBodies } from '../seed/agent-workload.ts';

/** Long CPU-bound, memory-bound, result-heavy, sleeping (refused at once) and cheap queries; some abandoned by their client. */
export const HEAVY_READER_QUERIES: readonly string[] = [
  'SELECT count() FROM numbers_mt(1000000000000)',
  'SELECT uniqExact(cityHash64(number)) FROM numbers_mt(1000000000000)',
  "SELECT length(groupArray(repeat('x', 1000))) FROM numbers(100000000)",
  'SELECT number, toString(number) AS s FROM numbers(5000000)',
  'SELECT sleepEachRow(3) FROM numbers(100)',
  'SELECT count() FROM system.columns',
];

export interface ReaderLoad {
  /** Stop sending; resolves when every reader's last request has ended. */
  stop(): Promise<{ requests: number; byStatus: Record<string, number> }>;
}

/**
 * Every ABANDON_EVERY-th request of a loop is given up by its client after ABANDON_AFTER_MS (the
 * engine then stops the query: storage/cancellable-query.ts, a KILL per abandoned query).
 */
const ABANDON_EVERY = 4;
const ABANDON_AFTER_MS = 300;

/** `clients` loops, each sending the heavy queries in turn (as fast as answers come back); `abandon: false` keeps every client waiting for its answer. */
export function startReaderLoad(queryUrl: string, clients: number, headers: Record<string, string> = {}, opts: { abandon?: boolean } = {}): ReaderLoad {
  const abandonEvery = opts.abandon === false ? Infinity : ABANDON_EVERY;
  let running = true;
  let requests = 0;
  const byStatus: Record<string, number> = {};
  const loops = Array.from({ length: clients }, async (_, c) => {
    for (let i = c; running; i++) {
      const sql = HEAVY_READER_QUERIES[i % HEAVY_READER_QUERIES.length]!;
      requests++;
      const abandon = requests % abandonEvery === 0 ? AbortSignal.timeout(ABANDON_AFTER_MS) : undefined;
      try {
        const res = await fetch(`${queryUrl}/`, { method: 'POST', headers, body: sql, signal: abandon });
        await res.arrayBuffer();
        byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
      } catch {
        const key = abandon?.aborted ? 'abandoned' : 'error';
        byStatus[key] = (byStatus[key] ?? 0) + 1;
      }
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { requests, byStatus };
    },
  };
}

export interface AckStats {
  readonly sent: number;
  readonly acknowledged: number;
  readonly latenciesMs: readonly number[];
}

/**
 * Send one OTLP/HTTP request of `spansPerRequest` spans every `intervalMs` for `durationMs`
 * (open loop: a slow answer does not delay the next request) and time each acknowledgement.
 */
export async function measureAcks(otlpUrl: string, opts: { intervalMs: number; durationMs: number; spansPerRequest: number; headers?: Record<string, string> }): Promise<AckStats> {
  const count = Math.max(1, Math.round(opts.durationMs / opts.intervalMs));
  const bodies = workloadBodies(count, opts.spansPerRequest);
  const latencies: number[] = [];
  let acknowledged = 0;
  const pending: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const due = started + i * opts.intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    pending.push(
      fetch(`${otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', ...opts.headers }, body: bodies[i]! })
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.status === 200) {
            acknowledged++;
            latencies.push(performance.now() - t0);
          }
        })
        .catch(() => {}),
    );
  }
  await Promise.all(pending);
  return { sent: count, acknowledged, latenciesMs: latencies.sort((a, b) => a - b) };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
