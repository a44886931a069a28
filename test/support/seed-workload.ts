/**
 * Seeds a test server with the bundled workload (plus any extra scenarios) through the real path:
 * the instrumentation's init() with its OTLP/HTTP exporter → the embedded receiver → chdb.
 * init() registers the process-wide tracer provider, so call this once per test file.
 */
import { init } from '../../instrumentation/init.ts';
import { replay, type ReplayedSession } from '../../workload/replay.ts';
import { scenarios } from '../../workload/scenarios.ts';
import type { Scenario, SpanSpec } from '../../workload/scenario.ts';
import type { TestServer } from './embedded.ts';

export async function seedWorkload(t: TestServer, extra: readonly Scenario[] = [], runTag = 't1'): Promise<ReplayedSession[]> {
  const fr = init({ serviceName: 'acme-agents', endpoint: `${t.server.otlpUrl}/v1/traces` });
  const sessions = replay(fr.tracer, [...scenarios, ...extra], { runTag });
  await fr.shutdown();
  return sessions;
}

/** Every span a scenario describes, depth first, for computing expected figures independently of SQL. */
export function flatten(specs: readonly SpanSpec[]): SpanSpec[] {
  return specs.flatMap((s) => [s, ...flatten(s.children ?? [])]);
}
