/**
 * Anchored rules (e-mail, URL passwords, secret assignments, gitleaks' generic rule) start at their
 * keywords' occurrences, which the engine takes from the keyword automaton's one pass instead of
 * searching them again with a regex per rule: both must find exactly the same, on every corpus
 * text and on random text glued from keywords, escapes, separators and values.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileRules } from '../instrumentation/redaction/rule-engine.ts';
import { RULES } from '../instrumentation/redaction/rules/rules.generated.ts';
import type { CorpusEntry } from './support/redaction-corpus/entry.ts';

const fromAutomaton = compileRules(RULES);
const byRegex = compileRules(RULES, { anchorByRegex: true });
const findings = (e: typeof byRegex, t: string) => e.find(t, Number.POSITIVE_INFINITY, 0);
const corpusOf = (p: string): CorpusEntry[] => JSON.parse(readFileSync(new URL(`./fixtures/redaction-${p}.json`, import.meta.url), 'utf8')) as CorpusEntry[];

describe('anchored rules: keyword occurrences from the automaton', () => {
  it('find the same as their own keyword search on every corpus text', () => {
    const texts = ['tuning', 'heldout', 'fresh'].flatMap(corpusOf).map((e) => e.text);
    expect(texts.length).toBeGreaterThan(2500);
    for (const t of texts) expect(findings(fromAutomaton, t), t).toEqual(findings(byRegex, t));
  });

  it('find the same on random text glued from keywords, escapes and values', () => {
    let seed = 0x1b873593;
    const rand = (n: number): number => {
      seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const pieces = ['password', 'pass', 'passwd', 'PASSWORD', 'Pwd', 'secret', 'client_secret', 'api', 'API_KEY', 'key', 'token', 'Token', 'credential', 'creds', 'auth', 'access',
      '@', '://', 'postgres', 'user', ':', '=', ' = ', ': ', '"', "'", '\\n', '\\t', '\\\\', '\\"', ' ', '\n', '_', '-', '.', 'example.com', 'ann.lee',
      'Zx81kQp02LmNc7Rt5Yw', 's3cr3t-Value_9', 'hunter2', 'aB3', '{"', '"}', ',', ';'];
    let hits = 0;
    for (let i = 0; i < 5000; i++) {
      let t = '';
      const count = 2 + rand(14);
      for (let k = 0; k < count; k++) t += pieces[rand(pieces.length)];
      const f = findings(byRegex, t);
      hits += f.length;
      expect(findings(fromAutomaton, t), JSON.stringify(t)).toEqual(f);
    }
    // The text must exercise the rules, or the comparison says nothing.
    expect(hits).toBeGreaterThan(300);
  });
});
