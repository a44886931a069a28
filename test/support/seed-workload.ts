/**
 * Seeds a test server with the bundled workload (plus any extra scenarios) through the real path:
 * the instrumentation's init() with its OTLP/HTTP exporter → the embedded receiver → chdb.
 * init() registers the process-wide tracer provider, so call this once per test file.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { init } from '../../instrumentation/init.ts';
import { inMemoryTracer } from '../../workload/in-memory-tracer.ts';
import { replay, type ReplayedSession } from '../../workload/replay.ts';
import { scenarios } from '../../workload/scenarios.ts';
import type { Scenario } from '../../workload/scenario.ts';
import type { TestServer } from './embedded.ts';

export async function seedWorkload(t: TestServer, extra: readonly Scenario[] = [], runTag = 't1'): Promise<ReplayedSession[]> {
  const fr = init({ serviceName: 'acme-agents', endpoint: `${t.server.otlpUrl}/v1/traces` });
  const sessions = replay(fr.tracer, [...scenarios, ...extra], { runTag });
  await fr.shutdown();
  return sessions;
}

/**
 * The spans the recorders make of `scenarios`, held in memory (no pipeline, no export), for
 * computing expected figures independently of SQL.
 */
export function recordedSpans(scenarios: readonly Scenario[]): ReadableSpan[] {
  const { tracer, spans } = inMemoryTracer();
  replay(tracer, scenarios);
  return spans;
}

export const failed = (span: ReadableSpan): boolean => span.status.code === SpanStatusCode.ERROR;
/** Epoch milliseconds of a span's start. */
export const startMs = (span: ReadableSpan): number => span.startTime[0] * 1_000 + span.startTime[1] / 1e6;
