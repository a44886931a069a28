/**
 * The collector engine, run for real: the generated rules with Go's regexp (RE2, what the
 * collector's processors use), on the same corpus as the SDK.
 *   - every rule's JavaScript translation finds exactly what its RE2 source finds, on every text
 *     of the corpus (the translation is mechanical; this is its check);
 *   - the committed rules.generated.ts and provider samples equal what scripts/redaction-rules
 *     generates from the pinned gitleaks module;
 * What the collector config does with them — patterns in the redaction processor, checked rules in
 * OTTL — is scored with the real collector on the same corpus: redaction-real-collector.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RULES } from '../../instrumentation/redaction/rules/rules.generated.ts';
import type { CorpusEntry } from '../support/redaction-corpus/entry.ts';
import { keyedCacheDir } from './support/cache-dir.ts';
import { requireGo } from './support/toolchains.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const EVAL = join(ROOT, 'test/interop/redaction');
const corpus = ['tuning', 'heldout', 'fresh'].map((p) => join(ROOT, `test/fixtures/redaction-${p}.json`));
const entries = corpus.map((p) => JSON.parse(readFileSync(p, 'utf8')) as CorpusEntry[]);
const tmp = mkdtempSync(join(tmpdir(), 'flightrec-redaction-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function evaluator(): string {
  requireGo();
  const inputs = ['main.go', 'go.mod', 'go.sum'].map((f) => readFileSync(join(EVAL, f)));
  const bin = join(keyedCacheDir('redaction-eval', inputs), 'redaction-eval');
  execFileSync('go', ['build', '-o', bin, '.'], { cwd: EVAL, stdio: 'inherit' });
  return bin;
}

describe('collector engine (Go RE2)', () => {
  const bin = evaluator();

  it('each rule’s JavaScript translation matches exactly what RE2 matches, on every corpus text', () => {
    const rulesPath = join(tmp, 'rules.json');
    writeFileSync(rulesPath, JSON.stringify(RULES.map((r) => ({ id: r.id, re2: r.re2 }))));
    const go = JSON.parse(execFileSync(bin, ['-matches', rulesPath, ...corpus], { maxBuffer: 256 << 20, encoding: 'utf8' })) as Record<string, [number, string][]>;
    const texts = entries.flat().map((e) => e.text);
    const differ: string[] = [];
    for (const r of RULES) {
      const re = new RegExp(r.js, 'gu');
      const js: [number, string][] = [];
      texts.forEach((t, i) => { for (const m of t.matchAll(re)) js.push([i, m[0]]); });
      if (JSON.stringify(js) !== JSON.stringify(go[r.id])) differ.push(r.id);
    }
    expect(differ).toEqual([]);
  });

  it('the committed rules and samples are what the generator makes from the pinned gitleaks', () => {
    mkdirSync(join(tmp, 'gen/instrumentation/redaction/rules'), { recursive: true });
    mkdirSync(join(tmp, 'gen/test/fixtures'), { recursive: true });
    copyFileSync(join(ROOT, 'instrumentation/redaction/rules/flightrec-rules.json'), join(tmp, 'gen/instrumentation/redaction/rules/flightrec-rules.json'));
    execFileSync('go', ['run', '.', join(tmp, 'gen')], { cwd: join(ROOT, 'scripts/redaction-rules'), stdio: 'inherit' });
    for (const f of ['instrumentation/redaction/rules/rules.generated.ts', 'test/fixtures/redaction-provider-samples.json']) {
      expect(readFileSync(join(tmp, 'gen', f), 'utf8'), f).toBe(readFileSync(join(ROOT, f), 'utf8'));
    }
  });
});
