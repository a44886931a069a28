/**
 * Runs the generated rules (rules/rules.generated.ts) over a string and returns where the secrets
 * are. Cost and time are bounded by construction, not by hope:
 *   - one pass of an Aho–Corasick automaton over the text finds every rule keyword (gitleaks'
 *     prefilter, case-insensitive); a rule whose keywords do not occur does not run;
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
/** Past this many keyword occurrences of one group, an anchored rule searches them itself (bounded by the clock) rather than sorting the automaton's. */
const OCCURRENCES_MAX = 65_536;
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
  readonly anchor?: { readonly keywords: RegExp; readonly left: (c: number) => boolean; readonly max: number };
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
  const compiled: Compiled[] = rules.map((r, order) => {
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
      anchor: r.anchor && {
        // Case-insensitive only where a keyword has letters: a single literal like "@" is then searched fast.
        keywords: new RegExp(kws.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), kws.some((k) => /[a-z]/i.test(k)) ? 'gi' : 'g'),
        left: charTest(new RegExp(r.anchor.left, 'u')),
        max: r.anchor.max,
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
  // Each transition carries "the target state has outputs" in its low bit: one load per character.
  for (let i = 0; i < delta.length; i++) {
    const t = delta[i]!;
    delta[i] = (t << 1) | (outStart[t + 1]! > outStart[t]! ? 1 : 0);
  }
  const lower = new Uint8Array(65536);
  for (let c = 0; c < 65536; c++) lower[c] = symbol(c);
  const groups = groupKeywords.length;
  const alwaysRun = groupKeywords.map((k, g) => k.length === 0 && !groupDigits[g]);
  // Digit-run triggers: the last DIGITS digit positions, in a ring.
  const digitGroups = groupDigits.flatMap((d, g) => (d ? [{ g, count: d.count, within: d.within }] : []));
  const DIGITS = Math.max(1, ...digitGroups.map((d) => d.count));
  const ring = new Float64Array(DIGITS);

  const accept = (r: Compiled, text: string, m: RegExpExecArray, secret: string, at: number): boolean => {
    if (r.entropy > 0 && shannon(secret) < r.entropy) return false;
    if (r.validator && !r.validator(secret, text, at, at + secret.length)) return false;
    if (r.globalAllow && globalAllow.some((re) => re.test(secret))) return false;
    for (const a of r.allow) {
      let target = secret;
      if (a.target === 'match') target = m[0];
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
  const runIndex = new Map(runOrder.map((r, i) => [r, i] as const));
  const groupRules: Compiled[][] = groupKeywords.map(() => []);
  for (const r of runOrder) groupRules[r.group]!.push(r);
  const alwaysRunGroups = groupKeywords.flatMap((_k, g) => (alwaysRun[g] ? [g] : []));
  const covered = (found: readonly { start: number; end: number }[], start: number, end: number): boolean => {
    for (const f of found) if (f.start <= start && f.end >= end) return true;
    return false;
  };

  // Scratch space for one call (find is synchronous and never re-entered).
  const openStart = new Float64Array(groups).fill(-1);
  const openEnd = new Float64Array(groups).fill(-1);
  const ranges: number[][] = Array.from({ length: groups }, () => []);
  const touched: number[] = [];
  // Keyword occurrences of the anchored rules' groups, as the automaton finds them: start·128 + length.
  const anchoredGroup = Uint8Array.from(groupRules.map((rs, g) => (!options.anchorByRegex && rs.some((r) => r.anchor) && groupKeywords[g]!.every((k) => k.length < 128) ? 1 : 0)));
  const occurrences: number[][] = Array.from({ length: groups }, () => []);

  /** A rule with an anchor: started only where one of its keywords is, widened left over its class. */
  /**
   * The keyword occurrences the rule's own search (`keywords`, an alternation of its sorted
   * keywords) would return one after another from `from`: the leftmost start at or after `from`,
   * and there the first keyword in sorted order — the shortest, since keywords starting at one
   * place are prefixes of one another. From the automaton's finds when it kept them (a value with
   * more than OCCURRENCES_MAX of them falls back to the regex, which reads the clock as it goes).
   */
  const keywordSearch = (r: Compiled, original: string, text: string): ((from: number) => [number, number] | undefined) => {
    const occ = occurrences[r.group]!;
    if (!anchoredGroup[r.group] || occ.length > OCCURRENCES_MAX) {
      const { keywords } = r.anchor!;
      return (from) => {
        keywords.lastIndex = from;
        const kw = keywords.exec(text);
        return kw ? [kw.index, kw[0].length] : undefined;
      };
    }
    const sorted = Float64Array.from(occ).sort();
    const view = text !== original;
    let j = 0;
    return (from) => {
      while (j < sorted.length) {
        const v = sorted[j]!;
        const at = Math.floor(v / 128);
        if (at < from) { j++; continue; }
        const len = v - at * 128;
        j++;
        // The automaton read the text as it is; the search runs on the view where a JSON escape
        // reads as spaces: a keyword broken by one is not there.
        if (view && text.slice(at, at + len).toLowerCase() !== original.slice(at, at + len).toLowerCase()) continue;
        return [at, len];
      }
      return undefined;
    };
  };

  const findAnchored = (r: Compiled, original: string, text: string, rs: readonly number[], found: { start: number; end: number; order: number; rule: string }[], deadline: number, budgetMs: number): void => {
    const { left, max } = r.anchor!;
    let lastEnd = 0;
    let k = 0;
    let tries = 0;
    const next = keywordSearch(r, original, text);
    // One pass over the keyword occurrences; those outside the rule's windows are skipped.
    let pos = Math.max(0, rs[0]!);
    for (let kw = next(pos); kw; kw = next(pos)) {
      const at = kw[0];
      pos = at + kw[1];
      while (k < rs.length && at >= rs[k + 1]!) k += 2;
      if (k >= rs.length) break;
      if (at < rs[k]!) {
        pos = Math.max(pos, rs[k]!);
        continue;
      }
      // One regex call per keyword occurrence: a value made of occurrences ("a@" five million times)
      // is millions of calls, so the clock is read between them too.
      if ((++tries & 0x3ff) === 0 && performance.now() > deadline) throw new RedactionTimeout(budgetMs);
      let start = at;
      while (start > lastEnd && at - start < max && left(text.charCodeAt(start - 1))) start--;
      // One search over the stretch a match starting here can reach, rather than one try per start.
      const re = r.re;
      re.lastIndex = 0;
      const m = re.exec(text.slice(start, Math.min(text.length, at + 1 + groupReach[r.group]!)));
      if (!m || m.index > at - start) continue;
      const from = start + m.index;
      let secret = m[0];
      if (m.length > 1) {
        if (r.secretGroup > 0) secret = m[r.secretGroup] ?? '';
        else for (let gi = 1; gi < m.length; gi++) if (m[gi]) { secret = m[gi]!; break; }
      }
      if (!secret) continue;
      const s0 = from + m[0].lastIndexOf(secret);
      if (r.allow.length > 0 && covered(found, s0, s0 + secret.length)) continue;
      if (accept(r, text, m, secret, s0)) {
        found.push({ start: s0, end: s0 + secret.length, order: r.order, rule: r.id });
        lastEnd = from + m[0].length;
        pos = Math.max(pos, lastEnd);
      }
    }
  };

  /** One pass of the keyword automaton over the text: each group's windows, merged as they are found. */
  const scanKeywords = (text: string, deadline: number, budgetMs: number): void => {
    const n = text.length;
    // Locals, not closure slots, in the loop that sees every character.
    const table = delta;
    const sym = lower;
    const digitTriggers = digitGroups.length > 0;
    let s = 0;
    let digitsSeen = 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (digitTriggers && c >= 48 && c <= 57) {
        ring[digitsSeen % DIGITS] = i;
        digitsSeen++;
        for (const d of digitGroups) {
          if (digitsSeen < d.count) continue;
          const first = ring[(digitsSeen - d.count) % DIGITS]!;
          if (i - first >= d.within) continue;
          const g = d.g;
          const reach = groupReach[g]!;
          const ws = first - reach;
          const we = i + 1 + reach;
          const e = openEnd[g]!;
          if (e >= 0 && ws <= e) openEnd[g] = we;
          else {
            if (e >= 0) ranges[g]!.push(openStart[g]!, e);
            else touched.push(g);
            openStart[g] = ws;
            openEnd[g] = we;
          }
        }
      }
      const t = table[(s << 7) | sym[c]!]!;
      s = t >> 1;
      if (t & 1) {
        for (let o = outStart[s]!, o1 = outStart[s + 1]!; o < o1; o++) {
          const g = outPairs[o * 2]!;
          const reach = groupReach[g]!;
          if (anchoredGroup[g] && occurrences[g]!.length <= OCCURRENCES_MAX) occurrences[g]!.push((i + 1 - outPairs[o * 2 + 1]!) * 128 + outPairs[o * 2 + 1]!);
          const ws = i + 1 - outPairs[o * 2 + 1]! - reach;
          const we = i + 1 + reach;
          const e = openEnd[g]!;
          if (e >= 0 && ws <= e) openEnd[g] = we;
          else {
            if (e >= 0) ranges[g]!.push(openStart[g]!, e);
            else touched.push(g);
            openStart[g] = ws;
            openEnd[g] = we;
          }
        }
      }
      if ((i & 0xffff) === 0xffff && performance.now() > deadline) throw new RedactionTimeout(budgetMs);
    }
  };

  const find = (original: string, deadline: number, budgetMs: number): Finding[] => {
    const n = original.length;
    // 1. Keyword windows per group: [start, end) ranges, merged as they are found.
    for (const g of touched) {
      openStart[g] = -1;
      openEnd[g] = -1;
      ranges[g]!.length = 0;
      occurrences[g]!.length = 0;
    }
    touched.length = 0;
    // Keywords are found in the text as it is (an escape does not hide one); the patterns then run
    // on the view with JSON escapes read as spaces — same length, same positions.
    scanKeywords(original, deadline, budgetMs);
    for (const g of touched) {
      const rs = ranges[g]!;
      rs.push(openStart[g]!, openEnd[g]!);
      // In a short text one pass from the first window to the last is cheaper than a regex call per window.
      if (n <= SMALL && rs.length > 2) {
        const last = rs[rs.length - 1]!;
        rs.length = 1;
        rs.push(last);
      }
    }
    for (const g of alwaysRunGroups) {
      touched.push(g);
      ranges[g]!.push(0, n);
    }
    if (touched.length === 0) return [];
    const text = jsonEscapesAsSpace(original);

    // 2. Each rule of the groups whose keywords occur, in run order, on the group's windows, chunked.
    const due: Compiled[] = [];
    for (const g of touched) for (const r of groupRules[g]!) due.push(r);
    if (touched.length > 1) due.sort((x, y) => runIndex.get(x)! - runIndex.get(y)!);
    const found: { start: number; end: number; order: number; rule: string }[] = [];
    for (const r of due) {
      const rs = ranges[r.group]!;
      if (r.anchor) {
        findAnchored(r, original, text, rs, found, deadline, budgetMs);
        continue;
      }
      const reach = groupReach[r.group]!;
      let lastEnd = -1;
      for (let k = 0; k < rs.length; k += 2) {
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
            const at = cs + m.index + m[0].lastIndexOf(secret);
            if (at < lastEnd) continue; // seen in the previous chunk's overlap
            // A rule with allow lists (costly: gitleaks' generic rule checks ~1,400 stop words) is not
            // asked about a span another rule already redacts.
            if (r.allow.length > 0 && covered(found, at, at + secret.length)) continue;
            if (!accept(r, text, m, secret, at)) continue;
            found.push({ start: at, end: at + secret.length, order: r.order, rule: r.id });
            lastEnd = at + secret.length;
          }
          if (ce >= b) break;
          if (performance.now() > deadline) throw new RedactionTimeout(budgetMs);
        }
      }
      if (performance.now() > deadline) throw new RedactionTimeout(budgetMs);
    }
    if (found.length <= 1) return found;

    // 3. Overlaps merged into one span, named after the rule listed first.
    found.sort((x, y) => x.start - y.start || x.order - y.order);
    const out: { start: number; end: number; order: number; rule: string }[] = [];
    for (const f of found) {
      const last = out[out.length - 1];
      if (last && f.start < last.end) {
        if (f.end > last.end) last.end = f.end;
        if (f.order < last.order) {
          last.order = f.order;
          last.rule = f.rule;
        }
      } else out.push({ ...f });
    }
    return out;
  };

  return { find, ruleIds: rules.map((r) => r.id) };
}
