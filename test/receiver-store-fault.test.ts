/**
 * The store fails mid-stream (otel_traces detached through the in-process client, then attached
 * again): the receiver answers 503 + Retry-After, the real protobuf exporter retries, and afterwards
 * every acknowledged span is in the table exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { exportBatch, makeSpans, succeeded } from './support/otlp-clients.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ fsync: false });
});
afterAll(async () => {
  await t?.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('store failure mid-stream', () => {
  it('loses nothing acknowledged, and the refused batches are retried by the exporter until they land', async () => {
    const BATCHES = 24;
    const spans = await makeSpans(BATCHES * 25, 'fault-agent');
    const batches = Array.from({ length: BATCHES }, (_, i) => spans.slice(i * 25, (i + 1) * 25));
    const exporter = new OTLPTraceExporter({ url: `${t.server.otlpUrl}/v1/traces`, compression: 'gzip' as never, timeoutMillis: 30_000 });

    let outage: Promise<void> | null = null;
    const results: boolean[] = new Array(BATCHES).fill(false);
    const sendOne = async (i: number): Promise<void> => {
      results[i] = succeeded(await exportBatch(exporter, batches[i]!));
    };
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < BATCHES; i++) {
      if (i === 8) {
        await t.server.client.command({ query: 'DETACH TABLE otel.otel_traces' });
        outage = sleep(2500).then(() => t.server.client.command({ query: 'ATTACH TABLE otel.otel_traces' })).then(() => undefined);
      }
      inFlight.push(sendOne(i));
      await sleep(50);
    }
    await Promise.all(inFlight);
    await outage;
    await exporter.shutdown();

    // Refused requests were answered so that the exporter retried them.
    await t.server.ingestLog.flush();
    const log = await (await t.http.query({ query: 'SELECT Outcome, HttpStatus, sum(Requests) AS requests FROM flightrec_ingest_log GROUP BY Outcome, HttpStatus', format: 'JSONEachRow' })).json<{ Outcome: string; HttpStatus: number; requests: string }>();
    const requests = (o: string): number => Number(log.find((r) => r.Outcome === o)?.requests ?? 0);
    expect(requests('refused')).toBeGreaterThan(0);
    expect(requests('store_error')).toBeGreaterThan(0);
    expect(log.find((r) => r.Outcome === 'refused')?.HttpStatus).toBe(503);
    expect(t.server.counters.requests).toBeGreaterThan(BATCHES);

    // Every batch was acknowledged in the end (the outage is shorter than the exporter's retry budget)…
    expect(results.filter((ok) => !ok)).toEqual([]);
    // …and every acknowledged span is there, exactly once.
    const acked = batches.filter((_, i) => results[i]).flat().map((s) => s.spanContext().spanId).sort();
    const rows = await (await t.http.query({ query: "SELECT SpanId FROM otel_traces WHERE ServiceName = 'fault-agent' ORDER BY SpanId", format: 'JSONEachRow' })).json<{ SpanId: string }>();
    expect(rows.map((r) => r.SpanId)).toEqual(acked);
    expect(requests('accepted')).toBe(BATCHES);
  });
});
