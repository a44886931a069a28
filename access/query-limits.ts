/**
 * Limits on every query a user runs through the query port, set on its session after the
 * client's own settings and then locked with `readonly = 1`, so nothing a client sends (URL
 * settings, a SETTINGS clause, SET) can lift them: the engine refuses the change (READONLY).
 * Sleeping is refused by the gate (sleep, sleepEachRow); the rest is bounded here.
 */
import { availableParallelism } from 'node:os';

export interface QueryLimits {
  /** max_execution_time: the engine stops the query (TIMEOUT_EXCEEDED). */
  readonly maxExecutionSeconds: number;
  /** max_memory_usage per query. */
  readonly maxMemoryBytes: number;
  /** max_result_rows / max_result_bytes (result_overflow_mode = throw). */
  readonly maxResultRows: number;
  readonly maxResultBytes: number;
  /** max_threads per query. */
  readonly maxThreads: number;
  /** Queries running at once, over all users (each holds one libuv thread while it runs). */
  readonly concurrency: number;
  /** Queries running at once per user. */
  readonly concurrencyPerUser: number;
  /** Queries waiting for a slot before new ones are refused (TOO_MANY_SIMULTANEOUS_QUERIES). */
  readonly queueLength: number;
}

/**
 * Query threads by default: together at most half the cores (threads per query a quarter of them,
 * at least one), so ingest keeps the other half whatever readers send. The engine can also lower
 * its query threads' CPU priority (os_thread_priority, set below) but does so only with
 * CAP_SYS_NICE; without it the thread counts are what protects ingest (docs/security.md).
 */
function defaultThreads(cores: number): { maxThreads: number; concurrency: number } {
  const maxThreads = Math.max(1, Math.floor(cores / 4));
  return { maxThreads, concurrency: Math.max(1, Math.floor(cores / 2 / maxThreads)) };
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxExecutionSeconds: 60,
  maxMemoryBytes: 1 << 30,
  maxResultRows: 10_000_000,
  maxResultBytes: 512 << 20,
  ...defaultThreads(availableParallelism()),
  concurrencyPerUser: 2,
  queueLength: 64,
};

/** The environment variable behind each limit (README's table lists them). */
export const QUERY_LIMIT_ENV: Readonly<Record<keyof QueryLimits, string>> = {
  maxExecutionSeconds: 'FLIGHTREC_QUERY_MAX_SECONDS',
  maxMemoryBytes: 'FLIGHTREC_QUERY_MAX_MEMORY_BYTES',
  maxResultRows: 'FLIGHTREC_QUERY_MAX_RESULT_ROWS',
  maxResultBytes: 'FLIGHTREC_QUERY_MAX_RESULT_BYTES',
  maxThreads: 'FLIGHTREC_QUERY_MAX_THREADS',
  concurrency: 'FLIGHTREC_QUERY_CONCURRENCY',
  concurrencyPerUser: 'FLIGHTREC_QUERY_CONCURRENCY_PER_USER',
  queueLength: 'FLIGHTREC_QUERY_QUEUE',
};

/** Limits given in the environment (whole numbers > 0); throws naming the variable on a bad value. */
export function queryLimitsFromEnv(env: NodeJS.ProcessEnv): Partial<QueryLimits> {
  const out: Partial<Record<keyof QueryLimits, number>> = {};
  for (const [key, name] of Object.entries(QUERY_LIMIT_ENV) as [keyof QueryLimits, string][]) {
    const text = env[name];
    if (!text) continue;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a whole number > 0, got ${JSON.stringify(text)}`);
    out[key] = n;
  }
  return out;
}

/**
 * The size of libuv's thread pool (UV_THREADPOOL_SIZE, default 4). Every chdb query and insert,
 * and every fsync of the write-ahead log, holds one of its threads while it runs.
 */
export function threadPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.UV_THREADPOOL_SIZE);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1024) : 4;
}

/**
 * The limits in force: the defaults, then the given ones, with the concurrency capped so that
 * queries leave at least two pool threads to ingest (its inserts and fsyncs).
 */
export function resolveQueryLimits(given: Partial<QueryLimits> = {}, poolSize: number = threadPoolSize()): QueryLimits {
  const l = { ...DEFAULT_QUERY_LIMITS, ...given };
  const concurrency = Math.max(1, Math.min(l.concurrency, poolSize - 2));
  return { ...l, concurrency, concurrencyPerUser: Math.min(l.concurrencyPerUser, concurrency) };
}

/**
 * SET statements for a session, in order; the last one locks every setting. `checked` are the
 * statement's own settings, already checked by the gate (limits only lowered, ad hoc filters
 * approved): they come after the limits, so that they can lower them, and before the lock.
 */
export function limitStatements(l: QueryLimits, checked: readonly string[] = []): string[] {
  return [
    `SET max_execution_time = ${l.maxExecutionSeconds}, timeout_overflow_mode = 'throw'`,
    `SET max_memory_usage = ${l.maxMemoryBytes}`,
    `SET max_result_rows = ${l.maxResultRows}, max_result_bytes = ${l.maxResultBytes}, result_overflow_mode = 'throw'`,
    // A no-op without CAP_SYS_NICE (the engine checks it); where it works, readers' threads yield the CPU to ingest.
    `SET max_threads = ${l.maxThreads}, os_thread_priority = 19`,
    ...checked,
    'SET readonly = 1',
  ];
}
