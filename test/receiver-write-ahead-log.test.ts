/**
 * The write-ahead log (receiver/write-ahead-log.ts) on its own, with a sink the test controls, and
 * read-your-writes through the embedded server: the record format and its damage detection, replay
 * of leftover segments (a torn trailing record logged and skipped, nothing else lost), deletion
 * after insert, one insert per segment, the backlog bound, and queries waiting for acknowledged rows.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EncodedBatch, RetryableError, type SpanSink } from '../receiver/ingest-queue.ts';
import { parseSegment, recordHeader, WriteAheadLog, type WriteAheadLogOptions } from '../receiver/write-ahead-log.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { tempDir } from '../tools/temp-dir.ts';
import { encodeRows, type RowFormat } from '../receiver/row-format.ts';
import { requestToRows } from '../receiver/span-rows.ts';

const batch = (text: string, spans = 1, format: RowFormat = 'TSV'): EncodedBatch => ({ spans, data: Buffer.from(text), format });
const record = (b: EncodedBatch): Buffer => Buffer.concat([recordHeader(b), b.data]);

/** Records every insert; fails while `down` is set. */
class RecordingSink implements SpanSink {
  inserts: string[][] = [];
  down: string | null = null;
  async writeBatches(batches: readonly EncodedBatch[]): Promise<void> {
    await new Promise((r) => setTimeout(r, 5));
    if (this.down) throw new Error(this.down);
    this.inserts.push(batches.map((b) => b.data.toString()));
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
function walDir(): string {
  const d = tempDir();
  cleanups.push(d.cleanup);
  return d.path;
}
function openLog(sink: SpanSink, dir: string, opts: Partial<WriteAheadLogOptions> = {}): WriteAheadLog {
  const wal = WriteAheadLog.open(sink, { dir, flushIntervalMs: 60_000, retryDelayMs: 20, ...opts });
  cleanups.push(() => wal.abandon());
  return wal;
}

describe('segment format', () => {
  const a = batch('a\t1\n', 1);
  const b = batch('b\t2\nc\t3\n', 2);
  const whole = Buffer.concat([record(a), record(b)]);

  it('reads back what was written', () => {
    expect(parseSegment(whole)).toEqual({ batches: [a, b], damage: null });
  });

  it('keeps each record’s insert format', () => {
    const n = batch('native bytes', 3, 'Native');
    const j = batch('{"json":1}\n', 1, 'JSONEachRow');
    expect(parseSegment(Buffer.concat([record(a), record(n), record(j)])).batches).toEqual([a, n, j]);
  });

  it.each([
    ['a cut-off header', whole.subarray(0, whole.length - b.data.length - 3), /truncated record header at byte 20/],
    ['a cut-off record', whole.subarray(0, whole.length - 1), /truncated record at byte 20 \(8 data bytes announced, 7 present\)/],
    ['a flipped bit', Buffer.concat([record(a), recordHeader(b), Buffer.from('b\t2\nc\t4\n')]), /checksum mismatch in record at byte 20/],
    ['garbage', Buffer.concat([record(a), Buffer.from('garbage garbage garbage')]), /bad record magic at byte 20/],
  ])('stops at %s, keeping the records before it', (_, buf, damage) => {
    const parsed = parseSegment(buf);
    expect(parsed.batches).toEqual([a]);
    expect(parsed.damage).toMatch(damage);
  });
});

describe('write-ahead log', () => {
  it('replays leftover segments in order on open, skips a torn trailing record with a log line, and deletes each segment once inserted', async () => {
    const dir = walDir();
    writeFileSync(join(dir, '000000000003.wal'), Buffer.concat([record(batch('one\n')), record(batch('two\n'))]));
    const torn = record(batch('four, cut off\n'));
    writeFileSync(join(dir, '000000000007.wal'), Buffer.concat([record(batch('three\n')), torn.subarray(0, torn.length - 4)]));
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    cleanups.push(() => errors.mockRestore());
    const sink = new RecordingSink();
    const wal = openLog(sink, dir);
    expect(wal.warnings).toEqual([expect.stringMatching(/000000000007\.wal: truncated record at byte 22 .*skipping the rest of this segment/)]);
    expect(errors).toHaveBeenCalledWith(wal.warnings[0]);
    expect(wal.queuedRows).toBe(3);
    expect(await wal.caughtUp()).toBe(true);
    expect(sink.inserts).toEqual([['one\n', 'two\n'], ['three\n']]);
    expect(readdirSync(dir)).toEqual([]);
    // New segments continue the numbering after the replayed ones.
    await wal.submit(batch('five\n'));
    expect(readdirSync(dir)).toEqual(['000000000008.wal']);
  });

  it('acknowledges once the rows are in the segment file, inserts a whole segment at once, exactly once', async () => {
    const dir = walDir();
    const sink = new RecordingSink();
    const wal = openLog(sink, dir);
    await Promise.all([wal.submit(batch('r1\n')), wal.submit(batch('r2\n', 1)), wal.submit(batch('r3\nr4\n', 2))]);
    expect(sink.inserts).toEqual([]); // acknowledged, not inserted: the flush interval is a minute
    const [file] = readdirSync(dir);
    expect(parseSegment(readFileSync(join(dir, file!))).batches.map((b) => b.data.toString())).toEqual(['r1\n', 'r2\n', 'r3\nr4\n']);
    expect(wal.status).toEqual({ backlogSpans: 4, segments: 1, storeError: null });
    expect(await wal.caughtUp()).toBe(true);
    expect(sink.inserts).toEqual([['r1\n', 'r2\n', 'r3\nr4\n']]);
    expect(await wal.caughtUp()).toBe(true); // nothing waiting: at once, no insert
    await wal.close();
    expect(sink.inserts).toHaveLength(1);
    expect(readdirSync(dir)).toEqual([]);
    await expect(wal.submit(batch('late\n'))).rejects.toMatchObject({ status: 503 });
  });

  it('closes a segment at maxBatchRows, so one insert holds at most that many rows', async () => {
    const sink = new RecordingSink();
    const wal = openLog(sink, walDir(), { maxBatchRows: 3 });
    for (const t of ['a', 'b', 'c', 'd']) await wal.submit(batch(`${t}\n`));
    expect(await wal.caughtUp()).toBe(true);
    expect(sink.inserts).toEqual([['a\n', 'b\n', 'c\n'], ['d\n']]);
  });

  it('keeps accepting while the store is down up to its backlog bound, then answers 429 + Retry-After; drains once the store is back', async () => {
    const dir = walDir();
    const sink = new RecordingSink();
    sink.down = 'Table otel.otel_traces does not exist';
    const wal = openLog(sink, dir, { maxBacklogRows: 5, retryAfterSeconds: 3, flushIntervalMs: 10 });
    await wal.submit(batch('a\nb\n', 2));
    await wal.submit(batch('c\nd\ne\n', 3));
    await vi.waitFor(() => expect(wal.status.storeError).toBe('Table otel.otel_traces does not exist'));
    expect(await wal.caughtUp()).toBe(false); // a query would not wait for a store that is down
    const refused = await wal.submit(batch('f\n')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RetryableError);
    expect(refused).toMatchObject({ status: 429, retryAfterSeconds: 3, message: expect.stringMatching(/the store is failing \(Table otel\.otel_traces does not exist\) and 5 spans are waiting/) });
    expect(sink.inserts).toEqual([]);
    sink.down = null;
    expect(await wal.caughtUp()).toBe(true);
    expect(sink.inserts.flat()).toEqual(['a\nb\n', 'c\nd\ne\n']);
    expect(wal.status).toEqual({ backlogSpans: 0, segments: 0, storeError: null });
    expect(readdirSync(dir)).toEqual([]);
    await wal.submit(batch('f\n'));
    expect(wal.stats).toMatchObject({ acceptedRequests: 3, acceptedSpans: 6, refusedRequests: 1 });
    expect(wal.stats.failedInserts).toBeGreaterThan(0);
  });

  it('answers 503 + Retry-After when the log cannot be written (here: its directory is gone), and recovers', async () => {
    const dir = walDir();
    const sink = new RecordingSink();
    const wal = openLog(sink, dir, { retryAfterSeconds: 2 });
    rmSync(dir, { recursive: true });
    await expect(wal.submit(batch('lost\n'))).rejects.toMatchObject({ status: 503, retryAfterSeconds: 2, message: expect.stringMatching(/could not write the spans to the write-ahead log \(ENOENT.*\); retry later/) });
    expect(wal.queuedRows).toBe(0);
    mkdirSync(dir);
    await wal.submit(batch('retried\n'));
    expect(await wal.caughtUp()).toBe(true);
    expect(sink.inserts).toEqual([['retried\n']]);
  });

  it('leaves what the store refuses on close in the log, for the next start', async () => {
    const dir = walDir();
    const sink = new RecordingSink();
    const wal = openLog(sink, dir);
    await wal.submit(batch('kept\n'));
    sink.down = 'store gone';
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    await wal.close();
    expect(errors).toHaveBeenCalledWith(expect.stringMatching(/1 spans stay in .* and are inserted on the next start/));
    errors.mockRestore();
    sink.down = null;
    const again = openLog(sink, dir);
    expect(await again.caughtUp()).toBe(true);
    expect(sink.inserts).toEqual([['kept\n']]);
  });
});

describe('read-your-writes through the embedded server (wal mode, no timed flush)', () => {
  let t: TestServer;
  it('a query right after an acknowledged export sees the spans; the in-process client after ingested()', async () => {
    t = await startTestServer({ ingestMode: 'wal', fsync: false, wal: { flushIntervalMs: 600_000 } });
    cleanups.push(() => t.stop());
    const now = BigInt(Date.now()) * 1_000_000n;
    const count = async (): Promise<number> => Number((await (await t.server.client.query({ query: "SELECT count() AS n FROM otel.otel_traces WHERE ServiceName = 'ryw'", format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n);
    for (let round = 1; round <= 2; round++) {
      const res = await fetch(`${t.server.otlpUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'ryw' } }] }, scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: `00000000000000a${round}`, name: 's', startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1n) }] }] }] }),
      });
      expect(res.status).toBe(200);
      if (round === 1) {
        expect(await count()).toBe(0); // acknowledged: in the log, not yet in the table
        const rows = await (await t.http.query({ query: "SELECT SpanId FROM otel_traces WHERE ServiceName = 'ryw'", format: 'JSONEachRow' })).json<{ SpanId: string }>();
        expect(rows).toEqual([{ SpanId: '00000000000000a1' }]);
      } else {
        await t.server.ingested();
        expect(await count()).toBe(2);
      }
    }
  });
});

describe('write-ahead log across an upgrade', () => {
  it('replays an older log of TabSeparated records and newer Native ones into the store, each in its own format', async () => {
    const rowsOf = (service: string, n: number) => requestToRows({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans: Array.from({ length: n }, (_, i) => ({
      traceId: '0af7651916cd43dd8448eb211c80319c', spanId: (0x1000 + i).toString(16).padStart(16, '0'), name: `op ${i}`, kind: 1, startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n), endTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n + 5n),
      attributes: [{ key: 'k', value: { stringValue: `v\t${i}` } }],
    })) }] }] }).rows;
    const dir = walDir();
    const tsv = rowsOf('from-tsv-log', 3);
    const native = rowsOf('from-native-log', 4);
    writeFileSync(join(dir, '000000000001.wal'), Buffer.concat([
      record({ spans: 3, data: encodeRows(tsv, 'TSV'), format: 'TSV' }),
      record({ spans: 4, data: encodeRows(native, 'Native'), format: 'Native' }),
    ]));
    const t = await startTestServer({ ingestMode: 'wal', fsync: false, walDir: dir });
    cleanups.push(() => t.stop());
    await t.server.ingested();
    const got = await (await t.http.query({ query: "SELECT ServiceName, count() AS n, groupArray(SpanAttributes['k']) AS vs FROM otel_traces GROUP BY ServiceName ORDER BY ServiceName", format: 'JSONEachRow' })).json<{ ServiceName: string; n: string; vs: string[] }>();
    expect(got.map((r) => [r.ServiceName, Number(r.n), [...r.vs].sort()])).toEqual([
      ['from-native-log', 4, ['v\t0', 'v\t1', 'v\t2', 'v\t3']],
      ['from-tsv-log', 3, ['v\t0', 'v\t1', 'v\t2']],
    ]);
    expect(readdirSync(dir)).toEqual([]);
  });
});
