/**
 * The collector is down: init() with the real OTLP/HTTP exporter pointed at a closed port. The
 * agent's calls return their results, flush and shutdown resolve, the failure is counted.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { init, telemetryErrorCounts, withAgent, wrapTool } from '../instrumentation/index.ts';

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('exporter down', () => {
  it('calls return their own results; flush and shutdown resolve; the failure is counted, not thrown', async () => {
    const port = await closedPort();
    process.env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT = '1000'; // retries stop at the timeout; keep the test short
    const fr = init({ serviceName: 'down', agentName: 'down', endpoint: `http://127.0.0.1:${port}/v1/traces`, simpleExport: true });
    const tool = wrapTool(async (n: number) => ({ n }), { name: 'count' });
    const results = await withAgent({ agentName: 'down', conversationId: 'c' }, () => Promise.all([1, 2, 3].map((n) => tool(n))));
    expect(results.map((r) => r.n)).toEqual([1, 2, 3]);
    await expect(fr.forceFlush()).resolves.toBeUndefined();
    await expect(fr.shutdown()).resolves.toBeUndefined();
    expect(telemetryErrorCounts().get('exporter.result')).toBeGreaterThan(0);
  });
});
