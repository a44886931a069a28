/**
 * Back-pressure: while the store is slow, requests past the queue limit are answered 429 with
 * Retry-After (and nothing of theirs is written); queued requests are acknowledged only once their
 * insert returns; a failed insert refuses every request in it with 503. The sink here is a gate the
 * test opens by hand, so the timing is deterministic; the real store is covered by the fault tests.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { IngestQueue, type EncodedBatch, type SpanSink } from '../receiver/ingest-queue.ts';
import { DEFAULT_ROW_LIMITS } from '../receiver/span-rows.ts';
import { createOtlpHandler } from '../server/otlp-receiver.ts';

/** A sink whose inserts wait until the test releases (or fails) them. */
class GatedSink implements SpanSink {
  written: EncodedBatch[][] = [];
  #waiting: { batches: readonly EncodedBatch[]; resolve: () => void; reject: (e: Error) => void }[] = [];
  writeBatches(batches: readonly EncodedBatch[]): Promise<void> {
    return new Promise((resolve, reject) => this.#waiting.push({ batches, resolve, reject }));
  }
  get pending(): number {
    return this.#waiting.length;
  }
  release(): void {
    const w = this.#waiting.shift()!;
    this.written.push([...w.batches]);
    w.resolve();
  }
  fail(message: string): void {
    this.#waiting.shift()!.reject(new Error(message));
  }
}

const NOW = BigInt(Date.now()) * 1_000_000n;
const body = (n: number): string => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: n }, (_, i) => ({
  traceId: '0af7651916cd43dd8448eb211c80319c', spanId: (0x100 + i).toString(16).padStart(16, '0'), name: 's', startTimeUnixNano: String(NOW), endTimeUnixNano: String(NOW + 1n),
})) }] }] });
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 20));
/** Wait for a state of the queue or sink rather than for a fixed time (the suite runs on a loaded machine). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function receiver(sink: SpanSink, maxQueuedRows: number): Promise<{ url: string; queue: IngestQueue }> {
  const queue = new IngestQueue(sink, { maxQueuedRows, maxBatchRows: 1000, retryAfterSeconds: 2 });
  const otlp = createOtlpHandler(queue, { maxBodyBytes: 1 << 20, rowLimits: DEFAULT_ROW_LIMITS });
  server = createServer((req, res) => void otlp.handle(req, res));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/traces`, queue };
}

const post = (url: string, n: number): Promise<Response> => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(n) });

describe('back-pressure', () => {
  it('answers 429 + Retry-After past the queue limit, and acknowledges the rest only after their insert', async () => {
    const sink = new GatedSink();
    const { url, queue } = await receiver(sink, 10);
    const first = post(url, 5); // goes straight into an insert (the gate holds it)
    await until(() => sink.pending === 1);
    const second = post(url, 6); // waits in the queue: 6 rows queued
    await until(() => queue.queuedRows === 6);
    const third = await post(url, 6); // 6 + 6 > 10: refused
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('2');
    expect(((await third.json()) as { code: number; message: string })).toMatchObject({ code: 8, message: expect.stringMatching(/ingest queue is full/) });

    let settled = false;
    void first.then(() => (settled = true));
    await tick();
    expect(settled).toBe(false); // not acknowledged while its insert is still running
    sink.release();
    expect((await first).status).toBe(200);
    await until(() => sink.pending === 1);
    sink.release();
    expect((await second).status).toBe(200);
    expect(sink.written.map((w) => w.reduce((n, b) => n + b.spans, 0))).toEqual([5, 6]);
  });

  it('refuses every request of a failed insert with 503 + Retry-After, and writes the retry', async () => {
    const sink = new GatedSink();
    const { url, queue } = await receiver(sink, 1000);
    const a = post(url, 3);
    await until(() => sink.pending === 1);
    const b = post(url, 4);
    const c = post(url, 2);
    await until(() => queue.queuedRows === 6);
    sink.release(); // a's insert
    expect((await a).status).toBe(200);
    await until(() => sink.pending === 1);
    sink.fail('Table otel.otel_traces does not exist'); // b and c went into one group commit
    for (const res of [await b, await c]) {
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('2');
      expect(((await res.json()) as { message: string }).message).toMatch(/the store did not accept the spans \(Table otel\.otel_traces does not exist\); retry later/);
    }
    const retry = post(url, 4);
    await until(() => sink.pending === 1);
    sink.release();
    expect((await retry).status).toBe(200);
    expect(sink.written.map((w) => w.reduce((n, x) => n + x.spans, 0))).toEqual([3, 4]);
  });

  it('refuses new requests with 503 while shutting down, after writing what was queued', async () => {
    const sink = new GatedSink();
    const { url, queue } = await receiver(sink, 1000);
    const a = post(url, 3);
    await until(() => sink.pending === 1);
    const closing = queue.close();
    const late = await post(url, 1);
    expect(late.status).toBe(503);
    sink.release();
    await closing;
    expect((await a).status).toBe(200);
  });
});
