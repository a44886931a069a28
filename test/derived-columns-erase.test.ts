/**
 * Stored columns that other stored columns read (FrRule, FrTool, FrToolEntry, FrRecord, FrRisk) must
 * not change when `flightrec erase` rewrites a span's attributes: in the erasure's mutation ClickHouse
 * recomputes every MATERIALIZED column from the values the part held before (a column that reads
 * another reads its old value), so a column read by others may only depend on keys the erasure keeps.
 */
import { describe, expect, it } from 'vitest';
import { isContentKey, PERSONAL_KEYS } from '../instrumentation/content-keys.ts';
import { derivedColumnsFor, storedColumnName, storedColumnTypes } from '../storage/derived-columns.ts';

describe('stored columns read by other stored columns', () => {
  const stored = derivedColumnsFor().filter((c) => storedColumnTypes[c.name]);
  const read = stored.filter((c) => stored.some((d) => d !== c && new RegExp(`\\b${storedColumnName(c.name)}\\b`).test(d.sql)));

  it('are the shared values, computed once', () => {
    expect(read.map((c) => c.name).sort()).toEqual(['Record', 'Risk', 'Rule', 'Tool', 'ToolEntry']);
  });

  it('read no key an erasure removes or blanks, and no event attributes', () => {
    const keysOf = (sql: string): string[] => [...sql.matchAll(/Attributes\['((?:[^'\\]|\\.)*)'\]/g)].map((m) => m[1]!);
    // The pattern finds keys where there are some (the catalogue entry reads only other stored columns).
    expect(read.filter((c) => keysOf(c.sql).length > 0).map((c) => c.name).sort()).toEqual(['Record', 'Risk', 'Rule', 'Tool']);
    for (const c of read) {
      const keys = keysOf(c.sql);
      expect(keys.filter((k) => isContentKey(k) || PERSONAL_KEYS.includes(k)), c.name).toEqual([]);
      expect(c.sql, c.name).not.toContain('Events');
    }
  });
});
