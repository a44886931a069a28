/**
 * "Did you mean": the known names nearest to a mistyped one, for query names and session ids.
 * Damerau–Levenshtein (optimal string alignment) distance, written here because it is a dozen
 * lines and the lists are short (dozens of queries, a page of session ids).
 */

function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * Up to `max` names within a third of the typed name's length in edits (at least 2), nearest first;
 * a name that contains the typed text, or that the typed text contains, counts as near too.
 */
export function closestNames(typed: string, known: readonly string[], max = 3): string[] {
  const t = typed.toLowerCase();
  const limit = Math.max(2, Math.floor(t.length / 3));
  return known
    .map((name) => {
      const n = name.toLowerCase();
      const contains = t.length >= 3 && (n.includes(t) || t.includes(n));
      return { name, d: contains ? 0.5 : distance(t, n) };
    })
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((x) => x.name);
}
