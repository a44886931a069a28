/**
 * Runs the generated rules (rules/rules.generated.ts) over a string and returns where the secrets
 * are. Cost and time are bounded by construction, not by hope:
 *   - one pass of an Aho–Corasick automaton over the text finds every rule keyword (gitleaks'
 *     prefilter, case-insensitive) and every digit; a rule whose keywords do not occur, or whose
 *     digit trigger does not fire, does not run;
 *   - a rule also does not run on text that cannot hold a match by what its pattern demands
 *     (match-facts.ts): digits (a count within its longest match, a run in a row, joined only by
 *     characters it can match), a literal with its case, one of a class of capitals or signs;
 *   - a rule runs only on windows around its keywords' occurrences, each window as wide as the
 *     rule's longest match (from the RE2 parse, capped), merged, and cut into chunks — so a
 *     pattern that backtracks badly can only do so within one chunk, and the clock is read
 *     between chunks: past the deadline the engine throws RedactionTimeout and the caller redacts
 *     the whole value (fail closed).
 * Checks the pattern cannot express run on each finding: gitleaks' entropy threshold and allow
 * lists, and flightrec's validators (Luhn, mod-97, national-id check digits).
 */
import type { GeneratedRule } from './rules/rule-types.ts';
import { GLOBAL_ALLOW } from './rules/rules.generated.ts';
import { VALIDATORS, type Validator } from './rules/validators.ts';
import { matchFacts, type MatchFacts } from './match-facts.ts';

export interface Finding {
  /** Where the secret is (the rule's secret group, else its whole match). */
  readonly start: number;
  readonly end: number;
  readonly rule: string;
}

/** Thrown when a value could not be scanned within its time budget: redact all of it. */
export class RedactionTimeout extends Error {
  constructor(ms: number) {
    super(`redaction: value not scanned within ${ms} ms`);
    this.name = 'RedactionTimeout';
  }
}

export interface RuleEngine {
  /** Findings in text order, overlapping ones merged (the earlier rule's name kept). `deadline` is a performance.now() time. */
  find(text: string, deadline: number, budgetMs: number): Finding[];
  readonly ruleIds: readonly string[];
}

/** How far (UTF-16 units) a window reaches either side of a keyword for a rule with no bound, or a larger one. */
const MAX_REACH = 16_384;
/** The longest slice one regex call sees: what one badly backtracking pattern can cost between two looks at the clock. */
const CHUNK = 65_536;
/** Up to this length (UTF-16 units) a rule runs once over its windows' whole span rather than window by window. */
const SMALL = 8_192;
/** Between two reads of the clock in the rules' loop, at most this many characters of windows go through patterns (besides the chunk bound). */
const CLOCK_WORK = 16_384;
/** Past this many keyword occurrences of one group, an anchored rule searches them itself (bounded by the clock) rather than sorting the automaton's. */
const OCCURRENCES_MAX = 65_536;
/** With a digit run every this many characters or more often, the segment gates are not read (they would cost about what the rules do). */
const SEGMENT_RUN_SPACING = 2;
/** The most digit runs the scan keeps for the segment gates (past it they pass). */
const RUNS_MAX = 1 << 16;
/** The most digits a gate counts (the ring of digit positions holds this many). */
const GATE_DIGITS_MAX = 32;
/** Up to this length an ASCII text is scanned as bytes (encoded into a buffer kept between calls). */
const BYTES_MAX = 1 << 20;
const encoder = new TextEncoder();
/** The scan reads the text in blocks of this many characters; after each, it handles the block's digits and reads the clock. */
const BLOCK = 4096;
/** From this many characters of a block on (and four times the longest keyword), the scan reads it in two interleaved streams. */
const TWO_STREAMS_MIN = 256;
/** The automaton's alphabet: ASCII lower-cased; everything else reads as NUL, which no keyword holds (keywords are printable ASCII). */
const SYMBOLS = 128;

interface AllowCheck {
  readonly target: string;
  readonly regexes: readonly RegExp[];
  /** Stop words by their first two characters (gitleaks' generic rule has ~1,400 of them). */
  readonly stopWords: ReadonlyMap<string, readonly string[]>;
  readonly and: boolean;
}

function indexStopWords(words: readonly string[]): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const w of words) {
    const k = w.slice(0, 2);
    index.set(k, [...(index.get(k) ?? []), w]);
  }
  return index;
}

/** Whether `lower` contains one of the indexed stop words. */
function hasStopWord(index: ReadonlyMap<string, readonly string[]>, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const ws = index.get(lower.slice(i, i + 2));
    if (ws) for (const w of ws) if (lower.startsWith(w, i)) return true;
  }
  return false;
}

interface Compiled {
  readonly id: string;
  readonly order: number;
  readonly re: RegExp;
  readonly secretGroup: number;
  readonly entropy: number;
  readonly validator?: Validator;
  readonly allow: readonly AllowCheck[];
  readonly globalAllow: boolean;
  readonly group: number;
  /**
   * For a digit-triggered rule, what every match holds in digits (match-facts.ts): `count` digits
   * within `within` characters (gate slot `slot`, -1: none), a run of `run` consecutive digits,
   * and `count` digits joined only by characters the pattern can match (`chars`, `other` beyond
   * ASCII). A text without them holds no match: the rule is not run.
   */
  readonly gate?: { readonly slot: number; readonly run: number; readonly count: number; readonly chars: Uint8Array; readonly other: boolean };
  /** A literal every match contains, case and all (match-facts.ts): a window without it holds no match. */
  readonly literal: string;
  /** For a digit-triggered rule, a class of upper-case letters or signs one of which every match holds (`g`); a window without one holds no match. */
  readonly needOneOf?: RegExp;
  readonly anchor?: {
    readonly keywords: RegExp;
    readonly left: (c: number) => boolean;
    readonly max: number;
    readonly startsNear: RegExp;
    /** No assertion before the first character: run on the text itself from the start, not on a slice, when the slice would end where the text does. */
    readonly onText: boolean;
  };
}

/**
 * Content is often JSON text, where a line break inside a string is the two characters `\n`: a
 * token right after one ("…\nghp_…") has no word boundary before it, and gitleaks' patterns start
 * with \b. The patterns run on a view of the text in which each unescaped `\n`, `\r`, `\t` reads
 * as two spaces — same length, so every position found is a position in the text itself.
 */
function jsonEscapesAsSpace(text: string): string {
  let i = text.indexOf('\\');
  if (i < 0) return text;
  const n = text.length;
  let out = '';
  let last = 0;
  while (i >= 0) {
    let j = i;
    while (j < n && text.charCodeAt(j) === 92) j++;
    // An odd run of backslashes escapes the next character: \n, \r, \t read as two spaces.
    if ((j - i) % 2 === 1 && j < n) {
      const c = text.charCodeAt(j);
      if (c === 110 || c === 114 || c === 116) {
        out += `${text.slice(last, j - 1)}  `;
        last = j + 1;
      }
    }
    i = text.indexOf('\\', j + 1);
  }
  return last === 0 ? text : out + text.slice(last);
}

/** A one-character class as a test on char codes, ASCII from a table. */
function charTest(re: RegExp): (c: number) => boolean {
  const ascii = new Uint8Array(128);
  for (let c = 0; c < 128; c++) ascii[c] = re.test(String.fromCharCode(c)) ? 1 : 0;
  return (c) => (c < 128 ? ascii[c] === 1 : re.test(String.fromCharCode(c)));
}

/**
 * The pattern, tried only at the first max+1 positions (code points) of the input: a sticky regex
 * whose lazy prefix `[^]{0,max}?` moves the start one position at a time, the pattern itself in
 * group 1 (its own groups one number up). On a slice that starts `max` or fewer characters before
 * a keyword, this finds the leftmost match starting at or before the keyword — what the plain
 * pattern finds there — without searching the rest of the slice when there is none.
 */
function startsNear(id: string, js: string, max: number): RegExp {
  // A backreference would point at the wrong group once the pattern sits in group 1.
  if (/(?:^|[^\\])(?:\\\\)*\\[1-9k]/.test(js)) throw new Error(`redaction rule ${id}: an anchored pattern may not use backreferences`);
  return new RegExp(`[^]{0,${max}}?(${js})`, 'uy');
}

/** The characters a rule's windows cover in a text of length n. */
function spanOf(rs: Float64Array, count: number, n: number): number {
  let w = 0;
  for (let k = 0; k < count; k += 2) w += Math.max(0, Math.min(n, rs[k + 1]!) - Math.max(0, rs[k]!));
  return w;
}

function grown(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function grownF(a: Float64Array): Float64Array<ArrayBuffer> {
  const b = new Float64Array(Math.max(16, a.length * 2));
  b.set(a);
  return b;
}

function shannon(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

const globalAllow = GLOBAL_ALLOW.map((p) => new RegExp(p, 'u'));

export interface CompileOptions {
  /** Anchored rules search their keywords with a regex of their own instead of reusing the automaton's finds (off by default; kept to check both agree). */
  readonly anchorByRegex?: boolean;
}

export function compileRules(rules: readonly GeneratedRule[], options: CompileOptions = {}): RuleEngine {
  // Rules sharing a keyword set share windows (the digit-triggered personal-data rules, for one).
  const groupIndex = new Map<string, number>();
  const groupKeywords: string[][] = [];
  const groupReach: number[] = [];
  const groupDigits: ({ readonly count: number; readonly within: number } | undefined)[] = [];
  // Gate slots: one per distinct (count, within) among the digit-triggered rules.
  const gateSlots = new Map<string, number>();
  const gateCount: number[] = [];
  const gateWithin: number[] = [];
  const gateFor = (r: GeneratedRule, facts: MatchFacts): Compiled['gate'] => {
    const b = facts.digits;
    // More digits than the ring keeps is still a sound gate at the ring's size.
    const count = Math.min(b.count, GATE_DIGITS_MAX);
    let slot = -1;
    if (count > r.digits!.count && r.maxLen < MAX_REACH) {
      const key = `${count}/${r.maxLen}`;
      slot = gateSlots.get(key) ?? -1;
      if (slot < 0) {
        slot = gateCount.length;
        gateSlots.set(key, slot);
        gateCount.push(count);
        gateWithin.push(r.maxLen);
      }
    }
    return slot >= 0 || b.run > 1 || b.count > 1 ? { slot, run: b.run, count: b.count, chars: facts.chars.ascii, other: facts.chars.other } : undefined;
  };
  // One character is found too often to be worth a search of its own.
  const literalOf = (facts: MatchFacts): string => {
    const l = facts.literal;
    return l.length >= 2 ? l : '';
  };
  // Only a class prose rarely holds is worth a search: none with lower-case letters or spaces.
  const needOf = (facts: MatchFacts): RegExp | undefined => {
    const need = facts.needOneOf;
    if (!need || need.some((x, c) => x === 1 && ((c >= 97 && c <= 122) || c <= 32))) return undefined;
    const hex = (c: number): string => `\\x${c.toString(16).padStart(2, '0')}`;
    let cls = '';
    need.forEach((x, c) => { if (x) cls += hex(c); });
    return new RegExp(`[${cls}]`, 'g');
  };
  const compiled: Compiled[] = rules.map((r, order) => {
    const facts = matchFacts(r.js);
    const kws = [...new Set(r.keywords.map((k) => k.toLowerCase()))].sort();
    const sig = kws.join('\u0000') + (r.digits ? `\u0001${r.digits.count}/${r.digits.within}` : '');
    let g = groupIndex.get(sig);
    if (g === undefined) {
      g = groupKeywords.length;
      groupIndex.set(sig, g);
      groupKeywords.push(kws);
      groupReach.push(0);
      groupDigits.push(r.digits);
    }
    groupReach[g] = Math.max(groupReach[g]!, Math.min(MAX_REACH, r.maxLen) + 1);
    const validator = r.validator ? VALIDATORS[r.validator] : undefined;
    if (r.validator && !validator) throw new Error(`redaction rule ${r.id}: unknown validator ${r.validator}`);
    return {
      id: r.id,
      order,
      re: new RegExp(r.js, 'gu'),
      secretGroup: r.secretGroup,
      entropy: r.entropy ?? 0,
      validator,
      allow: (r.allow ?? []).map((a) => ({ target: a.target, regexes: (a.regexes ?? []).map((p) => new RegExp(p, 'u')), stopWords: indexStopWords((a.stopWords ?? []).map((w) => w.toLowerCase())), and: a.condition === 'AND' })),
      globalAllow: r.source === 'gitleaks',
      group: g,
      gate: r.digits ? gateFor(r, facts) : undefined,
      literal: r.anchor ? '' : literalOf(facts),
      needOneOf: r.digits ? needOf(facts) : undefined,
      anchor: r.anchor && {
        // Case-insensitive only where a keyword has letters: a single literal like "@" is then searched fast.
        keywords: new RegExp(kws.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), kws.some((k) => /[a-z]/i.test(k)) ? 'gi' : 'g'),
        left: charTest(new RegExp(r.anchor.left, 'u')),
        max: r.anchor.max,
        startsNear: startsNear(r.id, r.js, r.anchor.max),
        onText: !facts.leadingAssertion,
      },
    };
  });

  // V8 compiles a pattern on its first use: do it now, not inside the first value's time budget.
  for (const c of compiled) {
    c.re.lastIndex = 0;
    c.re.exec('warm-up 0');
  }

  // Aho–Corasick over every distinct keyword, as a full transition table.
  const keywords: string[] = [];
  const keywordGroups: number[][] = [];
  const kwIndex = new Map<string, number>();
  groupKeywords.forEach((kws, g) => {
    for (const k of kws) {
      let i = kwIndex.get(k);
      if (i === undefined) {
        i = keywords.length;
        kwIndex.set(k, i);
        keywords.push(k);
        keywordGroups.push([]);
      }
      keywordGroups[i]!.push(g);
    }
  });
  const symbol = (c: number): number => (c < 128 ? (c >= 65 && c <= 90 ? c + 32 : c) : 0);
  const gotoRows: Int32Array[] = [new Int32Array(SYMBOLS).fill(-1)];
  const outs: number[][] = [[]];
  for (let k = 0; k < keywords.length; k++) {
    let s = 0;
    for (const ch of keywords[k]!) {
      const sym = symbol(ch.charCodeAt(0));
      if (gotoRows[s]![sym] === -1) {
        gotoRows[s]![sym] = gotoRows.length;
        gotoRows.push(new Int32Array(SYMBOLS).fill(-1));
        outs.push([]);
      }
      s = gotoRows[s]![sym]!;
    }
    outs[s]!.push(k);
  }
  const states = gotoRows.length;
  const delta = new Int32Array(states * SYMBOLS);
  const fail = new Int32Array(states);
  const queue: number[] = [];
  for (let a = 0; a < SYMBOLS; a++) {
    const t = gotoRows[0]![a]!;
    if (t === -1) delta[a] = 0;
    else {
      delta[a] = t;
      fail[t] = 0;
      queue.push(t);
    }
  }
  while (queue.length) {
    const s = queue.shift()!;
    outs[s]!.push(...outs[fail[s]!]!);
    for (let a = 0; a < SYMBOLS; a++) {
      const t = gotoRows[s]![a]!;
      if (t === -1) delta[s * SYMBOLS + a] = delta[fail[s]! * SYMBOLS + a]!;
      else {
        delta[s * SYMBOLS + a] = t;
        fail[t] = delta[fail[s]! * SYMBOLS + a]!;
        queue.push(t);
      }
    }
  }
  // Per state, the groups its keywords trigger, with the keyword lengths (flattened).
  const outStart = new Int32Array(states + 1);
  const outFlat: number[] = [];
  for (let s = 0; s < states; s++) {
    outStart[s] = outFlat.length / 2;
    for (const k of outs[s]!) for (const g of keywordGroups[k]!) outFlat.push(g, keywords[k]!.length);
  }
  outStart[states] = outFlat.length / 2;
  const outPairs = Int32Array.from(outFlat);
  const groups = groupKeywords.length;
  const alwaysRun = groupKeywords.map((k, g) => k.length === 0 && !groupDigits[g]);
  // Digit-run triggers: the last digit positions, in a ring whose size is a power of two (a mask, not a division, per digit).
  const digitGroupList = groupDigits.flatMap((d, g) => (d ? [{ g, count: d.count, within: d.within }] : []));
  for (const d of digitGroupList) {
    // Windows are merged in the order triggers are seen: digit runs and keywords in one group would interleave.
    if (groupKeywords[d.g]!.length > 0) throw new Error('redaction rules: a rule is triggered by digits or by keywords, not both');
    if (!(d.count >= 1 && d.count <= 64)) throw new Error(`redaction rules: digit trigger count ${d.count} out of range`);
  }
  const digitGroup = Int32Array.from(digitGroupList, (d) => d.g);
  const digitCount = Int32Array.from(digitGroupList, (d) => d.count);
  const digitWithin = Int32Array.from(digitGroupList, (d) => d.within);
  let RING = 1;
  while (RING < Math.max(1, ...digitCount, ...gateCount)) RING <<= 1;
  const ring = new Int32Array(RING);
  // What the last scan saw of digits, for the gates: the longest run, and which (count, within) slots were met.
  const gates = gateCount.length;
  const gateMet = new Uint8Array(gates);
  const pendingRoom = new Int32Array(gates);
  let longestRun = 0;
  // The text's digit runs [start, end), in order (up to RUNS_MAX; past it the segment gates pass).
  let runStarts = new Int32Array(256);
  let runEnds = new Int32Array(256);
  let runs = 0;
  let runsOverflow = false;
  // Each transition carries two flags in its low bits: 1 "the target state has outputs", 2 "the
  // character is a digit" (when rules are triggered by digit runs) — one load and one test per character.
  const flagDigits = digitGroup.length > 0;
  for (let i = 0; i < delta.length; i++) {
    const t = delta[i]!;
    const a = i % SYMBOLS;
    delta[i] = (t << 2) | (outStart[t + 1]! > outStart[t]! ? 1 : 0) | (flagDigits && a >= 48 && a <= 57 ? 2 : 0);
  }
  // Capitals read as their lower case: an ASCII byte indexes the table as it is, without the symbol table.
  for (let s = 0; s < states; s++) for (let a = 65; a <= 90; a++) delta[s * SYMBOLS + a] = delta[s * SYMBOLS + a + 32]!;
  // The automaton's state holds at most the longest keyword's characters: started this far before
  // a position, it is in the same state there as one that read the text from its start.
  const longestKeyword = Math.max(1, ...keywords.map((k) => k.length));
  const twoStreamsMin = Math.max(TWO_STREAMS_MIN, 4 * longestKeyword);
  const lower = new Uint8Array(65536);
  for (let c = 0; c < 65536; c++) lower[c] = symbol(c);
  /** Digit positions of one block of the text. */
  const digitRoom = new Int32Array(BLOCK);
  /** The second stream's digit positions and keyword ends (with the automaton's state there), of one block. */
  const digitRoomB = new Int32Array(BLOCK);
  const hitAtB = new Int32Array(BLOCK);
  const hitStateB = new Int32Array(BLOCK);
  let byteRoom = new Uint8Array(1024);

  const accept = (r: Compiled, text: string, match: string, secret: string, at: number): boolean => {
    if (r.entropy > 0 && shannon(secret) < r.entropy) return false;
    if (r.validator && !r.validator(secret, text, at, at + secret.length)) return false;
    if (r.globalAllow && globalAllow.some((re) => re.test(secret))) return false;
    for (const a of r.allow) {
      let target = secret;
      if (a.target === 'match') target = match;
      else if (a.target === 'line') {
        const ls = text.lastIndexOf('\n', at) + 1;
        const le = text.indexOf('\n', at + secret.length);
        target = text.slice(ls, le < 0 ? text.length : le);
      }
      const lowerSecret = secret.toLowerCase();
      const checks: boolean[] = [];
      if (a.regexes.length) checks.push(a.regexes.some((re) => re.test(target)));
      if (a.stopWords.size) checks.push(hasStopWord(a.stopWords, lowerSecret));
      if (checks.length && (a.and ? checks.every(Boolean) : checks.some(Boolean))) return false;
    }
    return true;
  };

  // Rules with allow lists run last, so that what cheaper rules already found spares them the checks.
  const runOrder = [...compiled.filter((r) => r.allow.length === 0), ...compiled.filter((r) => r.allow.length > 0)];
  const groupRules: Compiled[][] = groupKeywords.map(() => []);
  for (const r of runOrder) groupRules[r.group]!.push(r);
  const runPosition = new Map(runOrder.map((r, i) => [r, i] as const));
  // Per group, the run positions of its rules (ascending); the due rules of several groups are put in order by sorting those.
  const groupRunPositions = groupRules.map((rs) => Int32Array.from(rs, (r) => runPosition.get(r)!));
  const dueRoom = new Int32Array(runOrder.length);
  const dueList: Compiled[] = runOrder.slice();
  const alwaysRunGroups = groupKeywords.flatMap((_k, g) => (alwaysRun[g] ? [g] : []));
  const covered = (found: readonly { start: number; end: number }[], start: number, end: number): boolean => {
    for (const f of found) if (f.start <= start && f.end >= end) return true;
    return false;
  };

  // Scratch space for one call (find is synchronous and never re-entered).
  const openStart = new Float64Array(groups).fill(-1);
  const openEnd = new Float64Array(groups).fill(-1);
  // Per group its windows [start, end) as pairs, and how many numbers of its array are in use
  // (typed arrays with a count: emptied by a store, not by a length change per call).
  const ranges: Float64Array[] = Array.from({ length: groups }, () => new Float64Array(16));
  const rangeLen = new Int32Array(groups);
  const pushRange = (g: number, a: number, b: number): void => {
    let rs = ranges[g]!;
    const k = rangeLen[g]!;
    if (k + 2 > rs.length) ranges[g] = rs = grownF(rs);
    rs[k] = a;
    rs[k + 1] = b;
    rangeLen[g] = k + 2;
  };
  const touched = new Int32Array(groups);
  let touchedCount = 0;
  // Keyword occurrences of the anchored rules' groups, as the automaton finds them: start·128 + length.
  const anchoredGroup = Uint8Array.from(groupRules.map((rs, g) => (!options.anchorByRegex && rs.some((r) => r.anchor) && groupKeywords[g]!.every((k) => k.length < 128) ? 1 : 0)));
  const occurrences: Float64Array[] = Array.from({ length: groups }, () => new Float64Array(16));
  const occurrenceLen = new Int32Array(groups);

  /** A rule with an anchor: started only where one of its keywords is, widened left over its class. */
  /**
   * The keyword occurrences the rule's own search (`keywords`, an alternation of its sorted
   * keywords) would return one after another from `from`: the leftmost start at or after `from`,
   * and there the first keyword in sorted order — the shortest, since keywords starting at one
   * place are prefixes of one another. From the automaton's finds when it kept them (a value with
   * more than OCCURRENCES_MAX of them falls back to the regex, which reads the clock as it goes).
   */
  // Per group, room to sort its keyword occurrences without allocating per call.
  const sortRoom: Float64Array[] = Array.from({ length: groups }, () => new Float64Array(0));
  /** Where the last keyword `nextKeyword` returned starts, and its length. */
  let kwAt = 0;
  let kwLen = 0;
  /**
   * The keyword occurrences the rule's own search (`keywords`, an alternation of its sorted
   * keywords) would return one after another from `from`: the leftmost start at or after `from`,
   * and there the first keyword in sorted order — the shortest, since keywords starting at one
   * place are prefixes of one another. From the automaton's finds when it kept them (a value with
   * more than OCCURRENCES_MAX of them falls back to the regex, which reads the clock as it goes).
   * Each call of the returned function sets kwAt/kwLen and says whether there was one.
   */
  // The search's state between calls of nextKeyword (set by keywordSearch; no closure per call).
  let kwRegex: RegExp | undefined;
  let kwSorted = sortRoom[0] ?? new Float64Array(0);
  let kwCount = 0;
  let kwJ = 0;
  let kwText = '';
  let kwOriginal = '';
  const keywordSearch = (r: Compiled, original: string, text: string): void => {
    const g = r.group;
    const count = occurrenceLen[g]!;
    kwText = text;
    kwOriginal = original;
    if (!anchoredGroup[g] || count > OCCURRENCES_MAX) {
      kwRegex = r.anchor!.keywords;
      return;
    }
    kwRegex = undefined;
    let room = sortRoom[g]!;
    if (room.length < count) sortRoom[g] = room = new Float64Array(Math.max(count, 2 * room.length, 16));
    const occ = occurrences[g]!;
    // Found in order of their ends, so nearly in order of their starts: an insertion sort moves
    // each by at most the number of keywords ending within the longest keyword's length.
    for (let i = 0; i < count; i++) {
      const v = occ[i]!;
      let p = i - 1;
      while (p >= 0 && room[p]! > v) {
        room[p + 1] = room[p]!;
        p--;
      }
      room[p + 1] = v;
    }
    kwSorted = room;
    kwCount = count;
    kwJ = 0;
  };
  /** The next keyword occurrence at or after `from` (see keywordSearch): sets kwAt/kwLen and says whether there was one. */
  const nextKeyword = (from: number): boolean => {
    if (kwRegex) {
      kwRegex.lastIndex = from;
      const kw = kwRegex.exec(kwText);
      if (!kw) return false;
      kwAt = kw.index;
      kwLen = kw[0].length;
      return true;
    }
    const sorted = kwSorted;
    const view = kwText !== kwOriginal;
    while (kwJ < kwCount) {
      const v = sorted[kwJ]!;
      const at = Math.floor(v / 128);
      if (at < from) { kwJ++; continue; }
      const len = v - at * 128;
      kwJ++;
      // The automaton read the text as it is; the search runs on the view where a JSON escape
      // reads as spaces: a keyword broken by one is not there.
      if (view && kwText.slice(at, at + len).toLowerCase() !== kwOriginal.slice(at, at + len).toLowerCase()) continue;
      kwAt = at;
      kwLen = len;
      return true;
    }
    return false;
  };

  /** A rule with an anchor: started only where one of its keywords is, widened left over its class. */
  const findAnchored = (r: Compiled, original: string, text: string, rs: Float64Array, rsLen: number, found: { start: number; end: number; order: number; rule: string }[], deadline: number, budgetMs: number): void => {
    const { left, max, startsNear: re, onText } = r.anchor!;
    let lastEnd = 0;
    let k = 0;
    let tries = 0;
    keywordSearch(r, original, text);
    // One pass over the keyword occurrences; those outside the rule's windows are skipped.
    let pos = Math.max(0, rs[0]!);
    while (nextKeyword(pos)) {
      const at = kwAt;
      pos = at + kwLen;
      while (k < rsLen && at >= rs[k + 1]!) k += 2;
      if (k >= rsLen) break;
      if (at < rs[k]!) {
        pos = Math.max(pos, rs[k]!);
        continue;
      }
      // One regex call per keyword occurrence: a value made of occurrences ("a@" five million times)
      // is millions of calls, so the clock is read between them too.
      if ((++tries & 0x3ff) === 0 && performance.now() > deadline) throw new RedactionTimeout(budgetMs);
      let start = at;
      while (start > lastEnd && at - start < max && left(text.charCodeAt(start - 1))) start--;
      // One call over the stretch a match starting here can reach, tried at the starts up to the keyword only.
      // On a slice the pattern sees the slice's start as the text's start; with no assertion before
      // its first character that makes no difference, so where the slice would run to the text's
      // end, the text itself is searched from `start` (the same match, without a copy).
      const end = at + 1 + groupReach[r.group]!;
      let m: RegExpExecArray | null;
      if (onText && end >= text.length) {
        re.lastIndex = start;
        m = re.exec(text);
      } else {
        re.lastIndex = 0;
        m = re.exec(text.slice(start, Math.min(text.length, end)));
      }
      if (!m) continue;
      const match = m[1]!;
      const offset = m[0].length - match.length;
      if (offset > at - start) continue;
      const from = start + offset;
      let secret = match;
      if (m.length > 2) {
        if (r.secretGroup > 0) secret = m[r.secretGroup + 1] ?? '';
        else for (let gi = 2; gi < m.length; gi++) if (m[gi]) { secret = m[gi]!; break; }
      }
      if (!secret) continue;
      // The whole match (no secret group): no search (lastIndexOf is a call into the runtime).
      const s0 = from + (secret === match ? 0 : match.lastIndexOf(secret));
      if (r.allow.length > 0 && covered(found, s0, s0 + secret.length)) continue;
      if (accept(r, text, match, secret, s0)) {
        found.push({ start: s0, end: s0 + secret.length, order: r.order, rule: r.id });
        lastEnd = from + match.length;
        pos = Math.max(pos, lastEnd);
      }
    }
  };

  // Segment gates: per gated rule a bit; per ASCII character the rules whose pattern can match it.
  const segmentRules = compiled.filter((r) => r.gate && r.gate.count > 1).slice(0, 31);
  const segmentBitOf = new Int32Array(compiled.length);
  segmentRules.forEach((r, b) => { segmentBitOf[r.order] = 1 << b; });
  const charBits = new Int32Array(128);
  let otherBits = 0;
  segmentRules.forEach((r, b) => {
    for (let c = 0; c < 128; c++) if (r.gate!.chars[c]) charBits[c]! |= 1 << b;
    if (r.gate!.other) otherBits |= 1 << b;
  });
  // Per gap between two digit runs, the gated rules whose characters fill it (read once per call, when first asked).
  let gapBits = new Int32Array(256);
  let gapsRead = false;
  const readGaps = (text: string): void => {
    if (gapBits.length < runs) gapBits = new Int32Array(runStarts.length);
    // Nothing before the first run: a segment starts there.
    gapBits[0] = 0;
    for (let k = 1; k < runs; k++) {
      let bits = -1;
      for (let j = runEnds[k - 1]!, e = runStarts[k]!; j < e && bits !== 0; j++) {
        const c = text.charCodeAt(j);
        bits &= c < 128 ? charBits[c]! : otherBits;
      }
      gapBits[k] = bits;
    }
    gapsRead = true;
  };

  /**
   * Whether the view holds `count` digits joined only by characters of the rule's pattern: the
   * digits of a match sit in the text exactly so. Read lazily (a rule not due never asks), over
   * the digit runs; gaps are read in the view, where the rule runs.
   */
  const segmentHolds = (r: Compiled, text: string): boolean => {
    const bit = segmentBitOf[r.order]!;
    // Where digit runs are dense, reading them costs about what running the rule does: skip the gate.
    if (bit === 0 || runsOverflow || runs * SEGMENT_RUN_SPACING > text.length) return true;
    if (!gapsRead) readGaps(text);
    const count = r.gate!.count;
    // Locals, not closure slots, in the loop over every run.
    const starts = runStarts;
    const ends = runEnds;
    const gapsOf = gapBits;
    const n = runs;
    let seg = 0;
    for (let k = 0; k < n; k++) {
      const len = ends[k]! - starts[k]!;
      seg = (gapsOf[k]! & bit) !== 0 ? seg + len : len;
      if (seg >= count) return true;
    }
    return false;
  };

  /**
   * The pending (count, within) gate slots met by the digits up to the one at i (the seen-th
   * digit): marked in gateMet and dropped from pendingRoom. Returns how many stay pending.
   */
  const meetGates = (i: number, seen: number, pendingCount: number): number => {
    const pending = pendingRoom;
    const mask = RING - 1;
    for (let q = 0; q < pendingCount;) {
      const slot = pending[q]!;
      const count = gateCount[slot]!;
      if (seen >= count && i - ring[(seen - count) & mask]! < gateWithin[slot]!) {
        gateMet[slot] = 1;
        pending[q] = pending[--pendingCount]!;
      } else q++;
    }
    return pendingCount;
  };

  /** Opens or widens group g's window [ws, we); windows arrive in order of their ends. */
  const widen = (g: number, ws: number, we: number): void => {
    const e = openEnd[g]!;
    if (e >= 0 && ws <= e) openEnd[g] = we;
    else {
      if (e >= 0) pushRange(g, openStart[g]!, e);
      else touched[touchedCount++] = g;
      openStart[g] = ws;
      openEnd[g] = we;
    }
  };

  /**
   * One pass of the keyword automaton over the text: each group's windows, merged as they are
   * found. Block by block: the automaton's loop notes where digits are without branching on them
   * (digits and letters alternate unpredictably in real text); the block's digits then feed the
   * digit-run triggers and the gates.
   */
  const scanKeywords = (text: string, deadline: number, budgetMs: number): void => {
    const n = text.length;
    // Locals, not closure slots, in the loop that sees every character.
    const table = delta;
    const sym = lower;
    const digitAt = digitRoom;
    const digitGroups = digitGroup.length;
    const mask = RING - 1;
    let s = 0;
    let digitsSeen = 0;
    let lastDigit = -2;
    let run = 0;
    let bestRun = 0;
    runs = 0;
    runsOverflow = false;
    gapsRead = false;
    const pending = pendingRoom;
    let pendingCount = gates;
    for (let q = 0; q < gates; q++) {
      pending[q] = q;
      gateMet[q] = 0;
    }
    // ASCII text (most content) is read as bytes: a typed array costs less per character than
    // charCodeAt on a string that is a slice or a concatenation of others.
    let bytes: Uint8Array | undefined;
    if (n <= BYTES_MAX) {
      if (byteRoom.length < n) byteRoom = new Uint8Array(Math.max(n, 2 * byteRoom.length));
      const { read, written } = encoder.encodeInto(text, byteRoom);
      if (read === n && written === n) bytes = byteRoom;
    }
    for (let b0 = 0; b0 < n; b0 += BLOCK) {
      const b1 = Math.min(n, b0 + BLOCK);
      let nd = 0;
      if (bytes && b1 - b0 >= twoStreamsMin) {
        // Each character's lookup waits for the previous one's (the state): two streams, one per
        // half of the block, interleaved, let the processor run both chains at once. The second
        // starts from the root longestKeyword characters early — by the block's middle it is in
        // the state a single pass would be — and reports only from the middle on. The first
        // stream's finds are handled as they come; the second's after it, so windows still arrive
        // in order of their ends.
        const mid = (b0 + b1) >> 1;
        let sb = 0;
        let j = mid - longestKeyword;
        let nb = 0;
        let ndb = 0;
        for (let i = b0; i < mid; i++, j++) {
          const ta = table[(s << 7) | bytes[i]!]!;
          const tb = table[(sb << 7) | bytes[j]!]!;
          s = ta >> 2;
          sb = tb >> 2;
          if (((ta | tb) & 3) !== 0) {
            if ((ta & 2) !== 0) digitAt[nd++] = i;
            if ((ta & 1) !== 0) keywordsEndingAt(i, s);
            if (j >= mid && (tb & 3) !== 0) {
              if ((tb & 2) !== 0) digitRoomB[ndb++] = j;
              if ((tb & 1) !== 0) {
                hitAtB[nb] = j;
                hitStateB[nb++] = sb;
              }
            }
          }
        }
        for (; j < b1; j++) {
          const tb = table[(sb << 7) | bytes[j]!]!;
          sb = tb >> 2;
          if ((tb & 3) !== 0) {
            if ((tb & 2) !== 0) digitRoomB[ndb++] = j;
            if ((tb & 1) !== 0) {
              hitAtB[nb] = j;
              hitStateB[nb++] = sb;
            }
          }
        }
        s = sb;
        for (let k = 0; k < nb; k++) keywordsEndingAt(hitAtB[k]!, hitStateB[k]!);
        for (let k = 0; k < ndb; k++) digitAt[nd++] = digitRoomB[k]!;
      } else if (bytes) {
        // Bytes of ASCII text are its characters: the table's columns are their codes.
        for (let i = b0; i < b1; i++) {
          const t = table[(s << 7) | bytes[i]!]!;
          s = t >> 2;
          if ((t & 3) !== 0) {
            if ((t & 2) !== 0) digitAt[nd++] = i;
            if ((t & 1) !== 0) keywordsEndingAt(i, s);
          }
        }
      } else {
        for (let i = b0; i < b1; i++) {
          const t = table[(s << 7) | sym[text.charCodeAt(i)]!]!;
          s = t >> 2;
          if ((t & 3) !== 0) {
            if ((t & 2) !== 0) digitAt[nd++] = i;
            if ((t & 1) !== 0) keywordsEndingAt(i, s);
          }
        }
      }
      for (let k = 0; k < nd; k++) {
        const i = digitAt[k]!;
        // A run of digits ends: its last digit is where the gates' "count digits within
        // `within`" is likeliest along the run (the span to the count-th digit back only shrinks
        // as a run goes on), so the gates are read there — before the ring takes this digit.
        if (i !== lastDigit + 1 && pendingCount > 0 && digitsSeen > 0) pendingCount = meetGates(lastDigit, digitsSeen, pendingCount);
        ring[digitsSeen & mask] = i;
        digitsSeen++;
        if (i === lastDigit + 1) {
          run++;
          runEnds[runs - 1] = i + 1;
        } else {
          run = 1;
          if (runs === runStarts.length) {
            if (runs >= RUNS_MAX) runsOverflow = true;
            else {
              runStarts = grown(runStarts);
              runEnds = grown(runEnds);
            }
          }
          if (runs < runStarts.length) {
            runStarts[runs] = i;
            runEnds[runs] = i + 1;
            runs++;
          }
        }
        lastDigit = i;
        if (run > bestRun) bestRun = run;
        for (let d = 0; d < digitGroups; d++) {
          const count = digitCount[d]!;
          if (digitsSeen < count) continue;
          const first = ring[(digitsSeen - count) & mask]!;
          if (i - first >= digitWithin[d]!) continue;
          const reach = groupReach[digitGroup[d]!]!;
          widen(digitGroup[d]!, first - reach, i + 1 + reach);
        }
      }
      if (b1 < n && performance.now() > deadline) throw new RedactionTimeout(budgetMs);
    }
    if (pendingCount > 0 && digitsSeen > 0) meetGates(lastDigit, digitsSeen, pendingCount);
    longestRun = bestRun;
  };

  /** The keywords that end at i (the automaton is in state s there): their groups' windows, and the anchored groups' occurrences. */
  const keywordsEndingAt = (i: number, s: number): void => {
    for (let o = outStart[s]!, o1 = outStart[s + 1]!; o < o1; o++) {
      const g = outPairs[o * 2]!;
      const len = outPairs[o * 2 + 1]!;
      const reach = groupReach[g]!;
      if (anchoredGroup[g]) {
        const c = occurrenceLen[g]!;
        if (c <= OCCURRENCES_MAX) {
          let occ = occurrences[g]!;
          if (c === occ.length) occurrences[g] = occ = grownF(occ);
          occ[c] = (i + 1 - len) * 128 + len;
          occurrenceLen[g] = c + 1;
        }
      }
      widen(g, i + 1 - len - reach, i + 1 + reach);
    }
  };

  const find = (original: string, deadline: number, budgetMs: number): Finding[] => {
    const n = original.length;
    // 1. Keyword windows per group: [start, end) ranges, merged as they are found.
    for (let t = 0; t < touchedCount; t++) {
      const g = touched[t]!;
      openStart[g] = -1;
      openEnd[g] = -1;
      rangeLen[g] = 0;
      occurrenceLen[g] = 0;
    }
    touchedCount = 0;
    // Keywords are found in the text as it is (an escape does not hide one); the patterns then run
    // on the view with JSON escapes read as spaces — same length, same positions.
    scanKeywords(original, deadline, budgetMs);
    for (let t = 0; t < touchedCount; t++) {
      const g = touched[t]!;
      pushRange(g, openStart[g]!, openEnd[g]!);
      // In a short text one pass from the first window to the last is cheaper than a regex call per window.
      if (n <= SMALL && rangeLen[g]! > 2) {
        const rs = ranges[g]!;
        rs[1] = rs[rangeLen[g]! - 1]!;
        rangeLen[g] = 2;
      }
    }
    for (const g of alwaysRunGroups) {
      touched[touchedCount++] = g;
      pushRange(g, 0, n);
    }
    if (touchedCount === 0) return [];
    const text = jsonEscapesAsSpace(original);

    // 2. Each rule of the groups whose keywords occur, in run order, on the group's windows, chunked.
    // In run order: the rules of one group as they are, of several by one walk over all rules.
    let due: readonly Compiled[];
    let dueCount: number;
    if (touchedCount === 1) {
      due = groupRules[touched[0]!]!;
      dueCount = due.length;
    } else {
      // Each group's positions are ascending: merged by an insertion sort (a few dozen as a rule), into a list kept between calls.
      let count = 0;
      for (let t = 0; t < touchedCount; t++) {
        const ps = groupRunPositions[touched[t]!]!;
        for (let i = 0; i < ps.length; i++) {
          const v = ps[i]!;
          let p = count - 1;
          while (p >= 0 && dueRoom[p]! > v) {
            dueRoom[p + 1] = dueRoom[p]!;
            p--;
          }
          dueRoom[p + 1] = v;
          count++;
        }
      }
      for (let i = 0; i < count; i++) dueList[i] = runOrder[dueRoom[i]!]!;
      due = dueList;
      dueCount = count;
    }
    const found: { start: number; end: number; order: number; rule: string }[] = [];
    let work = 0;
    for (let d = 0; d < dueCount; d++) {
      const r = due[d]!;
      const rs = ranges[r.group]!;
      const rsLen = rangeLen[r.group]!;
      if (r.gate && (longestRun < r.gate.run || (r.gate.slot >= 0 && gateMet[r.gate.slot] === 0) || !segmentHolds(r, text))) continue;
      if (r.anchor) {
        findAnchored(r, original, text, rs, rsLen, found, deadline, budgetMs);
        work += spanOf(rs, rsLen, n);
        if (work >= CLOCK_WORK) {
          work = 0;
          if (performance.now() > deadline) throw new RedactionTimeout(budgetMs);
        }
        continue;
      }
      // One window (every short text): a rule whose literal, or every character of a class it
      // needs one of, is missing there has nothing to find there.
      if (rsLen === 2) {
        if (r.literal) {
          const at = text.indexOf(r.literal, Math.max(0, rs[0]!));
          if (at < 0 || at + r.literal.length > rs[1]!) continue;
        }
        const need = r.needOneOf;
        if (need) {
          need.lastIndex = Math.max(0, rs[0]!);
          if (!need.test(text) || need.lastIndex > rs[1]!) continue;
        }
      }
      const reach = groupReach[r.group]!;
      let lastEnd = -1;
      for (let k = 0; k < rsLen; k += 2) {
        const a = Math.max(0, rs[k]!);
        const b = Math.min(n, rs[k + 1]!);
        for (let cs = a; cs < b; cs += CHUNK - 2 * reach) {
          const ce = Math.min(b, cs + CHUNK);
          const slice = cs === 0 && ce === n ? text : text.slice(cs, ce);
          const re = r.re;
          re.lastIndex = 0;
          for (let m = re.exec(slice); m; m = re.exec(slice)) {
            if (m[0].length === 0) {
              re.lastIndex++;
              continue;
            }
            // A match at a cut that is not the text's own start saw no left context: the window
            // around the keyword that really starts it begins earlier.
            if (m.index === 0 && cs > 0) continue;
            let secret = m[0];
            if (m.length > 1) {
              if (r.secretGroup > 0) secret = m[r.secretGroup] ?? '';
              else for (let gi = 1; gi < m.length; gi++) if (m[gi]) { secret = m[gi]!; break; }
            }
            if (!secret) continue;
            const at = cs + m.index + (secret === m[0] ? 0 : m[0].lastIndexOf(secret));
            if (at < lastEnd) continue; // seen in the previous chunk's overlap
            // A rule with allow lists (costly: gitleaks' generic rule checks ~1,400 stop words) is not
            // asked about a span another rule already redacts.
            if (r.allow.length > 0 && covered(found, at, at + secret.length)) continue;
            if (!accept(r, text, m[0], secret, at)) continue;
            found.push({ start: at, end: at + secret.length, order: r.order, rule: r.id });
            lastEnd = at + secret.length;
          }
          if (ce >= b) break;
          if (performance.now() > deadline) throw new RedactionTimeout(budgetMs);
        }
      }
      // The clock costs ~50 ns a read: read it once this much text has gone through the patterns.
      work += spanOf(rs, rsLen, n);
      if (work >= CLOCK_WORK) {
        work = 0;
        if (performance.now() > deadline) throw new RedactionTimeout(budgetMs);
      }
    }
    if (found.length <= 1) return found;

    // 3. Overlaps merged into one span, named after the rule listed first.
    // Few findings as a rule: an insertion sort, without a comparator call per step.
    if (found.length <= 32) {
      for (let i = 1; i < found.length; i++) {
        const f = found[i]!;
        let j = i - 1;
        while (j >= 0 && (found[j]!.start > f.start || (found[j]!.start === f.start && found[j]!.order > f.order))) {
          found[j + 1] = found[j]!;
          j--;
        }
        found[j + 1] = f;
      }
    } else found.sort((x, y) => x.start - y.start || x.order - y.order);
    const out: { start: number; end: number; order: number; rule: string }[] = [];
    for (const f of found) {
      const last = out[out.length - 1];
      if (last && f.start < last.end) {
        if (f.end > last.end) last.end = f.end;
        if (f.order < last.order) {
          last.order = f.order;
          last.rule = f.rule;
        }
      } else out.push(f);
    }
    return out;
  };

  return { find, ruleIds: rules.map((r) => r.id) };
}
