/**
 * Splitting a chunk file's bytes into records, on its own (type imports only) so the hashing worker
 * threads of verify load as little as possible.
 */
import type { RecordFormat } from './record-format.ts';

/**
 * Splits a chunk file's bytes into records: one per line, except that in CSV a line break inside
 * a quoted field belongs to the record (RFC 4180). Works on bytes, not decoded strings, because the
 * leaf hash is over the exact bytes in the file. Yields [record bytes, 1-based record number].
 */
export class RecordSplitter {
  readonly #csv: boolean;
  #pending: Buffer[] = [];
  #quotes = 0;
  #skipHeader: boolean;
  #count = 0;

  constructor(format: RecordFormat) {
    this.#csv = format === 'csv';
    this.#skipHeader = this.#csv;
  }

  /** Records completed by this chunk of file bytes. */
  *push(chunk: Buffer): Generator<Buffer> {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.#csv) {
        this.#quotes += countQuotes(piece);
        if (this.#quotes % 2 === 1) {
          // The newline is inside a quoted field: keep it as part of the record.
          this.#pending.push(piece, NEWLINE);
          continue;
        }
        this.#quotes = 0;
      }
      const record = this.#pending.length > 0 ? Buffer.concat([...this.#pending, piece]) : piece;
      this.#pending = [];
      if (this.#skipHeader) {
        this.#skipHeader = false;
        continue;
      }
      this.#count++;
      yield record;
    }
    if (start < chunk.length) {
      const tail = Buffer.from(chunk.subarray(start));
      // Its quotes count towards the line it begins (a quoted field may span two chunks).
      if (this.#csv) this.#quotes += countQuotes(tail);
      this.#pending.push(tail);
    }
  }

  /** Bytes after the last newline: a record missing its terminator, or nothing. */
  *end(): Generator<Buffer> {
    if (this.#pending.length === 0) return;
    const record = Buffer.concat(this.#pending);
    this.#pending = [];
    if (record.length === 0) return;
    if (this.#skipHeader) return;
    this.#count++;
    yield record;
  }

  get count(): number {
    return this.#count;
  }
}

const NEWLINE = Buffer.from('\n');

function countQuotes(b: Buffer): number {
  let n = 0;
  let i = b.indexOf(0x22);
  while (i >= 0) {
    n++;
    i = b.indexOf(0x22, i + 1);
  }
  return n;
}
