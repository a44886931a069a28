/**
 * What every match of a pattern must hold, read from the pattern itself, so the engine can skip a
 * rule on text that cannot hold a match:
 *   - in ASCII digits: the fewest digits a match can have, and the shortest "longest run of
 *     consecutive digits" it can have (gates for the digit-triggered personal-data rules: a card
 *     number needs 12 digits, a Spanish DNI 7 in a row);
 *   - a literal, case and all, that every match contains (gitleaks' keywords are looked for
 *     without case, but a JWT starts with a lower-case `ey`, a Twilio key with `SK`).
 *
 * Only lower bounds matter, so anything this reader does not understand counts as "no digits"
 * — the gate gets weaker, never wrong. It reads the JavaScript patterns the rule generator prints
 * (rules.generated.ts `js`, flag `u`, no `i`: letters' cases are spelled out as classes).
 */

export interface MatchFacts {
  readonly digits: DigitBounds;
  /**
   * The characters a match can be made of: `ascii[c]` for c < 128, `other` for the rest. The
   * digits of a match sit in the text joined by such characters only.
   */
  readonly chars: { readonly ascii: Uint8Array; readonly other: boolean };
  /** ASCII characters, no digits, one of which every match contains (the fewest such the reader found); undefined when none. */
  readonly needOneOf?: Uint8Array;
  /** Whether the pattern may test an assertion (\b, ^, $, a look-around) before it takes its first character (true when unknown). */
  readonly leadingAssertion: boolean;
  /** A string every match contains, exactly ('' when none is known). */
  readonly literal: string;
}

export interface DigitBounds {
  /** Every match holds at least this many digits. */
  readonly count: number;
  /** Every match holds a run of at least this many consecutive digits. */
  readonly run: number;
}

/** One piece of pattern, summarised over all the strings it can match (each a lower bound). */
interface Shape {
  /** Every character of every match is a digit (vacuously so for assertions). */
  readonly allDigits: boolean;
  readonly minLen: number;
  readonly digits: number;
  /** Longest digit run inside a match; leading and trailing digit runs. */
  readonly best: number;
  readonly pre: number;
  readonly suf: number;
  /** The one string every match is, when there is one; else undefined. */
  readonly exact?: string;
  /** Literal text every match starts with / ends with / contains. */
  readonly head: string;
  readonly tail: string;
  readonly lit: string;
  /** Characters (ASCII, no digits) one of which every match contains; undefined when none is known. */
  readonly need?: Uint8Array;
  /** An assertion (\b, ^, $, a look-around) may be tested before the first character is taken. */
  readonly lead: boolean;
}

const NO_TEXT = { head: '', tail: '', lit: '', lead: false } as const;
/** The empty pattern. */
const EMPTY: Shape = { allDigits: true, minLen: 0, digits: 0, best: 0, pre: 0, suf: 0, exact: '', ...NO_TEXT };
/** An assertion: matches the empty string, looking at the characters around. */
const ASSERT: Shape = { ...EMPTY, lead: true };
/** A class or escape standing for one character, not a digit. */
const OTHER: Shape = { allDigits: false, minLen: 1, digits: 0, best: 0, pre: 0, suf: 0, ...NO_TEXT };
const DIGIT: Shape = { allDigits: true, minLen: 1, digits: 1, best: 1, pre: 1, suf: 1, ...NO_TEXT };
/** Something not understood: no claim at all. */
const UNKNOWN: Shape = { allDigits: false, minLen: 0, digits: 0, best: 0, pre: 0, suf: 0, ...NO_TEXT, lead: true };

/** One literal character (the patterns carry no `i` flag: it matches itself only). */
function literal(ch: string): Shape {
  const digit = ch >= '0' && ch <= '9';
  const c = ch.codePointAt(0)!;
  const need = !digit && c < 128 ? new Uint8Array(128) : undefined;
  if (need) need[c] = 1;
  return { ...(digit ? DIGIT : OTHER), exact: ch, head: ch, tail: ch, lit: ch, need };
}

const members = (set: Uint8Array | undefined): number => (set ? set.reduce((a, b) => a + b, 0) : Infinity);
/** Of two characters-one-of-which-must-occur, the one with fewer characters (the likelier to be absent from a text). */
const rarer = (a: Uint8Array | undefined, b: Uint8Array | undefined): Uint8Array | undefined => (members(b) < members(a) ? b : a);
function union(a: Uint8Array | undefined, b: Uint8Array | undefined): Uint8Array | undefined {
  if (!a || !b) return undefined;
  return a.map((x, c) => x | b[c]!);
}

const longest = (...xs: string[]): string => xs.reduce((a, b) => (b.length > a.length ? b : a), '');

function concat(a: Shape, b: Shape): Shape {
  return {
    allDigits: a.allDigits && b.allDigits,
    minLen: a.minLen + b.minLen,
    digits: a.digits + b.digits,
    best: Math.max(a.best, b.best, a.suf + b.pre),
    pre: a.allDigits ? a.minLen + b.pre : a.pre,
    suf: b.allDigits ? b.minLen + a.suf : b.suf,
    exact: a.exact !== undefined && b.exact !== undefined ? a.exact + b.exact : undefined,
    head: a.exact !== undefined ? a.exact + b.head : a.head,
    tail: b.exact !== undefined ? a.tail + b.exact : b.tail,
    lit: longest(a.lit, b.lit, a.tail + b.head),
    need: rarer(a.need, b.need),
    lead: a.lead || (a.minLen === 0 && b.lead),
  };
}

function commonHead(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}

function commonTail(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[a.length - 1 - i] === b[b.length - 1 - i]) i++;
  return a.slice(a.length - i);
}

function either(a: Shape, b: Shape): Shape {
  return {
    allDigits: a.allDigits && b.allDigits,
    minLen: Math.min(a.minLen, b.minLen),
    digits: Math.min(a.digits, b.digits),
    best: Math.min(a.best, b.best),
    pre: Math.min(a.pre, b.pre),
    suf: Math.min(a.suf, b.suf),
    exact: a.exact !== undefined && a.exact === b.exact ? a.exact : undefined,
    head: commonHead(a.head, b.head),
    tail: commonTail(a.tail, b.tail),
    lit: a.lit === b.lit ? a.lit : '',
    need: union(a.need, b.need),
    lead: a.lead || b.lead,
  };
}

/** x repeated at least `min` times: a longer repetition contains the shorter one at both ends. */
function repeat(x: Shape, min: number): Shape {
  if (min === 0) return { ...UNKNOWN, allDigits: x.allDigits, lead: x.lead };
  // More copies only lengthen the text between the first copy's head and the last copy's tail.
  const text = { exact: undefined, head: x.head, tail: x.tail, lit: x.lit, need: x.need, lead: x.lead };
  let out = x;
  // Bounded: past a few copies the figures only grow, and lower bounds may stop early.
  for (let i = 1; i < Math.min(min, 64); i++) out = concat(out, x);
  return { ...out, ...text };
}

const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;

class Reader {
  private i = 0;
  private readonly src: string;
  /** Every character some part of the pattern can match (look-arounds too: more is safe). */
  readonly ascii = new Uint8Array(128);
  other = false;
  /** The class escape (d, w, s, D, W, S, p, c) skipEscape last passed, when it was one. */
  private classEscape = '';
  constructor(src: string) {
    this.src = src;
  }

  /** The members of the class being read, when one is. */
  private cls: Uint8Array | undefined;
  private clsOther = false;

  private allow(lo: number, hi = lo): void {
    for (let c = Math.max(0, lo); c <= Math.min(127, hi); c++) {
      this.ascii[c] = 1;
      if (this.cls) this.cls[c] = 1;
    }
    if (hi >= 128) {
      this.other = true;
      this.clsOther = true;
    }
  }

  private allowClassEscape(e: string): void {
    if (e === 'd') this.allow(48, 57);
    else if (e === 'w') { this.allow(48, 57); this.allow(65, 90); this.allow(97, 122); this.allow(95); }
    else if (e === 's') { this.allow(9, 13); this.allow(32); this.other = true; }
    else this.allow(0, 0x10ffff);
  }

  parse(): Shape {
    const s = this.disjunction();
    if (this.i !== this.src.length) throw new Error('unparsed');
    return s;
  }

  private peek(): string | undefined {
    return this.src[this.i];
  }

  private disjunction(): Shape {
    let s = this.alternative();
    while (this.peek() === '|') {
      this.i++;
      s = either(s, this.alternative());
    }
    return s;
  }

  private alternative(): Shape {
    let s = EMPTY;
    for (let c = this.peek(); c !== undefined && c !== '|' && c !== ')'; c = this.peek()) s = concat(s, this.term());
    return s;
  }

  private term(): Shape {
    const c = this.src[this.i]!;
    if (c === '^' || c === '$') {
      this.i++;
      return ASSERT;
    }
    if (c === '\\' && (this.src[this.i + 1] === 'b' || this.src[this.i + 1] === 'B')) {
      this.i += 2;
      return ASSERT;
    }
    const atom = this.atom();
    return this.quantified(atom);
  }

  private quantified(atom: Shape): Shape {
    const c = this.peek();
    let min: number | undefined;
    if (c === '*' || c === '?') { this.i++; min = 0; }
    else if (c === '+') { this.i++; min = 1; }
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) throw new Error('quantifier');
      this.i += m[0].length;
      min = Number(m[1]);
    }
    if (min === undefined) return atom;
    if (this.peek() === '?') this.i++; // lazy: same strings
    return repeat(atom, min);
  }

  private atom(): Shape {
    const c = this.src[this.i]!;
    if (c === '(') {
      this.i++;
      let look = false;
      if (this.src.startsWith('?:', this.i)) this.i += 2;
      else if (this.src.startsWith('?=', this.i) || this.src.startsWith('?!', this.i)) { this.i += 2; look = true; }
      else if (this.src.startsWith('?<=', this.i) || this.src.startsWith('?<!', this.i)) { this.i += 3; look = true; }
      else if (this.src.startsWith('?<', this.i)) this.i = this.src.indexOf('>', this.i) + 1;
      else if (this.src[this.i] === '?') throw new Error('group');
      const inner = this.disjunction();
      if (this.src[this.i] !== ')') throw new Error('group end');
      this.i++;
      return look ? ASSERT : inner;
    }
    if (c === '[') return this.klass();
    if (c === '\\') return this.escape();
    if (c === '.') { this.i++; this.allow(0, 0x10ffff); return OTHER; }
    if (c === ')' || c === '|' || c === '*' || c === '+' || c === '?' || c === '{') throw new Error('syntax');
    const cp = this.src.codePointAt(this.i)!;
    this.i += cp > 0xffff ? 2 : 1;
    this.allow(cp);
    return literal(String.fromCodePoint(cp));
  }

  /** An escape outside a class: \d is a digit, a backreference is not understood, anything else one non-digit character. */
  private escape(): Shape {
    const e = this.src[this.i + 1];
    if (e === undefined) throw new Error('escape');
    if (e === 'd') { this.i += 2; this.allow(48, 57); return DIGIT; }
    if (/[1-9k]/.test(e)) throw new Error('backreference');
    const cp = this.skipEscape();
    if (cp < 0) {
      this.allowClassEscape(this.classEscape);
      return OTHER;
    }
    this.allow(cp);
    return literal(String.fromCodePoint(cp));
  }

  /** Moves past one escape; returns the code point it stands for when it is a single character, else -1. */
  private skipEscape(): number {
    const rest = this.src.slice(this.i);
    const m = /^\\(?:u\{([0-9A-Fa-f]+)\}|u([0-9A-Fa-f]{4})|x([0-9A-Fa-f]{2})|c[A-Za-z]|[pP]\{[^}]*\}|([dDwWsS])|(.))/su.exec(rest);
    if (!m) throw new Error('escape');
    this.i += m[0].length;
    this.classEscape = m[4] ?? (m[0][1] === 'p' || m[0][1] === 'P' ? 'p' : m[0][1] === 'c' ? 'c' : '');
    const hex = m[1] ?? m[2] ?? m[3];
    if (hex) return parseInt(hex, 16);
    if (m[5] !== undefined) {
      const map: Record<string, number> = { t: 9, n: 10, v: 11, f: 12, r: 13, '0': 0 };
      return map[m[5]] ?? m[5].codePointAt(0)!;
    }
    return -1;
  }

  /** A class is a digit when it is not negated and every member is 0–9 (or \d). */
  private klass(): Shape {
    this.i++;
    let negated = false;
    const cls = (this.cls = new Uint8Array(128));
    this.clsOther = false;
    if (this.peek() === '^') { negated = true; this.i++; this.allow(0, 0x10ffff); }
    let onlyDigits = true;
    let count = 0;
    let prev = -1;
    while (this.peek() !== ']') {
      if (this.peek() === undefined) throw new Error('class');
      let cp: number;
      let escaped = false;
      if (this.peek() === '\\') {
        if (this.src[this.i + 1] === 'd') { this.i += 2; this.allow(48, 57); count++; prev = -1; continue; }
        cp = this.skipEscape();
        escaped = true;
        if (cp < 0) { this.allowClassEscape(this.classEscape); onlyDigits = false; count++; prev = -1; continue; }
      } else {
        cp = this.src.codePointAt(this.i)!;
        this.i += cp > 0xffff ? 2 : 1;
      }
      // An unescaped '-' between two members is a range.
      if (cp === 45 && !escaped && prev >= 0 && this.peek() !== ']') {
        // a range prev-next
        let hi: number;
        if (this.peek() === '\\') hi = this.skipEscape();
        else { hi = this.src.codePointAt(this.i)!; this.i += hi > 0xffff ? 2 : 1; }
        if (!(isDigitCode(prev) && isDigitCode(hi))) onlyDigits = false;
        if (hi < 0) this.allow(0, 0x10ffff);
        else this.allow(prev, hi);
        prev = -1;
        continue;
      }
      this.allow(cp);
      count++;
      if (!isDigitCode(cp)) onlyDigits = false;
      prev = cp;
    }
    this.i++;
    this.cls = undefined;
    if (!negated && onlyDigits && count > 0) return DIGIT;
    let digits = false;
    for (let c = 48; c <= 57; c++) if (cls[c]) digits = true;
    // A class of ASCII non-digits is something every match holds one of.
    return !negated && !this.clsOther && !digits && count > 0 ? { ...OTHER, need: cls } : OTHER;
  }
}

/** What every match of a pattern (JavaScript syntax, flag `u`, no `i`) holds; nothing when it cannot be read. */
export function matchFacts(js: string): MatchFacts {
  try {
    const reader = new Reader(js);
    const s = reader.parse();
    return { digits: { count: s.digits, run: s.best }, literal: s.lit, chars: { ascii: reader.ascii, other: reader.other }, needOneOf: s.need, leadingAssertion: s.lead };
  } catch {
    return { digits: { count: 0, run: 0 }, literal: '', chars: { ascii: new Uint8Array(128).fill(1), other: true }, leadingAssertion: true };
  }
}

export const digitBounds = (js: string): DigitBounds => matchFacts(js).digits;
