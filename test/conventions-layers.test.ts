/**
 * One owner per dialect fact, and imports that only look down: conventions/ reads nothing but the
 * attribute names (instrumentation/semconv.ts), storage/ imports no adapter (openclaw/), and every
 * other producer's key the mapping reads is documented in docs/instrumentations.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ForeignAttributeKeys } from '../conventions/dialects.ts';
import { FIELD_SOURCES, SPAN_RULES, type SpanCondition } from '../conventions/span-mapping.ts';

const root = join(import.meta.dirname, '..');
const importsOf = (dir: string): { file: string; from: string }[] =>
  readdirSync(join(root, dir)).filter((f) => f.endsWith('.ts')).flatMap((f) =>
    [...readFileSync(join(root, dir, f), 'utf8').matchAll(/^(?:import|export)[^;]*? from '([^']+)'/gm)].map((m) => ({ file: `${dir}/${f}`, from: m[1]! })));

function keysOf(c: SpanCondition): string[] {
  if ('all' in c) return c.all.flatMap(keysOf);
  if ('any' in c) return c.any.flatMap(keysOf);
  if ('not' in c) return keysOf(c.not);
  return 'attr' in c ? [c.attr] : [];
}

describe('conventions', () => {
  it('read only the attribute names below them, and storage imports no adapter', () => {
    const local = (from: string): boolean => from.startsWith('.');
    expect(importsOf('conventions').filter((i) => local(i.from) && !i.from.startsWith('./') && i.from !== '../instrumentation/semconv.ts')).toEqual([]);
    expect(importsOf('storage').filter((i) => i.from.includes('/openclaw/') || i.from.includes('/review/') || i.from.includes('/server/'))).toEqual([]);
  });

  it('document every other producer’s key the mapping reads', () => {
    const doc = readFileSync(join(root, 'docs', 'instrumentations.md'), 'utf8');
    const read = new Set([
      ...SPAN_RULES.flatMap((r) => keysOf(r.when)),
      ...Object.values(FIELD_SOURCES).flat().flatMap((s) => (typeof s === 'string' ? [s] : 'attr' in s ? [s.attr] : [])),
    ]);
    const foreign = [...read].filter((k) => ForeignAttributeKeys.has(k));
    expect(foreign.length).toBeGreaterThan(20);
    expect(foreign.filter((k) => !doc.includes(`\`${k}\``))).toEqual([]);
  });
});
