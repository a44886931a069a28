/**
 * OTLP acknowledgement latency of a steady span stream, without and then with the heaviest reader
 * load the query port allows (bench/reader-load.ts), in one run against one `flightrec up`-like
 * server (write-ahead-log ingest, fsync on, the CLI's thread pool of 8, default query limits
 * except max_execution_time = 10 s so the run ends). Goal (issue 14): p99 with load ≤ 2× without.
 * The load runs twice: with a quarter of its requests abandoned by their clients (the default
 * load), then with none abandoned, to show what stopping abandoned queries costs ingest.
 *
 *   node bench/ingest-under-reader-load.ts [seconds per phase = 15] [readers = 12]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryLimitsFromEnv, resolveQueryLimits, threadPoolSize } from '../access/query-limits.ts';
import { startEmbeddedServer } from '../server/embedded-server.ts';
import { measureAcks, percentile, startReaderLoad, type AckStats } from './reader-load.ts';

process.env.UV_THREADPOOL_SIZE ??= '8'; // as the CLI sets it (cli/main.ts), before the pool is first used

const seconds = Number(process.argv[2] ?? 15);
const readers = Number(process.argv[3] ?? 12);
const stream = { intervalMs: 50, durationMs: seconds * 1000, spansPerRequest: 100 };

const dir = mkdtempSync(join(tmpdir(), 'flightrec-bench-load-'));
// The query limits from FLIGHTREC_QUERY_* as `flightrec up` takes them, max_execution_time 10 s unless given.
const queryLimits = { maxExecutionSeconds: 10, ...queryLimitsFromEnv(process.env) };
const server = await startEmbeddedServer({ dataDir: dir, otlpPort: 0, queryPort: 0, queryLimits });
const line = (name: string, s: AckStats): string =>
  `${name.padEnd(22)} ${String(s.acknowledged).padStart(4)}/${s.sent} acked   p50 ${percentile(s.latenciesMs, 50).toFixed(1).padStart(7)} ms   p99 ${percentile(s.latenciesMs, 99).toFixed(1).padStart(7)} ms   max ${s.latenciesMs.at(-1)!.toFixed(1).padStart(7)} ms`;
try {
  const l = resolveQueryLimits(queryLimits);
  console.log(`uid ${process.getuid?.()}, readers: ${l.concurrency} at once, max_threads ${l.maxThreads}; thread pool ${threadPoolSize()}, ${stream.spansPerRequest} spans every ${stream.intervalMs} ms for ${seconds} s per phase, ${readers} reader loops`);
  await measureAcks(server.otlpUrl, { ...stream, durationMs: 2000 }); // warm-up
  const quiet = await measureAcks(server.otlpUrl, stream);
  console.log(line('no reader load', quiet));
  // With and without clients that abandon their queries (each abandoned query is stopped in the engine by a KILL).
  for (const abandon of [true, false]) {
    const load = startReaderLoad(server.queryUrl, readers, {}, { abandon });
    await new Promise((r) => setTimeout(r, 1000));
    const loaded = await measureAcks(server.otlpUrl, stream);
    const r = await load.stop();
    console.log(line(abandon ? 'heavy reader load' : '  … none abandoned', loaded));
    console.log(`reader requests: ${r.requests} (by HTTP status: ${JSON.stringify(r.byStatus)})`);
    console.log(`ratio p99 load / no load: ${(percentile(loaded.latenciesMs, 99) / percentile(quiet.latenciesMs, 99)).toFixed(2)} (goal ≤ 2)`);
  }
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
