/**
 * The SDK's validators (rules/validators.ts) written as OTTL expressions, so the collector's
 * `transform` stage keeps the look-alikes the SDK keeps: Luhn and issuer lengths for cards, the
 * country length and mod-97 for IBANs, prefixes and check digits for national ids, the
 * numbering-plan shape for phones, file names for e-mail. RE2 alone cannot count; OTTL can —
 * `IsValidLuhn`, integer arithmetic, `Substring`/`Index`/`Split`, and `Reduce`/`MapEach`/`When`
 * over the characters of a candidate (lambdas: the `ottl.functions.enableLambda` feature gate,
 * alpha in contrib v0.161.0 — without it the collector refuses the config, it never runs unchecked).
 *
 * How a checked rule runs on one string (collector-blocks.ts writes the statements):
 *   1. the marker character is taken out of the value (so input cannot forge a candidate);
 *   2. every match of the rule's RE2 pattern is wrapped in markers;
 *   3. the value is split at the markers — odd pieces are candidates, their neighbours the text
 *      around them — and each candidate that passes the check (and stands alone, as in the SDK)
 *      becomes the mask, the others are put back as they were;
 *   4. anything still between markers is masked: if step 3 failed on a value (an error skips the
 *      statement), every candidate is redacted — fail closed.
 *
 */

/** The marker: a private-use character, taken out of every value before a rule marks its matches. */
export const MARK = '\uE000';
/** What a marker found in the input becomes (U+FFFD, the replacement character). */
export const MARK_REPLACEMENT = '\uFFFD';

/** An OTTL string literal: backslashes and quotes escaped. */
export const ottl = (s: string): string => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;

/** x mod n for x ≥ 0 (OTTL has + − * / on int64; / truncates). */
const mod = (x: string, n: number): string => `((${x}) - ((${x}) / ${n}) * ${n})`;
/** Concatenation of `s` split at each of `chars`: the characters removed. */
const without = (s: string, chars: readonly string[]): string => chars.reduce((acc, c) => `Concat(Split(${acc}, ${ottl(c)}), "")`, s);
/** `s` with each `from` replaced by `to`. */
const replaced = (s: string, pairs: readonly [string, string][]): string => pairs.reduce((acc, [f, t]) => `Concat(Split(${acc}, ${ottl(f)}), ${ottl(t)})`, s);
const match = (s: string, re: string): string => `IsMatch(${s}, ${ottl(re)})`;

const digits = (s: string): string => without(s, [' ', '-', '.']);
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Card: issuer prefix with its lengths (validators.ts isCardNumber), and the Luhn sum. */
const CARD_ISSUERS = '^(?:4(?:\\d{12}|\\d{15}|\\d{18})|5[1-5]\\d{14}|2(?:2[2-9][1-9]|2[3-9]\\d|[3-6]\\d\\d|7[01]\\d|720)\\d{12}|3[47]\\d{13}|(?:6011|64[4-9]\\d|65\\d\\d)\\d{12,15}|35(?:2[89]|[3-8]\\d)\\d{12,15}|3(?:0[0-5]|[689]\\d)\\d{11,16}|62\\d{14,17})$';
const card = (s: string): string => `${match(digits(s), CARD_ISSUERS)} and IsValidLuhn(${digits(s)})`;

/** IBAN lengths by country (the table of validators.ts, as one anchored pattern). */
function ibanLengths(table: Readonly<Record<string, number>>): string {
  const byLength = new Map<number, string[]>();
  for (const [cc, n] of Object.entries(table)) byLength.set(n, [...(byLength.get(n) ?? []), cc]);
  return `^(?:${[...byLength].sort(([a], [b]) => a - b).map(([n, ccs]) => `(?:${ccs.join('|')})[0-9A-Z]{${n - 2}}`).join('|')})$`;
}
/** mod 97 of the IBAN rearranged (first four characters last), letters read as 10–35. */
function iban(s: string, lengths: string): string {
  const c = without(s, [' ']);
  const rearranged = `Concat([Substring(${c}, 4, Len(${c}) - 4), Substring(${c}, 0, 4)], "")`;
  const value = `Index(${ottl(ALNUM)}, ch)`;
  const step = `When(() => ${value} < 10, ${mod(`acc * 10 + ${value}`, 97)}, ${mod(`acc * 100 + ${value}`, 97)})`;
  return `${match(c, lengths)} and Reduce(Split(${rearranged}, ""), 0, (acc, _, ch) => ${step}) == 1`;
}

const nino = (s: string): string => `not ${match(s, '^(?:BG|GB|KN|NK|NT|TN|ZZ)')}`;

/** German Steuer-ID: one digit repeated (twice or three times) in the first ten, ISO 7064 MOD 11,10. */
function steuerId(s: string): string {
  const d = digits(s);
  const first = `Substring(${d}, 0, 10)`;
  const repeatedOver = (n: number): string => `Reduce(Split("0123456789", ""), 0, (acc, _, x) => acc + When(() => Len(Split(${first}, x)) > ${n + 1}, 1, 0))`;
  const sum = mod('Int(c) + p', 10);
  const step = mod(`When(() => ${sum} == 0, 10, ${sum}) * 2`, 11);
  const product = `Reduce(Split(${first}, ""), 10, (p, _, c) => ${step})`;
  return `${match(d, '^[1-9]\\d{10}$')} and ${repeatedOver(1)} == 1 and ${repeatedOver(3)} == 0 and ${mod(`11 - ${product}`, 10)} == Int(Substring(${d}, 10, 1))`;
}

/** French NIR: key = 97 − (the first 13 characters, 2A/2B read as 19/18) mod 97. */
function nir(s: string): string {
  const c = `ToUpperCase(${without(s, [' '])})`;
  const body = replaced(`Substring(${c}, 0, 13)`, [['2A', '19'], ['2B', '18']]);
  return `Len(${c}) == 15 and ${match(body, '^\\d{13}$')} and 97 - ${mod(`Int(${body})`, 97)} == Int(Substring(${c}, 13, 2))`;
}

/** Spanish DNI / NIE: the letter is the number mod 23 (NIE: X/Y/Z read as 0/1/2). */
function dni(s: string): string {
  const c = `ToUpperCase(${without(s, ['-'])})`;
  const body = replaced(`Substring(${c}, 0, Len(${c}) - 1)`, [['X', '0'], ['Y', '1'], ['Z', '2']]);
  return `${match(body, '^\\d{8}$')} and Substring("TRWAGMYFPDXBNJZSQVHLCKE", ${mod(`Int(${body})`, 23)}, 1) == Substring(${c}, Len(${c}) - 1, 1)`;
}

/** Italian codice fiscale: the control letter over the first 15 characters (odd/even tables as two-digit strings). */
function codiceFiscale(s: string): string {
  const oddValues = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
  const two = (n: number): string => String(n).padStart(2, '0');
  const odd = [...oddValues.slice(0, 10), ...oddValues].map(two).join('');
  const even = [...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 26 }, (_, i) => i)].map(two).join('');
  const lookup = (table: string): string => `Int(Substring(${ottl(table)}, 2 * Index(${ottl(ALNUM)}, ch), 2))`;
  const sum = `Reduce(Split(Substring(${s}, 0, 15), ""), 0, (acc, i, ch) => acc + When(() => ${mod('i', 2)} == 0, ${lookup(odd)}, ${lookup(even)}))`;
  return `Len(${s}) == 16 and Substring(${ottl(LETTERS)}, ${mod(sum, 26)}, 1) == Substring(${s}, 15, 1)`;
}

/** Dutch BSN: the 11-test. */
function bsn(s: string): string {
  const d = digits(s);
  const sum = `Reduce(Split(${d}, ""), 0, (acc, i, c) => acc + Int(c) * When(() => i < 8, 9 - i, -1))`;
  return `${match(d, '^\\d{9}$')} and ${d} != "000000000" and ${mod(sum, 11)} == 0`;
}

/** E-mail: not a file name with a density suffix (the SDK's FILE_EXTENSIONS). */
const EMAIL_FILE = '(?i)\\.(png|jpe?g|gif|svg|webp|ico|js|mjs|cjs|ts|tsx|css|json|ya?ml|md|html?|txt|pdf|zip|gz|tar|lock|map)$';
const email = (s: string): string => `not ${match(s, EMAIL_FILE)}`;

/** Phone: 8–15 digits; without + or 00 and without a trunk 0, at most 11. */
function phone(s: string): string {
  const d = without(s, [' ', '-', '.', '(', ')', '+']);
  return `Len(${d}) >= 8 and Len(${d}) <= 15 and (${match(s, '^(?:\\+|00)')} or Substring(${d}, 0, 1) == "0" or Len(${d}) <= 11)`;
}

/**
 * The pattern with each capture group named g1, g2, … (RE2 syntax; escapes and character classes
 * skipped), so ExtractPatterns can hand a check the group the SDK checks.
 */
export function namedGroups(re2: string): { pattern: string; groups: number } {
  let out = '';
  let groups = 0;
  for (let i = 0; i < re2.length; i++) {
    const c = re2[i]!;
    if (c === '\\') {
      out += c + (re2[++i] ?? '');
    } else if (c === '[') {
      // A class: up to its closing ], which may come first ([]…], [^]…]); [:name:] and escapes inside.
      let j = i + 1;
      if (re2[j] === '^') j++;
      if (re2[j] === ']') j++;
      for (; j < re2.length && re2[j] !== ']'; j++) {
        if (re2[j] === '\\') j++;
        else if (re2[j] === '[' && re2[j + 1] === ':') j = re2.indexOf(':]', j + 2) + 1;
      }
      out += re2.slice(i, j + 1);
      i = j;
    } else if (c === '(' && re2[i + 1] !== '?') {
      out += `(?P<g${++groups}>`;
    } else {
      out += c;
    }
  }
  return { pattern: out, groups };
}

/**
 * A secret assignment whose value reads as a validation message, a placeholder or a reference
 * (validators.ts MESSAGE) is kept. The value is the rule's capture group, taken again from the
 * candidate with ExtractPatterns; when none is found the candidate is masked (fail closed).
 */
function notMessage(re2: string, message: string): (s: string) => string {
  const { pattern, groups } = namedGroups(re2);
  const value = groups === 0 ? 's' : `Concat([${Array.from({ length: groups }, (_, k) => `ExtractPatterns(s, ${ottl(pattern)})["g${k + 1}"]`).join(', ')}], "")`;
  return () => `(Len(${value}) == 0 or not ${match(value, `(?i)${message}`)})`;
}

export interface CollectorCheck {
  /** The OTTL boolean expression: true when the candidate `s` (inside the marked `value`) is the real thing (to be masked). */
  readonly check: (s: string, value: string) => string;
  /** Whether the SDK also asks the finding to stand alone (no digit run continuing it). */
  readonly alone: boolean;
}

/** A gitleaks rule as the collector checks it: its pattern, entropy threshold and allow lists. */
export interface GitleaksRule {
  readonly re2: string;
  readonly keywords: readonly string[];
  readonly validator?: string;
  readonly entropy?: number;
  readonly allow?: readonly { readonly target: string; readonly stopWords?: readonly string[] | null; readonly condition: string; readonly re2?: readonly string[] | null }[];
}

const quoteMeta = (w: string): string => w.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');

/**
 * What the SDK's rule engine asks of a gitleaks finding (rule-engine.ts accept): the secret group's
 * Shannon entropy at least the rule's threshold (n·ln n − Σ ln count ≥ n·H·ln 2, with Log and
 * Reduce), the rule's validator (not_property), gitleaks' global allow list and the rule's allow
 * lists (on the secret, the match or its line; stop words on the lower-cased secret); and one of its
 * keywords in the value (the SDK runs a rule only around its keywords). `global`: the global allow
 * list in RE2 syntax; `property`: the key-name check of not_property.
 */
function gitleaksCheck(r: GitleaksRule, tables: { global: readonly string[]; property: string }): (s: string, value: string) => string {
  const { pattern, groups } = namedGroups(r.re2);
  const any = groups === 0 ? '""' : `Concat([${Array.from({ length: groups }, (_, k) => `ExtractPatterns(s, ${ottl(pattern)})["g${k + 1}"]`).join(', ')}], "")`;
  const secret = `When(() => Len(${any}) > 0, ${any}, s)`;
  const parts: string[] = [];
  if (r.entropy) {
    const n = `Double(Len(${secret}))`;
    const sumLog = `Reduce(Split(${secret}, ""), 0.0, (acc, _, ch) => acc + Log(Len(Split(${secret}, ch)) - 1))`;
    parts.push(`${n} * Log(${n}) - ${sumLog} >= ${n} * ${(r.entropy * Math.LN2).toFixed(12)}`);
  }
  // not_property: the key before the secret does not name a property of a secret (its length, policy, …).
  if (r.validator === 'not_property') parts.push(`not ${match(`Split(s, ${secret})[0]`, `(?i)${tables.property.replace(/\$$/, '')}[\\s"'\\\\\x60]*(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\s"'\\\\\x60=]*$`)}`);
  parts.push(`not ${match(secret, tables.global.map((g) => `(?:${g})`).join('|'))}`);
  const keywords = r.keywords.length ? `(?i)${r.keywords.map(quoteMeta).join('|')}` : undefined;
  return (s, value) => {
    const piece = (offset: string): string => `Split(${value}, ${ottl(MARK)})[i ${offset}]`;
    const before = `Split(${piece('- 1')}, "\\n")[Len(Split(${piece('- 1')}, "\\n")) - 1]`;
    const line = `Concat([${before}, s, Split(${piece('+ 1')}, "\\n")[0]], "")`;
    const allowed = (r.allow ?? []).map((a) => {
      const target = a.target === 'match' ? 's' : a.target === 'line' ? line : secret;
      const checks: string[] = [];
      if (a.re2?.length) checks.push(match(target, a.re2.map((x) => `(?:${x})`).join('|')));
      if (a.stopWords?.length) checks.push(match(`ToLowerCase(${secret})`, a.stopWords.map((w) => quoteMeta(w.toLowerCase())).join('|')));
      return checks.length ? `(${checks.join(a.condition === 'AND' ? ' and ' : ' or ')})` : 'false';
    });
    return [...(keywords ? [match(value, keywords)] : []), ...parts, ...allowed.map((a) => `not ${a}`)].map((p) => `(${p})`).join(' and ');
  };
}

/**
 * The check the collector runs for a rule's validator (rules/validators.ts VALIDATORS), if it has
 * one; `re2` is the rule's pattern (not_message checks its capture group).
 */
export function collectorCheck(validator: string | undefined, re2: string, tables: { ibanLengths: Readonly<Record<string, number>>; message: string; global: readonly string[]; property: string }, gitleaks?: GitleaksRule): CollectorCheck | undefined {
  if (gitleaks && validator) return { check: gitleaksCheck({ ...gitleaks, re2 }, tables), alone: false };
  if (validator === 'not_message') return { check: notMessage(re2, tables.message), alone: false };
  return validator ? checksByName(tables.ibanLengths)[validator] : undefined;
}

function checksByName(ibanLengthTable: Readonly<Record<string, number>>): Readonly<Record<string, CollectorCheck>> {
  const lengths = ibanLengths(ibanLengthTable);
  return {
    luhn: { check: card, alone: true },
    iban: { check: (s) => iban(s, lengths), alone: true },
    nino: { check: nino, alone: true },
    steuer_id: { check: steuerId, alone: true },
    nir: { check: nir, alone: true },
    dni: { check: dni, alone: true },
    codice_fiscale: { check: codiceFiscale, alone: true },
    bsn: { check: bsn, alone: true },
    email: { check: email, alone: false },
    phone: { check: phone, alone: true },
  };
}

/**
 * validators.ts standsAlone, on the text either side of candidate i of the marked value: the piece
 * before it and, when there is one, the candidate before that (it is still the original text), and
 * the same after — two candidates one space apart must see each other, as in the original text.
 */
function standsAlone(value: string): string {
  const pieces = `Split(${value}, ${ottl(MARK)})`;
  const before = `When(() => i >= 3, Concat([${pieces}[i - 2], ${pieces}[i - 1]], ""), ${pieces}[i - 1])`;
  const after = `When(() => i + 2 < Len(${pieces}), Concat([${pieces}[i + 1], ${pieces}[i + 2]], ""), ${pieces}[i + 1])`;
  return `not ${match(before, '(?:\\d[ .-]?|[.-])$')} and not ${match(after, '^(?:[ .-]?\\d|[.-]\\w)')}`;
}

/**
 * The expression that rebuilds a marked string (`value`: a path or a lambda parameter): each
 * candidate that passes `c` becomes `mask`, the others (and the text between) come back unchanged.
 */
export function rebuild(c: CollectorCheck, mask: string, value: string): string {
  const pass = `${mod('i', 2)} == 1 and ${c.check('s', value)}${c.alone ? ` and ${standsAlone(value)}` : ''}`;
  return `Concat(MapEach(Split(${value}, ${ottl(MARK)}), (i, s) => When(() => ${pass}, ${ottl(mask)}, s)), "")`;
}
