/**
 * instrumentation/redaction/match-facts.ts reads from a pattern what every match holds — digits,
 * a literal, the characters it is made of — and the engine skips a rule on text without it. A fact that claimed too much would
 * lose findings, so: hand-checked patterns, constructs the reader does not understand give no
 * claim, and every match of every generated pattern on the corpus, the provider samples and random
 * digit text holds its facts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { digitBounds, matchFacts } from '../instrumentation/redaction/match-facts.ts';
import { RULES } from '../instrumentation/redaction/rules/rules.generated.ts';
import type { CorpusEntry } from './support/redaction-corpus/entry.ts';

/** The longest run of consecutive ASCII digits, and the digit count. */
function measure(s: string): { count: number; run: number } {
  let run = 0;
  let best = 0;
  let count = 0;
  for (const ch of s) {
    if (ch >= '0' && ch <= '9') {
      count++;
      run++;
      if (run > best) best = run;
    } else run = 0;
  }
  return { count, run: best };
}

describe('digit bounds of a pattern', () => {
  it('counts digits and the shortest longest run', () => {
    expect(digitBounds('[0-9]{3}-[0-9]{2}-[0-9]{4}')).toEqual({ count: 9, run: 4 });
    expect(digitBounds('\\b(?:[0-9]{8}|[X-Z]-?[0-9]{7})-?[A-HJ-NP-TV-Z]\\b')).toEqual({ count: 7, run: 7 });
    expect(digitBounds('\\d+')).toEqual({ count: 1, run: 1 });
    expect(digitBounds('(?:[0-9]|a)[0-9]')).toEqual({ count: 1, run: 1 });
    expect(digitBounds('[ \\-]?[0-9]{2}')).toEqual({ count: 2, run: 2 });
    expect(digitBounds('[0-9]{2}(?:[0-9]{2})*[0-9]')).toEqual({ count: 3, run: 3 });
    expect(digitBounds('[0-9]{2}x?[0-9]{2}')).toEqual({ count: 4, run: 2 });
  });

  it('claims nothing for what is not a digit or not understood', () => {
    expect(digitBounds('[0\\-9]')).toEqual({ count: 0, run: 0 }); // 0, '-', 9: a class with a hyphen
    expect(digitBounds('[^0-9]{5}')).toEqual({ count: 0, run: 0 });
    expect(digitBounds('[0-9a]{5}')).toEqual({ count: 0, run: 0 });
    expect(digitBounds('a(?=[0-9]{5})b')).toEqual({ count: 0, run: 0 }); // a look-ahead matches nothing
    expect(digitBounds('([0-9]{2})\\1')).toEqual({ count: 0, run: 0 }); // backreference
    expect(digitBounds('[0-9]{3')).toEqual({ count: 0, run: 0 }); // not a pattern this reader knows
  });

  it('lists the characters a match can be made of', () => {
    const chars = (js: string): string => {
      const f = matchFacts(js).chars;
      let out = '';
      for (let c = 32; c < 127; c++) if (f.ascii[c]) out += String.fromCharCode(c);
      return out + (f.other ? '+other' : '');
    };
    expect(chars('\\b[0-9]{4}\\.?[0-9]{2}')).toBe('.0123456789');
    expect(chars('[ \\-]?[1-3]x')).toBe(' -123x');
    expect(chars('a\\s')).toBe(' a+other');
    expect(chars('[^a]')).toContain('a');
    expect(chars('.')).toContain('+other');
    expect(chars('[0-9')).toContain('+other'); // not understood: anything
  });

  it('tells whether an assertion may come before the first character', () => {
    const lead = (js: string): boolean => matchFacts(js).leadingAssertion;
    expect(lead('\\bab')).toBe(true);
    expect(lead('(?:x?)\\bz')).toBe(true);
    expect(lead('(?:^|[;])pwd')).toBe(true);
    expect(lead('(?=a)b')).toBe(true);
    expect(lead('x*$')).toBe(true);
    expect(lead('[0-9')).toBe(true); // not understood
    expect(lead('a\\b')).toBe(false);
    expect(lead('ab(?=c)')).toBe(false);
    expect(lead('(?:ab|c+)\\b')).toBe(false);
  });

  it('finds the literal every match contains, case and all', () => {
    const lit = (js: string): string => matchFacts(js).literal;
    expect(lit('\\b(ey[0-9A-Za-z]{17,}\\.ey[0-9A-Za-z]{17,})')).toBe('.ey');
    expect(lit('SK[0-9A-Fa-f]{32}')).toBe('SK');
    expect(lit('a(?:bc|bd)e')).toBe('ab');
    expect(lit('(?:xy)+z')).toBe('xyz');
    expect(lit('x{3,5}yz')).toBe('xyz');
    expect(lit('[Aa]bc')).toBe('bc');
    expect(lit('a?bc')).toBe('bc');
    expect(lit('(?:ab)?cd')).toBe('cd');
    expect(lit('(?:abc|xyz)')).toBe('');
    expect(lit('ghp_[0-9a-zA-Z]{36}|gho_[0-9a-zA-Z]{36}')).toBe('');
    expect(lit('\\x41\\u{42}\\.')).toBe('AB.');
  });

  it('holds for every match of every generated pattern on the corpus and on random digit text', () => {
    const corpus = ['tuning', 'heldout', 'fresh'].flatMap((p) => JSON.parse(readFileSync(new URL(`./fixtures/redaction-${p}.json`, import.meta.url), 'utf8')) as CorpusEntry[]).map((e) => e.text);
    const samples = (JSON.parse(readFileSync(new URL('./fixtures/redaction-provider-samples.json', import.meta.url), 'utf8')) as { match: string }[]).map((s) => ` ${s.match} `);
    let seed = 0x51ed270b;
    const rand = (n: number): number => {
      seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const alphabet = '0123456789 -.+()/AZXQ';
    const random = Array.from({ length: 3000 }, () => Array.from({ length: 8 + rand(40) }, () => alphabet[rand(alphabet.length)]).join(''));
    let checked = 0;
    let withLiteral = 0;
    const outside: string[] = [];
    const texts = [...corpus, ...samples, ...random];
    for (const r of RULES) {
      const f = matchFacts(r.js);
      if (f.digits.count === 0 && f.digits.run === 0 && !f.literal) continue;
      if (f.literal) withLiteral++;
      const re = new RegExp(r.js, 'gu');
      for (const t of texts) {
        for (const m of t.matchAll(re)) {
          const got = measure(m[0]);
          expect(got.count, `${r.id}: ${m[0]}`).toBeGreaterThanOrEqual(f.digits.count);
          expect(got.run, `${r.id}: ${m[0]}`).toBeGreaterThanOrEqual(f.digits.run);
          expect(m[0], r.id).toContain(f.literal);
          for (const ch of m[0]) {
            const c = ch.codePointAt(0)!;
            if (!(c < 128 ? f.chars.ascii[c] === 1 : f.chars.other)) outside.push(`${r.id}: ${JSON.stringify(ch)} in ${m[0]}`);
          }
          checked++;
        }
      }
    }
    expect(outside).toEqual([]);
    expect(withLiteral).toBeGreaterThan(100);
    expect(checked).toBeGreaterThan(2000);
  });
});
