/**
 * Write-ahead log between OTLP requests and the store (`--ingest-mode wal`).
 *
 * A request is acknowledged once its encoded rows are appended to a segment file and fsynced (one
 * fsync per group of requests that arrived together), not once ClickHouse has inserted them. A
 * background flusher then inserts whole segments — far larger inserts than clients keep in flight —
 * and deletes a segment only after its insert returned. On start, segments left over are replayed.
 * Rows live on disk only: the flusher reads a segment back (from the page cache) to insert it, so
 * memory holds one segment at a time whatever the backlog, and replay is the flusher's normal path.
 *
 * Guarantees: nothing acknowledged is lost (it is on disk before the answer); delivery to the store
 * is at-least-once — a crash between a segment's insert and its deletion inserts that segment again
 * on restart (one segment, at most maxBatchRows rows plus one group, may be duplicated).
 *
 * Record format (hand-written: it is a dozen lines and no maintained library fits a length-prefixed
 * append log with per-record checksums): 4-byte magic naming the data's insert format (each
 * format's is in row-format.ts's table; "FRW1" is TabSeparated), u32 data length, u32 span count, u32 CRC-32 of
 * the data, then the data. A log written by an older flightrec (all "FRW1") replays as it was. A short or mismatching
 * record — a write cut off by a crash — ends the segment: replay logs it and skips the rest.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { NO_INGEST_LOG, type IngestLogSink } from './ingest-log.ts';
import { RetryableError, type EncodedBatch, type Ingestor, type IngestStats, type RequestInfo, type SpanSink } from './ingest-queue.ts';
import { ROW_FORMAT_SPECS, ROW_FORMATS, type RowFormat } from './row-format.ts';

/** A record's magic names its data's insert format (row-format.ts owns them). */
const MAGIC = Object.fromEntries(ROW_FORMATS.map((f) => [f, Buffer.from(ROW_FORMAT_SPECS[f].walMagic, 'latin1')])) as Readonly<Record<RowFormat, Buffer>>;
const FORMAT_OF_MAGIC = new Map<string, RowFormat>(ROW_FORMATS.map((f) => [ROW_FORMAT_SPECS[f].walMagic, f]));

/** The log's directory inside an embedded data directory (chdb ignores it). */
export function walDirOf(dataDir: string): string {
  return join(dataDir, 'flightrec-wal');
}
const HEADER_BYTES = 16;

export interface WriteAheadLogOptions {
  /** Directory holding the segment files. */
  readonly dir: string;
  /** Rows accepted but not yet inserted past which new requests are refused with 429. */
  readonly maxBacklogRows: number;
  /** A segment is closed for insertion once it holds this many rows, so this bounds one insert. */
  readonly maxBatchRows: number;
  /** A segment is closed for insertion this long after its first row at the latest. */
  readonly flushIntervalMs: number;
  readonly retryAfterSeconds: number;
  /** Wait after a failed insert before retrying (doubles up to 10× this; a query waiting for the log retries at once). */
  readonly retryDelayMs: number;
  /** fsync each group append (and each new segment's directory entry) before acknowledging. */
  readonly fsync: boolean;
}

export const DEFAULT_WAL_OPTIONS: Omit<WriteAheadLogOptions, 'dir'> = {
  maxBacklogRows: 500_000,
  // Few large inserts: each has a fixed cost (new parts in every table, their fsync), and the
  // engine shares the cores with the receiver's decoding while requests arrive. 150,000 put spans
  // into the store faster than 50,000 (bench/ingest-throughput.ts; figures in docs/storage.md).
  maxBatchRows: 150_000,
  flushIntervalMs: 200,
  retryAfterSeconds: 1,
  retryDelayMs: 100,
  fsync: true,
};

/** A record's header; the record is this followed by batch.data. */
export function recordHeader(batch: EncodedBatch): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC[batch.format ?? 'TSV'].copy(header, 0);
  header.writeUInt32LE(batch.data.length, 4);
  header.writeUInt32LE(batch.spans, 8);
  header.writeUInt32LE(crc32(batch.data), 12);
  return header;
}

export interface ParsedSegment {
  readonly batches: EncodedBatch[];
  /** Why reading stopped early (a cut-off or corrupt record), or null when the file was whole. */
  readonly damage: string | null;
}

/** Read a segment's records; stops at the first damaged record and says where. */
export function parseSegment(buf: Buffer): ParsedSegment {
  const batches: EncodedBatch[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < HEADER_BYTES) return { batches, damage: `truncated record header at byte ${off}` };
    const format = FORMAT_OF_MAGIC.get(buf.toString('latin1', off, off + 4));
    if (!format) return { batches, damage: `bad record magic at byte ${off}` };
    const len = buf.readUInt32LE(off + 4);
    const spans = buf.readUInt32LE(off + 8);
    const sum = buf.readUInt32LE(off + 12);
    if (buf.length - off - HEADER_BYTES < len) return { batches, damage: `truncated record at byte ${off} (${len} data bytes announced, ${buf.length - off - HEADER_BYTES} present)` };
    const data = buf.subarray(off + HEADER_BYTES, off + HEADER_BYTES + len);
    if (crc32(data) !== sum) return { batches, damage: `checksum mismatch in record at byte ${off}` };
    batches.push({ spans, data, format });
    off += HEADER_BYTES + len;
  }
  return { batches, damage: null };
}

interface Segment {
  readonly seq: number;
  readonly path: string;
  /** Acknowledged rows in the file. */
  rows: number;
  /** Acknowledged records, the only ones inserted; null for a segment found on start (all whole records). */
  records: number | null;
  /** performance.now() of the first acknowledged append. */
  firstAt: number;
}

interface Waiting {
  batch: EncodedBatch;
  info: RequestInfo;
  resolve: () => void;
  reject: (err: Error) => void;
}

const SEGMENT_RE = /^(\d{12})\.wal$/;
const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

export interface WriteAheadLogStatus {
  /** Acknowledged rows not yet in the store. */
  readonly backlogSpans: number;
  readonly segments: number;
  /** The last insert failure while the store keeps failing; null once an insert succeeds. */
  readonly storeError: string | null;
}

export class WriteAheadLog implements Ingestor {
  readonly #sink: SpanSink;
  readonly #opts: WriteAheadLogOptions;
  readonly #log: IngestLogSink;
  /** Closed segments waiting for their insert, oldest first. */
  readonly #sealed: Segment[] = [];
  #current: Segment | null = null;
  #fd: FileHandle | null = null;
  #nextSeq = 0;
  #waiting: Waiting[] = [];
  /** Appends and seals, one at a time in order (they share the current segment's file). */
  #chain: Promise<void> = Promise.resolve();
  #appendQueued = false;
  /** Rows submitted and not yet appended (or refused). */
  #pendingRows = 0;
  /** Rows acknowledged (in the log) and not yet inserted. */
  #loggedRows = 0;
  #closed = false;
  #stopped = false;
  #storeError: string | null = null;
  #failures = 0;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #urgent = false;
  #backingOff = false;
  #barriers: { seq: number; resolve: (ok: boolean) => void }[] = [];
  readonly stats: IngestStats = { acceptedRequests: 0, acceptedSpans: 0, refusedRequests: 0, failedInserts: 0, inserts: 0 };
  /** Lines about damaged segments (also written to stderr). */
  readonly warnings: string[] = [];

  private constructor(sink: SpanSink, opts: WriteAheadLogOptions, log: IngestLogSink) {
    this.#sink = sink;
    this.#opts = opts;
    this.#log = log;
  }

  /** Open the log in opts.dir, queueing leftover segments for replay; the flusher starts at once. */
  static open(sink: SpanSink, opts: Partial<WriteAheadLogOptions> & { dir: string }, log: IngestLogSink = NO_INGEST_LOG): WriteAheadLog {
    const wal = new WriteAheadLog(sink, { ...DEFAULT_WAL_OPTIONS, ...opts }, log);
    wal.#load();
    wal.#loop = wal.#run();
    return wal;
  }

  #load(): void {
    mkdirSync(this.#opts.dir, { recursive: true });
    for (const name of readdirSync(this.#opts.dir).filter((n) => SEGMENT_RE.test(n)).sort()) {
      const path = join(this.#opts.dir, name);
      const seq = Number(SEGMENT_RE.exec(name)![1]);
      const { batches, damage } = parseSegment(readFileSync(path));
      if (damage) this.#warn(path, damage);
      const rows = batches.reduce((n, b) => n + b.spans, 0);
      this.#sealed.push({ seq, path, rows, records: null, firstAt: 0 });
      this.#loggedRows += rows;
      this.#nextSeq = seq + 1;
    }
  }

  #warn(path: string, damage: string): void {
    const line = `flightrec: write-ahead log ${path}: ${damage}; skipping the rest of this segment (a write cut off by a crash or a failed append; it was never acknowledged)`;
    this.warnings.push(line);
    console.error(line);
  }

  /** Rows accepted and not yet in the store. */
  get queuedRows(): number {
    return this.#pendingRows + this.#loggedRows;
  }

  get status(): WriteAheadLogStatus {
    return { backlogSpans: this.#loggedRows, segments: this.#sealed.length + (this.#current ? 1 : 0), storeError: this.#storeError };
  }

  /** Resolves once the rows are durably in the log; rejects with RetryableError when refused. */
  submit(batch: EncodedBatch, info: RequestInfo = { bytes: 0, receivedAt: performance.now() }): Promise<void> {
    if (batch.spans === 0) return Promise.resolve();
    if (this.#closed) {
      this.stats.refusedRequests++;
      return Promise.reject(new RetryableError('receiver is shutting down', 503, this.#opts.retryAfterSeconds));
    }
    const queued = this.queuedRows;
    if (queued > 0 && queued + batch.spans > this.#opts.maxBacklogRows) {
      this.stats.refusedRequests++;
      const why = this.#storeError ? `the store is failing (${this.#storeError}) and ` : '';
      return Promise.reject(new RetryableError(`${why}${queued} spans are waiting for the store; retry later`, 429, this.#opts.retryAfterSeconds));
    }
    this.#pendingRows += batch.spans; // counted at once so concurrent requests see the bound
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ batch, info, resolve, reject });
      this.#kickAppend();
    });
  }

  #serial(fn: () => Promise<void>): Promise<void> {
    const done = this.#chain.then(fn);
    this.#chain = done.catch(() => {});
    return done;
  }

  /** Requests arriving while an append runs go into the next one together (one fsync for the group). */
  #kickAppend(): void {
    if (this.#appendQueued) return;
    this.#appendQueued = true;
    void this.#serial(() => {
      this.#appendQueued = false;
      return this.#appendGroup();
    });
  }

  async #openCurrent(): Promise<void> {
    const seq = this.#nextSeq++;
    const path = join(this.#opts.dir, `${String(seq).padStart(12, '0')}.wal`);
    this.#fd = await open(path, 'a');
    this.#current = { seq, path, rows: 0, records: 0, firstAt: 0 };
    if (this.#opts.fsync) {
      // The new file's directory entry must survive a power loss too.
      const dir = await open(this.#opts.dir, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    }
  }

  /** Close the current segment for insertion; the next append opens a new one. Only between appends. */
  async #sealCurrent(): Promise<void> {
    const seg = this.#current;
    if (!seg) return;
    this.#current = null;
    const fd = this.#fd!;
    this.#fd = null;
    await fd.close().catch(() => {});
    if (seg.rows > 0) this.#sealed.push(seg);
    else await unlink(seg.path).catch(() => {});
  }

  async #appendGroup(): Promise<void> {
    const group = this.#waiting;
    this.#waiting = [];
    if (group.length === 0) return;
    let rows = 0;
    let bytes = 0;
    let size = 0;
    let oldest = Infinity;
    const parts: Buffer[] = [];
    for (const w of group) {
      parts.push(recordHeader(w.batch), w.batch.data);
      rows += w.batch.spans;
      size += HEADER_BYTES + w.batch.data.length;
      bytes += w.info.bytes;
      oldest = Math.min(oldest, w.info.receivedAt);
    }
    this.#pendingRows -= rows;
    try {
      if (!this.#current) await this.#openCurrent();
      const { bytesWritten } = await this.#fd!.writev(parts);
      if (bytesWritten !== size) throw new Error(`short write (${bytesWritten} of ${size} bytes)`);
      if (this.#opts.fsync) await this.#fd!.datasync();
    } catch (err) {
      // Not acknowledged, so the clients retry. The file may now end in a partial record: close it
      // (its acknowledged records go on to the flusher) so later appends start a fresh segment.
      this.stats.refusedRequests += group.length;
      const reason = firstLine(err);
      this.#log.record({ outcome: 'store_error', spans: rows, bytes, latencyMs: performance.now() - oldest, requests: group.length, httpStatus: 503, message: `write-ahead log append failed: ${reason}` });
      await this.#sealCurrent();
      const refusal = new RetryableError(`could not write the spans to the write-ahead log (${reason}); retry later`, 503, this.#opts.retryAfterSeconds);
      for (const w of group) w.reject(refusal);
      return;
    }
    const seg = this.#current!;
    if (seg.rows === 0) seg.firstAt = performance.now();
    seg.rows += rows;
    seg.records! += group.length;
    this.#loggedRows += rows;
    this.stats.acceptedRequests += group.length;
    this.stats.acceptedSpans += rows;
    for (const w of group) w.resolve();
    this.#log.record({ outcome: 'accepted', spans: rows, bytes, latencyMs: performance.now() - oldest, requests: group.length, httpStatus: 200, message: '' });
    if (seg.rows >= this.#opts.maxBatchRows) await this.#sealCurrent();
    this.#poke();
  }

  /** Wake the flusher; while it backs off after a failed insert, only a waiting query (urgent) does. */
  #poke(urgent = false): void {
    if (urgent || !this.#backingOff) this.#wake?.();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = null;
        done();
      };
    });
  }

  /** The flusher: insert sealed segments oldest first; seal the current one when it is due. */
  async #run(): Promise<void> {
    while (!this.#stopped) {
      if (this.#sealed.length === 0) {
        const seg = this.#current;
        const dueIn = seg && seg.rows > 0 ? (this.#urgent ? 0 : seg.firstAt + this.#opts.flushIntervalMs - performance.now()) : this.#opts.flushIntervalMs;
        if (dueIn > 0 || !seg) {
          await this.#sleep(Math.max(1, dueIn));
          continue;
        }
        this.#urgent = false;
        await this.#serial(() => (this.#current === seg ? this.#sealCurrent() : Promise.resolve()));
        continue;
      }
      if (!(await this.#insertOldest())) {
        this.#backingOff = true;
        await this.#sleep(Math.min(this.#opts.retryDelayMs * 2 ** (this.#failures - 1), this.#opts.retryDelayMs * 10));
        this.#backingOff = false;
      }
    }
  }

  /** Insert the oldest sealed segment and delete it; false (and kept) if the store refused. */
  async #insertOldest(): Promise<boolean> {
    const seg = this.#sealed[0]!;
    const started = performance.now();
    try {
      const { batches, damage } = parseSegment(await readFile(seg.path));
      // A segment written this run is inserted up to its last acknowledged record (a failed append
      // may have left part of a record after it); one found on start, up to its last whole record
      // (damage there was reported when it was loaded).
      if (damage && seg.records !== null && batches.length < seg.records) {
        // The file changed under us (disk or filesystem damage): say so, insert what can be read.
        const line = `flightrec: write-ahead log ${seg.path}: ${damage}; ${seg.records - batches.length} acknowledged records could not be read back and are lost`;
        this.warnings.push(line);
        console.error(line);
      }
      const acked = seg.records === null ? batches : batches.slice(0, seg.records);
      if (acked.length > 0) await this.#sink.writeBatches(acked);
    } catch (err) {
      this.stats.failedInserts++;
      this.#failures++;
      this.#storeError = firstLine(err);
      this.#log.record({ outcome: 'store_error', spans: seg.rows, bytes: 0, latencyMs: performance.now() - started, requests: 0, httpStatus: 0, message: `insert from the write-ahead log failed, kept for retry: ${this.#storeError}` });
      this.#settleBarriers();
      return false;
    }
    this.stats.inserts++;
    this.#failures = 0;
    this.#storeError = null;
    // Only now may the rows leave the log; a crash before this line replays (duplicates) the segment.
    await unlink(seg.path).catch(() => {});
    this.#sealed.shift();
    this.#loggedRows -= seg.rows;
    this.#settleBarriers();
    return true;
  }

  /** The oldest segment holding acknowledged rows not yet inserted (Infinity when none). */
  #oldestUninserted(): number {
    return this.#sealed[0]?.seq ?? (this.#current && this.#current.rows > 0 ? this.#current.seq : Infinity);
  }

  #settleBarriers(): void {
    const oldest = this.#oldestUninserted();
    this.#barriers = this.#barriers.filter((b) => {
      if (b.seq < oldest) b.resolve(true);
      else if (this.#storeError !== null || this.#stopped) b.resolve(false);
      else return true;
      return false;
    });
  }

  /**
   * Read-your-writes: resolves true once every row acknowledged before the call is in the store
   * (at once when the log is empty); false if the next insert attempt fails (the store is down:
   * the query then runs on what is there) or timeoutMs passes first.
   */
  caughtUp(timeoutMs = 10_000): Promise<boolean> {
    const seq = this.#current && this.#current.rows > 0 ? this.#current.seq : this.#sealed.at(-1)?.seq;
    if (seq === undefined) return Promise.resolve(true);
    if (this.#stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#barriers = this.#barriers.filter((b) => b !== barrier);
        resolve(false);
      }, timeoutMs);
      const barrier = { seq, resolve: (ok: boolean) => (clearTimeout(timer), resolve(ok)) };
      this.#barriers.push(barrier);
      this.#urgent = true;
      this.#poke(true);
    });
  }

  async #stop(): Promise<void> {
    this.#closed = true;
    await this.#chain;
    this.#stopped = true;
    this.#poke();
    await this.#loop;
    this.#settleBarriers();
  }

  /** Refuse new requests, finish appends, and insert the backlog; what fails stays on disk for the next start. */
  async close(): Promise<void> {
    await this.#stop();
    await this.#sealCurrent();
    while (this.#sealed.length > 0) {
      if (!(await this.#insertOldest())) {
        console.error(`flightrec: the store did not accept the write-ahead log's rows (${this.#storeError}); ${this.#loggedRows} spans stay in ${this.#opts.dir} and are inserted on the next start`);
        break;
      }
    }
  }

  /** Stop without inserting (as a crash would): appended rows stay in the segment files. */
  async abandon(): Promise<void> {
    await this.#stop();
    await this.#fd?.close().catch(() => {});
    this.#fd = null;
    this.#current = null;
  }
}
