/**
 * The saved queries read span attributes by name only through keys instrumentation/semconv.ts
 * declares (most read the derived columns of flightrec_spans instead): a key typed into SQL that no
 * wrapper writes would match nothing, silently.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QUERIES_DIR } from '../catalogue/saved-queries.ts';
import { AllAttributeKeys, SideEffectEffects } from '../instrumentation/semconv.ts';
import { derivedColumns } from '../storage/derived-columns.ts';

function sqlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sqlFiles(join(dir, e.name)) : e.name.endsWith('.sql') ? [join(dir, e.name)] : []));
}

const ATTRIBUTE_READ = /\b(?:Span|Resource)?Attributes\[\s*'([^']+)'\s*\]/g;

describe('attribute keys in saved SQL', () => {
  const reads = sqlFiles(QUERIES_DIR).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(ATTRIBUTE_READ)].map((m) => ({ file, key: m[1]! })));

  it('finds the keys the queries read (the scan itself works)', () => {
    expect(reads.map((r) => r.key)).toContain('flightrec.source.uri');
  });

  it('reads only declared keys', () => {
    const undeclared = reads.filter((r) => !AllAttributeKeys.has(r.key)).map((r) => `${r.file}: ${r.key}`);
    expect(undeclared).toEqual([]);
  });
});

describe('side effects in saved SQL', () => {
  const EFFECT_LIST = /\bEffect\s+IN\s*\(([^)]*)\)/g;
  const lists = sqlFiles(QUERIES_DIR).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(EFFECT_LIST)].map((m) => ({ file, effects: [...m[1]!.matchAll(/'([^']*)'/g)].map((x) => x[1]!).sort() })));

  it('finds the effect lists the queries write (the scan itself works)', () => {
    expect(lists.length).toBeGreaterThan(0);
  });

  it('no query spells out the side effects: they read the view column SideEffect, whose list is semconv SideEffectEffects', () => {
    const all = [...SideEffectEffects].sort().join(',');
    expect(lists.filter((l) => l.effects.join(',') === all).map((l) => l.file)).toEqual([]);
    const column = derivedColumns.find((c) => c.name === 'SideEffect')!;
    for (const e of SideEffectEffects) expect(column.sql).toContain(`'${e}'`);
    expect(column.sql).not.toContain("'read'");
  });
});
