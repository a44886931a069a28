/**
 * The store fails mid-stream (otel_traces detached through the in-process client, then attached
 * again) while the real protobuf exporter keeps sending; afterwards every acknowledged span is in
 * the table exactly once. In each ingest mode:
 * - direct: requests whose insert fails are answered 503 + Retry-After and the exporter retries;
 * - wal: requests keep being acknowledged from the write-ahead log while the store is down; the
 *   health endpoint reports the backlog and the store's error; the log drains once it is back;
 * - wal with a small backlog bound: past the bound, 429 + Retry-After, and the exporter retries.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { EmbeddedServerOptions } from '../server/embedded-server.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { exportBatch, makeSpans, succeeded } from './support/otlp-clients.ts';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Health {
  status: string;
  queuedSpans: number;
  wal?: { backlogSpans: number; segments: number; storeError: string | null };
}

const modes: { name: string; opts: Partial<EmbeddedServerOptions>; refused: number | null; walBacklogDuringOutage: boolean }[] = [
  { name: 'direct', opts: { ingestMode: 'direct' }, refused: 503, walBacklogDuringOutage: false },
  { name: 'wal', opts: { ingestMode: 'wal' }, refused: null, walBacklogDuringOutage: true },
  { name: 'wal, backlog bound 300 spans', opts: { ingestMode: 'wal', wal: { maxBacklogRows: 300 } }, refused: 429, walBacklogDuringOutage: true },
];

describe.each(modes)('store failure mid-stream ($name)', ({ opts, refused, walBacklogDuringOutage }) => {
  it('loses nothing acknowledged, answers so that the exporter retries, and stores each span once', async () => {
    t = await startTestServer({ fsync: false, ...opts });
    const server = t.server;
    const BATCHES = 24;
    const spans = await makeSpans(BATCHES * 25, 'fault-agent');
    const batches = Array.from({ length: BATCHES }, (_, i) => spans.slice(i * 25, (i + 1) * 25));
    const exporter = new OTLPTraceExporter({ url: `${server.otlpUrl}/v1/traces`, compression: 'gzip' as never, timeoutMillis: 30_000 });
    const health = async (): Promise<Health> => (await (await fetch(`${server.otlpUrl}/health`)).json()) as Health;

    let outage: Promise<void> | null = null;
    let duringOutage: Health | null = null;
    const results: boolean[] = new Array(BATCHES).fill(false);
    const sendOne = async (i: number): Promise<void> => {
      results[i] = succeeded(await exportBatch(exporter, batches[i]!));
    };
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < BATCHES; i++) {
      if (i === 8) {
        await server.client.command({ query: 'DETACH TABLE otel.otel_traces' });
        outage = sleep(2500)
          .then(async () => void (duringOutage = await health()))
          .then(() => server.client.command({ query: 'ATTACH TABLE otel.otel_traces' }))
          .then(() => undefined);
      }
      inFlight.push(sendOne(i));
      await sleep(50);
    }
    await Promise.all(inFlight);
    await outage;
    await exporter.shutdown();

    // Refused requests were answered so that the exporter retried them.
    await server.ingestLog.flush();
    const log = await (await t.http.query({ query: 'SELECT Outcome, HttpStatus, sum(Requests) AS requests FROM flightrec_ingest_log GROUP BY Outcome, HttpStatus', format: 'JSONEachRow' })).json<{ Outcome: string; HttpStatus: number; requests: string }>();
    const requests = (o: string): number => log.filter((r) => r.Outcome === o).reduce((n, r) => n + Number(r.requests), 0);
    expect(log.filter((r) => r.Outcome === 'store_error').length).toBeGreaterThan(0);
    if (refused === null) {
      expect(requests('refused')).toBe(0);
      expect(server.counters.requests).toBe(BATCHES);
    } else {
      expect(requests('refused')).toBeGreaterThan(0);
      expect(log.find((r) => r.Outcome === 'refused')?.HttpStatus).toBe(refused);
      expect(server.counters.requests).toBeGreaterThan(BATCHES);
    }
    if (walBacklogDuringOutage) {
      expect(duringOutage).toMatchObject({ status: 'degraded', wal: { storeError: expect.stringMatching(/otel_traces/) } });
      expect(duringOutage!.wal!.backlogSpans).toBeGreaterThan(0);
    }

    // Every batch was acknowledged in the end (the outage is shorter than the exporter's retry budget)…
    expect(results.filter((ok) => !ok)).toEqual([]);
    // …and every acknowledged span is there, exactly once.
    const acked = batches.filter((_, i) => results[i]).flat().map((s) => s.spanContext().spanId).sort();
    const rows = await (await t.http.query({ query: "SELECT SpanId FROM otel_traces WHERE ServiceName = 'fault-agent' ORDER BY SpanId", format: 'JSONEachRow' })).json<{ SpanId: string }>();
    expect(rows.map((r) => r.SpanId)).toEqual(acked);
    expect(requests('accepted')).toBe(BATCHES);
    if (walBacklogDuringOutage) {
      // The query above waited for the log to drain; every segment was deleted once inserted.
      expect(await health()).toMatchObject({ status: 'ok', queuedSpans: 0, wal: { backlogSpans: 0, segments: 0, storeError: null } });
      expect(readdirSync(join(server.dataDir, 'flightrec-wal'))).toEqual([]);
    }
  });
});
