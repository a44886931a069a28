/**
 * The rows of the corpus figures table in docs/semantic-conventions.md, made from scores, so the
 * tests can check that the doc says what was measured.
 */
import type { CategoryScore } from './entry.ts';

const pct = (n: number, d: number): string => (d === 0 ? '—' : `${((100 * n) / d).toFixed(1)} %`);

export function figureRows(engine: 'SDK' | 'collector, attributes' | 'collector, status messages' | 'real collector, attributes' | 'real collector, events' | 'real collector, status', tuning: readonly CategoryScore[], heldout: readonly CategoryScore[]): string[] {
  return heldout.map((h) => {
    const t = tuning.find((s) => s.category === h.category)!;
    return `| ${engine} | ${h.category} | ${t.found}/${t.secrets} | ${t.altered}/${t.lookalikes} | ${h.found}/${h.secrets} (${pct(h.found, h.secrets)}) | ${h.altered}/${h.lookalikes} (${pct(h.altered, h.lookalikes)}) |`;
  });
}

/** The rows of the fresh held-out part's table (one part: found and look-alikes altered). */
export function freshRows(engine: Parameters<typeof figureRows>[0], fresh: readonly CategoryScore[]): string[] {
  return fresh.map((f) => `| ${engine} | ${f.category} | ${f.found}/${f.secrets} (${pct(f.found, f.secrets)}) | ${f.altered}/${f.lookalikes} (${pct(f.altered, f.lookalikes)}) |`);
}
