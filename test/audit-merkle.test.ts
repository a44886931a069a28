/**
 * The integrity primitives on their own: RFC 6962/9162 hashing against the Certificate
 * Transparency reference vectors, inclusion paths for every leaf of every tree shape, the
 * per-record diff the verifier reports from, canonical JSON, and the CSV-aware record splitter.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../audit/canonical-json.ts';
import { diffLeaves } from '../audit/leaf-diff.ts';
import { EMPTY_ROOT, MerkleAccumulator, alignedSubtrees, inclusionPath, leafHashOfBytes, leafHashOfString, rootFromInclusionPath, subtreeRoot } from '../audit/merkle.ts';
import { encoderFor } from '../audit/record-formats.ts';
import { RecordSplitter } from '../audit/record-splitter.ts';

// The CT reference entries and tree heads (RFC 6962 test data used by certificate-transparency-go and Trillian).
const CT_ENTRIES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => Buffer.from(h, 'hex'));
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const CT_INCLUSION = [
  { index: 0, size: 8, path: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { index: 5, size: 8, path: ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
];

function packed(leaves: Buffer[]): Buffer {
  return Buffer.concat(leaves);
}

describe('RFC 6962 / 9162 Merkle hashing', () => {
  const leaves = CT_ENTRIES.map((e) => leafHashOfBytes(e));

  it('matches the reference tree head for every size 0..8, streamed and recursive', () => {
    expect(EMPTY_ROOT.toString('hex')).toBe(CT_ROOTS[0]);
    const acc = new MerkleAccumulator();
    expect(acc.root().toString('hex')).toBe(CT_ROOTS[0]);
    for (let n = 1; n <= 8; n++) {
      acc.push(leaves[n - 1]!);
      expect(acc.root().toString('hex'), `size ${n}`).toBe(CT_ROOTS[n]);
      expect(subtreeRoot(packed(leaves), 0, n).toString('hex'), `size ${n}`).toBe(CT_ROOTS[n]);
    }
  });

  it('string and byte leaf hashing agree (the export hashes strings, the verifier bytes)', () => {
    for (const s of ['', 'a', '{"x":"é😀"}', 'line with\ttab']) expect(leafHashOfString(s).equals(leafHashOfBytes(Buffer.from(s, 'utf8')))).toBe(true);
  });

  it('produces the reference inclusion paths', () => {
    for (const v of CT_INCLUSION) {
      const path = inclusionPath(packed(leaves.slice(0, v.size)), v.index);
      expect(path.map((p) => p.toString('hex'))).toEqual(v.path);
      expect(rootFromInclusionPath(v.index, v.size, leaves[v.index]!, path)?.toString('hex')).toBe(CT_ROOTS[v.size]);
    }
  });

  it('a tree built from files split into aligned subtrees (as the verify workers do) equals one built leaf by leaf', () => {
    const many = Array.from({ length: 37 }, (_, i) => leafHashOfString(`record ${i}`));
    for (let n = 0; n <= many.length; n++) {
      const expected = subtreeRoot(packed(many.slice(0, n)), 0, n);
      for (const cuts of [[], [1], [3], [8], [5, 13], [16, 17, 30], [2, 4, 6, 8, 10, 12]]) {
        const tree = new MerkleAccumulator();
        const bounds = [0, ...cuts.filter((c) => c < n), n];
        for (let f = 0; f + 1 < bounds.length; f++) {
          for (const t of alignedSubtrees(packed(many.slice(bounds[f], bounds[f + 1])), bounds[f]!)) tree.pushSubtree(t.root, t.size);
        }
        expect(tree.size).toBe(n);
        expect(tree.root().equals(expected), `${n} leaves cut at ${cuts.join(',')}`).toBe(true);
      }
    }
    const tree = new MerkleAccumulator();
    tree.push(many[0]!);
    expect(() => tree.pushSubtree(many[1]!, 2)).toThrow(RangeError);
    expect(() => tree.pushSubtree(many[1]!, 3)).toThrow(RangeError);
  });

  it('every leaf of every tree size up to 37 proves, and a wrong leaf, index, size or path does not', () => {
    const many = Array.from({ length: 37 }, (_, i) => leafHashOfString(`record ${i}`));
    for (let n = 1; n <= many.length; n++) {
      const buf = packed(many.slice(0, n));
      const root = subtreeRoot(buf, 0, n);
      for (let m = 0; m < n; m++) {
        const path = inclusionPath(buf, m);
        expect(rootFromInclusionPath(m, n, many[m]!, path)?.equals(root), `leaf ${m} of ${n}`).toBe(true);
        expect(rootFromInclusionPath(m, n, leafHashOfString('forged'), path)?.equals(root) ?? false).toBe(false);
        if (n > 1) {
          expect(rootFromInclusionPath((m + 1) % n, n, many[m]!, path)?.equals(root) ?? false).toBe(false);
          const bent = path.map((p, i) => (i === 0 ? nodeFlip(p) : p));
          expect(rootFromInclusionPath(m, n, many[m]!, bent)?.equals(root) ?? false).toBe(false);
        }
      }
    }
    expect(rootFromInclusionPath(3, 3, many[0]!, [])).toBeNull();
  });
});

function nodeFlip(b: Buffer): Buffer {
  const c = Buffer.from(b);
  c[0] = c[0]! ^ 1;
  return c;
}

describe('leaf diff (what verify reports)', () => {
  const e = ['a', 'b', 'c', 'd', 'e', 'f'];
  it('finds nothing in identical lists', () => expect(diffLeaves(e, e)).toEqual([]));
  it('names a modified record', () => expect(diffLeaves(e, ['a', 'b', 'X', 'd', 'e', 'f'])).toEqual([{ kind: 'modified', record: 3, expectedRecord: 3 }]));
  it('names a removed record', () => expect(diffLeaves(e, ['a', 'b', 'd', 'e', 'f'])).toEqual([{ kind: 'removed', expectedRecord: 3 }]));
  it('names an added record', () => expect(diffLeaves(e, ['a', 'b', 'c', 'd', 'e', 'f', 'Z'])).toEqual([{ kind: 'added', record: 7 }]));
  it('names a swap as a move', () => expect(diffLeaves(e, ['a', 'b', 'd', 'c', 'e', 'f'])).toEqual([{ kind: 'moved', record: 3, expectedRecord: 4 }]));
  it('keeps positions right when a removal precedes a modification', () => {
    expect(diffLeaves(e, ['b', 'c', 'd', 'X', 'f'])).toEqual([{ kind: 'removed', expectedRecord: 1 }, { kind: 'modified', record: 4, expectedRecord: 5 }]);
  });
  it('handles duplicate records', () => expect(diffLeaves(['a', 'a', 'b'], ['a', 'b'])).toEqual([{ kind: 'removed', expectedRecord: 2 }]));
});

describe('canonical JSON (RFC 8785 subset)', () => {
  it('sorts members by UTF-16 code units at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null, 'x'], c: 'é' }, '\u20ac': 'euro', '\u00e9': 'e', z: undefined })).toBe('{"a":{"c":"é","d":[true,null,"x"]},"b":1,"é":"e","€":"euro"}');
  });
  it('refuses non-integer numbers rather than guessing their canonical form', () => {
    expect(() => canonicalJson({ x: 1.5 })).toThrow(/safe integers/);
  });
});

describe('record splitter', () => {
  it('splits JSON Lines on every newline, whatever the chunk boundaries', () => {
    const text = Buffer.from('{"a":1}\n{"b":"é"}\n{"c":3}\n');
    for (let cut = 1; cut < text.length; cut++) {
      const s = new RecordSplitter('jsonl');
      const out = [...s.push(text.subarray(0, cut)), ...s.push(text.subarray(cut)), ...s.end()].map((b) => b.toString());
      expect(out).toEqual(['{"a":1}', '{"b":"é"}', '{"c":3}']);
    }
  });
  it('keeps a CSV record whole across a quoted line break and skips the header', () => {
    const enc = encoderFor('csv', 'test');
    const text = `${enc.header}\na,"two\nlines",c\n"x ""q""",y,z\n`;
    const s = new RecordSplitter('csv');
    const out = [...s.push(Buffer.from(text)), ...s.end()].map((b) => b.toString());
    expect(out).toEqual(['a,"two\nlines",c', '"x ""q""",y,z']);
  });
  it('returns an unterminated last record too (an appended line without newline is still seen)', () => {
    const s = new RecordSplitter('jsonl');
    expect([...s.push(Buffer.from('{"a":1}\n{"b":2}')), ...s.end()].map((b) => b.toString())).toEqual(['{"a":1}', '{"b":2}']);
  });
});
