/**
 * The saved queries read span attributes by name only through keys instrumentation/semconv.ts
 * declares (most read the derived columns of flightrec_spans instead): a key typed into SQL that no
 * wrapper writes would match nothing, silently.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QUERIES_DIR } from '../catalogue/saved-queries.ts';
import { AllAttributeKeys } from '../instrumentation/semconv.ts';

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
