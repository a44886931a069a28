/**
 * verify's chunk hasher (block reads, leaves hashed where they lie in the read buffer, subtrees
 * built level by level) against the plain definitions: RecordSplitter + leafHashOfBytes per
 * record, SHA-256 of the whole file, subtreeRoot. Record boundaries are placed across the 1 MiB
 * read blocks, one record is longer than a block, lines are empty, and the last record may lack
 * its newline.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashChunkSync } from '../audit/hash-chunk.ts';
import { HASH_BYTES, alignedSubtrees, leafHashOfBytes, perfectSubtreeRoot, subtreeRoot } from '../audit/merkle.ts';
import type { RecordFormat } from '../audit/record-format.ts';
import { RecordSplitter } from '../audit/record-splitter.ts';
import { tempDir } from '../tools/temp-dir.ts';

const tmp = tempDir('flightrec-hash-chunk-');
afterAll(() => tmp.cleanup());

function expected(bytes: Buffer, format: RecordFormat): Buffer {
  const s = new RecordSplitter(format);
  const leaves = [...s.push(bytes), ...s.end()].map((r) => leafHashOfBytes(r));
  return Buffer.concat(leaves);
}

/** Pseudo-random but repeatable record lengths. */
function records(count: number, seed: number): string[] {
  let x = seed;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const len = x % 3000;
    out.push(i % 97 === 5 ? '' : `{"n":${i},"pad":"${'é'.repeat(len % 7)}${'x'.repeat(len)}"}`);
  }
  return out;
}

function check(name: string, bytes: Buffer, format: RecordFormat, first: number): void {
  const path = join(tmp.path, name);
  writeFileSync(path, bytes);
  const got = hashChunkSync(path, format, first);
  const want = expected(readFileSync(path), format);
  expect(got.bytes).toBe(bytes.length);
  expect(got.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  expect(got.leaves.length / HASH_BYTES).toBe(want.length / HASH_BYTES);
  expect(got.leaves.equals(want)).toBe(true);
  const subtrees = alignedSubtrees(want, first);
  expect(got.subtreeSizes).toEqual(subtrees.map((t) => t.size));
  expect(got.subtreeRoots.equals(Buffer.concat(subtrees.map((t) => t.root)))).toBe(true);
  expect(got.leavesSha256).toBe(createHash('sha256').update(want).digest('hex'));
  // Leaves streamed, none or a few kept (verify): the same hash of them and the same subtrees.
  for (const keep of [0, 5]) {
    const streamed = hashChunkSync(path, format, first, Infinity, { keep });
    expect(streamed.leaves.equals(want.subarray(0, Math.min(keep, want.length / HASH_BYTES) * HASH_BYTES))).toBe(true);
    expect(streamed.leavesSha256).toBe(got.leavesSha256);
    expect(streamed.subtreeSizes).toEqual(got.subtreeSizes);
    expect(streamed.subtreeRoots.equals(got.subtreeRoots)).toBe(true);
  }
}

describe('hashChunkSync', () => {
  it('gives the leaves and file hash of the plain definitions across read blocks', () => {
    const lines = records(3000, 7);
    check('a.jsonl', Buffer.from(lines.join('\n') + '\n'), 'jsonl', 0);
    check('b.jsonl', Buffer.from(lines.join('\n')), 'jsonl', 12_345);
    check('c.jsonl', Buffer.from('\n\n' + lines.slice(0, 50).join('\r\n') + '\n\n'), 'ocsf', 3);
    // More records than the hasher hands on at once (4 096 leaves), from aligned and unaligned starts.
    const many = Array.from({ length: 10_000 }, (_, i) => `{"i":${i}}`).join('\n') + '\n';
    for (const first of [0, 4096, 12_345, 2 ** 20 - 3]) check(`many-${first}.jsonl`, Buffer.from(many), 'jsonl', first);
  });

  it('grows its buffer for a record longer than a read block', () => {
    const huge = `{"big":"${'y'.repeat(2_500_000)}"}`;
    check('huge.jsonl', Buffer.from(['{"a":1}', huge, '{"b":2}', huge].join('\n')), 'jsonl', 1);
    check('huge-first.jsonl', Buffer.from([huge, ...records(500, 3)].join('\n') + '\n'), 'jsonl', 0);
  });

  it('empty files and CSV with quoted line breaks', () => {
    check('empty.jsonl', Buffer.alloc(0), 'jsonl', 0);
    check('q.csv', Buffer.from('a,b\n1,"two\nlines"\n3,"x ""y"""\n' + records(800, 11).map((r, i) => `${i},"${r.replace(/"/g, '""')}"`).join('\n') + '\n'), 'csv', 5);
  });
});

describe('RecordSplitter', () => {
  it('splits CSV the same whether fed whole or in pieces cut inside quoted fields', () => {
    const csv = Buffer.from('a,b\n1,"two\nlines, ""quoted"""\n2,plain\n3,"x\r\ny"\n');
    const whole = new RecordSplitter('csv');
    const want = [...whole.push(csv), ...whole.end()].map((r) => r.toString());
    expect(want).toEqual(['1,"two\nlines, ""quoted"""', '2,plain', '3,"x\r\ny"']);
    for (let cut = 1; cut < csv.length; cut++) {
      const s = new RecordSplitter('csv');
      const got = [...s.push(csv.subarray(0, cut)), ...s.push(csv.subarray(cut)), ...s.end()].map((r) => r.toString());
      expect(got, `cut at ${cut}`).toEqual(want);
    }
  });
});

describe('perfectSubtreeRoot', () => {
  it('equals the recursive subtreeRoot for every power of two up to 1024', () => {
    const leaves = Buffer.concat(Array.from({ length: 1100 }, (_, i) => leafHashOfBytes(Buffer.from(`r${i}`))));
    for (let size = 1; size <= 1024; size *= 2) {
      for (const lo of [0, Math.min(size, 1100 - size), 1100 - size]) expect(perfectSubtreeRoot(leaves, lo, size).equals(subtreeRoot(leaves, lo, lo + size)), `${lo}+${size}`).toBe(true);
    }
  });
});
