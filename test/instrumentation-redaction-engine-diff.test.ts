/**
 * The rule engine was made faster (a cheaper pass for keywords and digit runs, anchored rules
 * tried only where they may start, rules skipped on text that cannot hold a match — digit, literal
 * and character gates read from the patterns): it must find exactly what
 * the engine before that work found, finding for finding, on the same rules. The earlier engine
 * (commit b257300, frozen in test/support/redaction-engine-reference/) runs side by side with this
 * checkout's, on every corpus text, the benchmark's inputs, random text glued from keywords, digits,
 * escapes and values, and long texts that cross the engine's window and chunk sizes.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileRules, type RuleEngine } from '../instrumentation/redaction/rule-engine.ts';
import { RULES } from '../instrumentation/redaction/rules/rules.generated.ts';
import { VALIDATORS, type Validator } from '../instrumentation/redaction/rules/validators.ts';
import type { CorpusEntry } from './support/redaction-corpus/entry.ts';
import { TOOL_ARGS_1KB } from '../bench/tool-arguments.ts';

let before: RuleEngine;
let validatorsBefore: Readonly<Record<string, Validator>>;
const now = compileRules(RULES);

beforeAll(async () => {
  const mod = await import('./support/redaction-engine-reference/rule-engine.ts');
  // Both engines get this checkout's rules: the engine is what is compared.
  before = mod.compileRules(RULES) as RuleEngine;
  validatorsBefore = (await import('./support/redaction-engine-reference/rules/validators.ts')).VALIDATORS as Readonly<Record<string, Validator>>;
});

const findings = (e: RuleEngine, t: string) => e.find(t, Number.POSITIVE_INFINITY, 0);
const fixture = <T,>(name: string): T => JSON.parse(readFileSync(new URL(`./fixtures/redaction-${name}.json`, import.meta.url), 'utf8')) as T;
/** Every text of the fixtures: the labelled parts, the hand-written corpus, the provider samples (alone and in a sentence). */
function corpusTexts(): string[] {
  const labelled = ['tuning', 'heldout', 'fresh'].flatMap((p) => fixture<CorpusEntry[]>(p)).map((e) => e.text);
  const hand = fixture<Record<string, { text: string }[]>>('corpus');
  const samples = fixture<{ match: string }[]>('provider-samples').flatMap((s) => [s.match, `the agent printed ${s.match} into the log`]);
  return [...labelled, ...Object.values(hand).flat().map((e) => e.text), ...samples];
}

function random(seed: number): (n: number) => number {
  return (n) => {
    seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
}

const PIECES = [
  // keywords of gitleaks' and flightrec's rules, in several cases
  'password', 'pass', 'Pwd', 'secret', 'client_secret', 'API_KEY', 'api', 'key', 'token', 'Token', 'credential', 'auth', 'access', 'bearer ', 'Basic ',
  'sk-', 'sk-proj-', 'ghp_', 'xoxb-', 'AKIA', 'eyJ', 'glpat-', '-----BEGIN RSA PRIVATE KEY-----', '-----END RSA PRIVATE KEY-----', 'Private-Lines: 2 ', 'mysql -u root -p',
  '@', '://', 'postgres', 'user', ':', '=', ' = ', ': ', '"', "'", '\\n', '\\t', '\\\\', '\\"', ' ', '\n', '_', '-', '.', '/', ';', ',', '{"', '"}', '+', '(', ')',
  'example.com', 'ann.lee', 'Zx81kQp02LmNc7Rt5Yw', 's3cr3t-Value_9', 'hunter2', 'aB3', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 'ABCDEFGHIJKLMNOP',
  // digits: cards, IBANs, national ids, phone numbers, dates, counts
  '4111 1111 1111 1111', '4111111111111112', '5500-0000-0000-0004', 'DE89 3704 0044 0532 0130 00', 'GB82WEST12345698765432', 'NL91ABNA0417164300',
  '078-05-1120', '123-45-6789', 'QQ 12 34 56 C', 'AB123456C', '12 345 678 901', '1 84 12 76 451 089 46', '12345678Z', 'X1234567L', 'RSSMRA85T10A562S',
  '111222333', '1112.22.333', '+1 415-555-2671', '+44 20 7946 0958', '(415) 555-2671', '0049 30 1234567', '2026-12-07', '10:31:02', '19.99', '4711', '0', '7', '12', '88213-2',
  // beyond ASCII: the scan reads ASCII text as bytes and other text by character
  'Zürich', '€', '😀', 'ſecret', 'K\u212Aey', '\u00a0', 'İ',
];

function glued(rand: (n: number) => number, count: number): string {
  let t = '';
  for (let k = 0; k < count; k++) t += PIECES[rand(PIECES.length)];
  return t;
}

describe('rule engine: same findings as before the speed work', () => {
  it('on every corpus text', () => {
    const texts = corpusTexts();
    expect(texts.length).toBeGreaterThan(3000);
    let hits = 0;
    for (const t of texts) {
      const f = findings(before, t);
      hits += f.length;
      expect(findings(now, t), t).toEqual(f);
    }
    expect(hits).toBeGreaterThan(2000);
  });

  it("on the benchmark's inputs, alone and repeated past the window and chunk sizes", () => {
    const prose = ('The deploy agent read the runbook and called the tool with OPENAI_API_KEY=sk-proj-Caqx9vJupc94tnwlavyfErGPmpGXafq0fjzLczbttOofL9H2 ' +
      'then connected to postgres://svc:pw-9f8e7d@db.internal:5432/orders and paged the on-call engineer at +1 415-555-2671. ' +
      'It summarised the incident: the queue backed up after the 14:02 release, 312 jobs were retried, no data was lost. ');
    const digits = '2026-12-07 10:31:02 order 4711 qty 3 price 19.99 ref 88213-2 ';
    for (const base of [JSON.stringify(TOOL_ARGS_1KB), prose, digits]) {
      for (const times of [1, 3, 40, 400]) {
        const t = base.repeat(times);
        expect(findings(now, t)).toEqual(findings(before, t));
      }
    }
  });

  it('on random text glued from keywords, digits, escapes and values', () => {
    const rand = random(0x2545f491);
    let hits = 0;
    for (let i = 0; i < 6000; i++) {
      const t = glued(rand, 1 + rand(24));
      const f = findings(before, t);
      hits += f.length;
      expect(findings(now, t), JSON.stringify(t)).toEqual(f);
    }
    expect(hits).toBeGreaterThan(3000);
  });

  it('validators (read by character code now) say the same on random candidates in random context', () => {
    const rand = random(0x3c6ef372);
    const alphabet = '0123456789 .-+()/_aZxQ\n€';
    const names = Object.keys(VALIDATORS);
    expect(Object.keys(validatorsBefore).sort()).toEqual([...names].sort());
    let yes = 0;
    const differ: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const text = Array.from({ length: 4 + rand(30) }, () => alphabet[rand(alphabet.length)]).join('') + glued(rand, 1 + rand(2));
      const start = rand(text.length);
      const end = start + 1 + rand(text.length - start);
      const secret = text.slice(start, end);
      for (const name of names) {
        const got = VALIDATORS[name]!(secret, text, start, end);
        if (got !== validatorsBefore[name]!(secret, text, start, end)) differ.push(`${name} ${JSON.stringify(text)} ${start}-${end}`);
        if (got) yes++;
      }
    }
    expect(differ).toEqual([]);
    expect(yes).toBeGreaterThan(1000);
  });

  it('with a secret across the middle of a scan block (where the second of two interleaved streams starts reporting)', () => {
    // The scan reads a block of ASCII text in two halves at once; a keyword, a digit run or a
    // whole secret straddling the halves' border, at every offset, must be found as before.
    const filler = ' the queue backed up after the release and nothing was lost';
    const secrets = ['api_key = "Zx81kQp02LmNc7Rt5Yw"', 'ann.lee@example.com', 'call 4111 1111 1111 1111 now', 'GITHUB ghp_Zx81kQp02LmNc7Rt5YwZx81kQp02LmNc7R', 'social security number 078051120', 'postgres://svc:pw-9f8e7d@db'];
    let hits = 0;
    // One block (mid 150, 512), and a second block after the first 4,096 characters (mid 4,596).
    for (const [length, mid] of [[300, 150], [1024, 512], [5096, 4596]] as const) {
      const pad = filler.repeat(Math.ceil(length / filler.length) + 1);
      for (const secret of secrets) {
        for (let at = mid - secret.length - 2; at <= mid + 2; at++) {
          const t = (pad.slice(0, at) + secret + pad).slice(0, length);
          const f = findings(before, t);
          hits += f.length;
          expect(findings(now, t), `${length} ${at} ${secret}`).toEqual(f);
        }
      }
    }
    expect(hits).toBeGreaterThan(300);
  });

  it('on long random texts (windows not merged into one, chunked regex runs)', () => {
    const rand = random(0x68e31da4);
    for (let i = 0; i < 12; i++) {
      // Filler between the pieces keeps windows apart; some texts pass the 64 Ki chunk size.
      let t = '';
      const target = i % 3 === 0 ? 140_000 : 9_000 + rand(30_000);
      while (t.length < target) t += rand(3) === 0 ? glued(rand, 1 + rand(6)) : ' the queue backed up after the release and nothing was lost '.repeat(1 + rand(8));
      expect(findings(now, t)).toEqual(findings(before, t));
    }
  });
});
