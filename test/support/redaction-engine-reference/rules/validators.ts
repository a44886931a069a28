/**
 * Checks a pattern cannot make (checksums, issuer tables, prefixes never issued): they keep
 * look-alikes — order numbers, ids, hashes — from being redacted as personal data. The SDK runs
 * them; RE2 has no way to, so the collector's copies of these rules run without them (the corpus
 * figures in docs/semantic-conventions.md show what that costs).
 */

/** Luhn checksum over the digits of `s`. */
export function luhnValid(s: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) continue;
    let d = c - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const digitsOf = (s: string): string => s.replace(/\D/g, '');

/** Card numbers: known issuer prefix and length, and a valid Luhn checksum. */
export function isCardNumber(match: string): boolean {
  const d = digitsOf(match);
  const n = d.length;
  const ok =
    (/^4/.test(d) && (n === 13 || n === 16 || n === 19)) || // Visa
    (/^(5[1-5]|2(2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720))/.test(d) && n === 16) || // Mastercard
    (/^3[47]/.test(d) && n === 15) || // Amex
    (/^(6011|65|64[4-9])/.test(d) && n >= 16 && n <= 19) || // Discover
    (/^35(2[89]|[3-8]\d)/.test(d) && n >= 16 && n <= 19) || // JCB
    (/^3(0[0-5]|[689])/.test(d) && n >= 14 && n <= 19) || // Diners
    (/^62/.test(d) && n >= 16 && n <= 19); // UnionPay
  return ok && luhnValid(d);
}

/** IBAN lengths by country (ISO 13616 registry). */
const IBAN_LENGTH: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22,
  DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28,
  IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24,
  ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SC: 31,
  SE: 24, SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
};

/** IBAN: the country's length and the ISO 7064 mod-97 check (remainder 1). */
export function isIban(match: string): boolean {
  const s = match.replace(/ /g, '').toUpperCase();
  if (IBAN_LENGTH[s.slice(0, 2)] !== s.length) return false;
  const r = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of r) {
    const c = ch.charCodeAt(0);
    const v = c >= 65 ? String(c - 55) : ch;
    for (const d of v) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

/** UK National Insurance number: the pattern's letters, and none of the prefixes never issued. */
export function isNino(match: string): boolean {
  const p = match.slice(0, 2).toUpperCase();
  return !['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'].includes(p);
}

/** German tax id: 11 digits, one digit twice or three times in the first ten, ISO 7064 MOD 11,10 check digit. */
export function isSteuerId(match: string): boolean {
  const d = digitsOf(match);
  if (d.length !== 11 || d[0] === '0') return false;
  const counts = new Map<string, number>();
  for (const c of d.slice(0, 10)) counts.set(c, (counts.get(c) ?? 0) + 1);
  const repeated = [...counts.values()].filter((n) => n > 1);
  if (repeated.length !== 1 || repeated[0]! > 3) return false;
  let product = 10;
  for (let i = 0; i < 10; i++) {
    let sum = (Number(d[i]) + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  let check = 11 - product;
  if (check === 10) check = 0;
  return check === Number(d[10]);
}

/** French NIR: key = 97 − (the 13 first characters as a number, 2A/2B read as 19/18) mod 97. */
export function isNir(match: string): boolean {
  const s = match.replace(/ /g, '').toUpperCase();
  if (s.length !== 15) return false;
  const body = s.slice(0, 13).replace('2A', '19').replace('2B', '18');
  if (!/^\d{13}$/.test(body)) return false;
  const key = Number(s.slice(13));
  return 97 - Number(BigInt(body) % 97n) === key;
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Spanish DNI / NIE: the letter is the number mod 23 (NIE: X/Y/Z read as 0/1/2). */
export function isDniNie(match: string): boolean {
  const s = match.replace(/-/g, '').toUpperCase();
  const body = s.slice(0, -1).replace(/^X/, '0').replace(/^Y/, '1').replace(/^Z/, '2');
  if (!/^\d{8}$/.test(body)) return false;
  return DNI_LETTERS[Number(body) % 23] === s.slice(-1);
}

const CF_ODD: Readonly<Record<string, number>> = (() => {
  const odd = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
  const m: Record<string, number> = {};
  for (let i = 0; i < 10; i++) m[String(i)] = odd[i]!;
  for (let i = 0; i < 26; i++) m[String.fromCharCode(65 + i)] = odd[i]!;
  return m;
})();

/** Italian codice fiscale: the control letter over the first 15 characters. */
export function isCodiceFiscale(match: string): boolean {
  const s = match.toUpperCase();
  if (s.length !== 16) return false;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = s[i]!;
    if (i % 2 === 0) sum += CF_ODD[c] ?? 0;
    else sum += /\d/.test(c) ? Number(c) : c.charCodeAt(0) - 65;
  }
  return String.fromCharCode(65 + (sum % 26)) === s[15];
}

/** Dutch BSN: the 11-test (9·d1 + 8·d2 + … + 2·d8 − d9 divisible by 11). */
export function isBsn(match: string): boolean {
  const d = digitsOf(match);
  if (d.length !== 9 || d === '000000000') return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(d[i]) * (9 - i);
  sum -= Number(d[8]);
  return sum % 11 === 0;
}

const FILE_EXTENSIONS = /\.(png|jpe?g|gif|svg|webp|ico|js|mjs|cjs|ts|tsx|css|json|ya?ml|md|html?|txt|pdf|zip|gz|tar|lock|map)$/i;

/** E-mail: not a file name with a density suffix (logo@2x.png). */
export function isEmail(match: string): boolean {
  return !FILE_EXTENSIONS.test(match);
}

/**
 * Phone numbers have 8 to 15 digits (E.164 at most 15). Written without an international prefix
 * (+ or 00), a number is in national form: with a trunk prefix 0 it may be long (Austria's reach
 * 13 digits with it), without one the longest national numbers are 11 digits (a NANP number with
 * its leading 1, a Chinese mobile) — so twelve or more digits with neither prefix are not a phone
 * number in any numbering plan (an order or reference number written in groups of four).
 */
export function isPhone(match: string): boolean {
  const d = digitsOf(match);
  const n = d.length;
  if (n < 8 || n > 15) return false;
  const international = /^(?:\+|00)/.test(match);
  return international || d[0] === '0' || n <= 11;
}

/** Words of validation messages and placeholders: a quoted "password" value made of them is not a password. */
const MESSAGE = /\b(?:must|should|required|invalid|incorrect|at least|at most|characters?|cannot|can't|too (?:short|long|weak)|is (?:empty|missing|blank|wrong)|does not|doesn't|match(?:es)?|not (?:set|allowed|valid)|expired|redacted|hidden|masked|changeme|placeholder|your[_ -]?(?:password|secret|key|token))\b|^\W*$|^\$\{?[A-Za-z_]+\}?$|^\$\{\{|^!|^(?:process\.env|os\.environ|import\.meta\.env|secrets\.|env\.|getpass\.|System\.getenv)|^[A-Za-z_][\w.]*\(\)?$|^\{\{.*\}\}$|^<[^>]*>$|^(?:null|none|true|false|undefined|n\/a)$/i;

export function isNotMessage(value: string): boolean {
  return !MESSAGE.test(value);
}

/** A number-like finding must stand alone: no digit run continuing it on either side ("4111 1111 1111 1112 9", "192.168.100.200"). */
function standsAlone(text: string, start: number, end: number): boolean {
  const before = text.slice(Math.max(0, start - 2), start);
  const after = text.slice(end, end + 2);
  return !/\d[ .-]?$|[.-]$/.test(before) && !/^[ .-]?\d|^[.-]\w/.test(after);
}

/**
 * Key names that describe a secret rather than hold one: its policy, length, expiry, rotation,
 * format, name or where it is kept (`password_policy`, `api_key_env`, `token_ttl`,
 * `secret_name`). gitleaks' generic rule keys on the word and takes what follows; the value of
 * such a key is a setting or a reference, not the secret.
 */
const PROPERTY_KEY = /[_.-](?:policy|length|len|min|max|minimum|maximum|count|expiry|expires|expiration|ttl|lifetime|rotation|format|type|hint|strength|rules?|regex|pattern|field|label|prompt|algorithm|size|bits|name|path|file|env|var|header|url)$/i;

/** The key a `key = value` finding at `start` sits under: the last identifier before the operator. */
function keyBefore(text: string, start: number): string {
  const before = text.slice(Math.max(0, start - 80), start);
  const m = /([\w.-]+)[\s"'\\`]*(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\s"'\\`=]*$/.exec(before);
  return m ? m[1]! : '';
}

export type Validator = (secret: string, text: string, start: number, end: number) => boolean;

const alone = (check: (s: string) => boolean): Validator => (secret, text, start, end) => check(secret) && standsAlone(text, start, end);

export const VALIDATORS: Readonly<Record<string, Validator>> = {
  luhn: alone(isCardNumber),
  iban: alone(isIban),
  nino: alone(isNino),
  steuer_id: alone(isSteuerId),
  nir: alone(isNir),
  dni: alone(isDniNie),
  codice_fiscale: alone(isCodiceFiscale),
  bsn: alone(isBsn),
  email: isEmail,
  phone: alone(isPhone),
  not_message: isNotMessage,
  not_property: (_secret, text, start) => !PROPERTY_KEY.test(keyBefore(text, start)),
};
