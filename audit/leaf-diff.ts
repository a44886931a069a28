/**
 * Pinpoints how a file's records differ from the signed leaf list: which records were modified,
 * removed, added or moved. Matches records by leaf hash, keeps the longest run that is still in
 * signed order (longest increasing subsequence) as anchors, calls every other matched record
 * "moved", and pairs the unmatched records between two anchors as "modified" (left-over ones are
 * "added" or "removed"). O(n log n) in the file's record count.
 */
export type RecordChange =
  | { kind: 'modified'; record: number; expectedRecord: number }
  | { kind: 'removed'; expectedRecord: number }
  | { kind: 'added'; record: number }
  | { kind: 'moved'; record: number; expectedRecord: number };

/** Leaves as hex strings; record numbers in the result are 1-based. */
export function diffLeaves(expected: readonly string[], actual: readonly string[]): RecordChange[] {
  const positions = new Map<string, number[]>();
  expected.forEach((h, j) => {
    const list = positions.get(h);
    if (list) list.push(j);
    else positions.set(h, [j]);
  });
  const matchOfActual = new Int32Array(actual.length).fill(-1);
  const expectedMatched = new Uint8Array(expected.length);
  actual.forEach((h, i) => {
    const list = positions.get(h);
    if (list && list.length > 0) {
      const j = list.shift()!;
      matchOfActual[i] = j;
      expectedMatched[j] = 1;
    }
  });

  // Longest increasing subsequence of expected indices over the matched actual records.
  const matched: number[] = [];
  for (let i = 0; i < actual.length; i++) if (matchOfActual[i]! >= 0) matched.push(i);
  const tailIdx: number[] = [];
  const prev = new Int32Array(matched.length).fill(-1);
  matched.forEach((i, p) => {
    const j = matchOfActual[i]!;
    let lo = 0;
    let hi = tailIdx.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (matchOfActual[matched[tailIdx[mid]!]!]! < j) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[p] = tailIdx[lo - 1]!;
    tailIdx[lo] = p;
  });
  const anchor = new Uint8Array(actual.length);
  for (let p = tailIdx.length > 0 ? tailIdx[tailIdx.length - 1]! : -1; p >= 0; p = prev[p]!) anchor[matched[p]!] = 1;

  const changes: RecordChange[] = [];
  for (const i of matched) if (!anchor[i]) changes.push({ kind: 'moved', record: i + 1, expectedRecord: matchOfActual[i]! + 1 });

  // Walk the gaps between anchors (with sentinels at both ends).
  const anchors: [number, number][] = [[-1, -1]];
  for (let i = 0; i < actual.length; i++) if (anchor[i]) anchors.push([i, matchOfActual[i]!]);
  anchors.push([actual.length, expected.length]);
  for (let a = 0; a + 1 < anchors.length; a++) {
    const [ai, aj] = anchors[a]!;
    const [bi, bj] = anchors[a + 1]!;
    const extraActual: number[] = [];
    for (let i = ai + 1; i < bi; i++) if (matchOfActual[i]! < 0) extraActual.push(i);
    const missingExpected: number[] = [];
    for (let j = aj + 1; j < bj; j++) if (!expectedMatched[j]) missingExpected.push(j);
    const pairs = Math.min(extraActual.length, missingExpected.length);
    for (let k = 0; k < pairs; k++) changes.push({ kind: 'modified', record: extraActual[k]! + 1, expectedRecord: missingExpected[k]! + 1 });
    for (let k = pairs; k < extraActual.length; k++) changes.push({ kind: 'added', record: extraActual[k]! + 1 });
    for (let k = pairs; k < missingExpected.length; k++) changes.push({ kind: 'removed', expectedRecord: missingExpected[k]! + 1 });
  }
  // Expected records matched to nothing that fell outside every gap cannot exist: each unmatched
  // expected index lies between two consecutive anchors' expected indices.
  const at = (c: RecordChange): number => ('record' in c ? c.record : c.expectedRecord);
  return changes.sort((x, y) => at(x) - at(y));
}
