/**
 * Value patterns for secrets and PII. Each rule has a cheap trigger (substring or tiny regex) so a
 * string is only scanned by the rules that can match it — that is what keeps redaction within the
 * overhead budget (see docs/semantic-conventions.md, "Redaction").
 *
 * Provider key formats follow the public formats also used by secretlint's recommended preset
 * (@secretlint/secretlint-rule-preset-recommend): AWS, GitHub, Slack, npm, OpenAI, Anthropic,
 * GCP, SendGrid, Stripe, private keys, basic auth in URLs.
 */

export interface ValueRule {
  readonly name: string;
  /** Substrings (any) or a regex that must occur before the rule's pattern is run. */
  readonly trigger: readonly string[] | RegExp;
  /** Global regex; the match (or the first `secret…` named group that matched) is replaced. */
  readonly pattern: RegExp;
  /** Extra check on a match (Luhn, digit count, file-extension look-alikes); true = redact. */
  readonly accept?: (match: string) => boolean;
  /**
   * Where the match must be widened to the left from what the pattern found (the pattern starts
   * at a cheap anchor such as "@"; a regex that starts at every word is several times slower).
   */
  readonly extendLeft?: RegExp;
}

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

/** Card numbers: known issuer prefix and length, and a valid Luhn checksum. */
export function isCardNumber(match: string): boolean {
  const d = match.replace(/[ -]/g, '');
  const n = d.length;
  const ok =
    (/^4/.test(d) && (n === 13 || n === 16 || n === 19)) || // Visa
    (/^(5[1-5]|2(2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720))/.test(d) && n === 16) || // Mastercard
    (/^3[47]/.test(d) && n === 15) || // Amex
    (/^(6011|65|64[4-9])/.test(d) && n >= 16 && n <= 19) || // Discover
    (/^35(2[89]|[3-8]\d)/.test(d) && n >= 16 && n <= 19) || // JCB
    (/^3(0[0-5]|[68])/.test(d) && n >= 14 && n <= 19); // Diners
  return ok && luhnValid(d);
}

const FILE_EXTENSIONS = /\.(png|jpe?g|gif|svg|webp|ico|js|mjs|cjs|ts|tsx|css|json|ya?ml|md|html?|txt|pdf|zip|gz|tar|lock|map)$/i;

function digitCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

export const DEFAULT_VALUE_RULES: readonly ValueRule[] = [
  // Provider formats first, so a key is tagged with its provider rather than a generic rule.
  { name: 'private_key', trigger: ['PRIVATE KEY'], pattern: /-----BEGIN[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?-----END[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----/g },
  { name: 'jwt', trigger: ['eyJ'], pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { name: 'anthropic_api_key', trigger: ['sk-ant-'], pattern: /\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{20,}/g },
  { name: 'openai_api_key', trigger: ['sk-'], pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { name: 'aws_access_key_id', trigger: /A[KS]IA|ABIA|ACCA/, pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g },
  { name: 'aws_secret_access_key', trigger: /aws.?secret/i, pattern: /aws.?secret.?(?:access.?)?key["']?\s*[:=]\s*["']?(?<secret>[A-Za-z0-9/+=]{40})/gi },
  { name: 'github_token', trigger: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'], pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/g },
  { name: 'slack_token', trigger: ['xox'], pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { name: 'slack_webhook', trigger: ['hooks.slack.com'], pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]+/g },
  { name: 'stripe_key', trigger: ['_live_', '_test_'], pattern: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}/g },
  { name: 'gcp_api_key', trigger: ['AIza'], pattern: /\bAIza[0-9A-Za-z_-]{35}/g },
  { name: 'npm_token', trigger: ['npm_'], pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { name: 'sendgrid_api_key', trigger: ['SG.'], pattern: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}/g },
  {
    name: 'bearer_token',
    trigger: /bearer|basic |token /i,
    pattern: /\b(?:Bearer|Basic|Token)\s+(?<secret>[A-Za-z0-9._~+/=-]{12,})/gi,
    // "Basic authentication is disabled" is prose: a credential has a digit or a base64/url symbol.
    accept: (m) => /[0-9+/=_.~-]/.test(m.slice(m.search(/\s/))),
  },
  { name: 'url_password', trigger: ['://'], pattern: /:\/\/[^\s:@/?#"']*:(?<secret>[^\s@/?#"']+)@/g },
  {
    name: 'secret_assignment',
    trigger: /pass|secret|token|api.?key|pwd/i,
    // key=value / key: value / "key": "value" where the key names a secret.
    // A quoted value is taken whole (spaces included); \" covers JSON nested in a JSON string.
    pattern: /(?:password|passwd|pwd|secret|client_secret|api[_-]?key|access[_-]?token|refresh[_-]?token|auth[_-]?token)\\?["']?\s*[:=]\s*(?:\\?"(?<secretQuoted>(?:[^"\\]|\\[^"])+)\\?"|'(?<secretSingle>[^']+)'|(?<secret>[^\s"'&,;}\\]{4,}))/gi,
  },
  { name: 'card_number', trigger: /\d{4}/, pattern: /(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])/g, accept: isCardNumber },
  {
    name: 'email',
    trigger: ['@'],
    // Anchored at "@" (with a local part before it); the local part is added by extendLeft.
    pattern: /(?<=[A-Za-z0-9._%+-])@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g,
    extendLeft: /[A-Za-z0-9._%+-]/,
    accept: (m) => !FILE_EXTENSIONS.test(m),
  },
  {
    name: 'phone',
    trigger: /\d{3}/,
    // Grouped numbers need two separators ("415-555-2671", "(415) 555 2671", "+44 20 7946 0958") so
    // "2026-000123" and dates stay; ungrouped ones need a leading + (E.164).
    pattern: /(?<![\w.+-]|\d[ .-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]\d{3,4}(?![\w-]|[ .-]?\d)|(?<![\w+])\+\d{9,15}\b/g,
    accept: (m) => {
      const n = digitCount(m);
      return n >= 9 && n <= 15;
    },
  },
];
