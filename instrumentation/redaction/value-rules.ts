/**
 * Your own value rules (`createRedactor({ rules })`), run after the generated default rules
 * (rules/rules.generated.ts: gitleaks' provider formats plus flightrec's personal-data rules).
 * Each has a cheap trigger (substring or tiny regex) so a string is only scanned by the rules that
 * can match it.
 */
export { luhnValid, isCardNumber } from './rules/validators.ts';

export interface ValueRule {
  readonly name: string;
  /** Substrings (any) or a regex that must occur before the rule's pattern is run. */
  readonly trigger: readonly string[] | RegExp;
  /** Global regex; the match (or the first `secret…` named group that matched) is replaced. */
  readonly pattern: RegExp;
  /** Extra check on a match; true = redact. */
  readonly accept?: (match: string) => boolean;
  /** Where the match must be widened to the left from what the pattern found. */
  readonly extendLeft?: RegExp;
}

function firstSecretGroup(groups: Record<string, string | undefined>): string | undefined {
  for (const k in groups) if (k.startsWith('secret') && groups[k]) return groups[k];
  return undefined;
}

/** Apply one custom rule to `text`; `marker` is the start of a replacement already made (left alone). */
export function applyValueRule(rule: ValueRule, text: string, marker: string, replace: (rule: string, match: string) => string, hits: string[]): string {
  if (rule.trigger instanceof RegExp ? !rule.trigger.test(text) : !rule.trigger.some((t) => text.includes(t))) return text;
  const re = rule.pattern;
  re.lastIndex = 0;
  let out = '';
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    let start = m.index;
    const end = start + m[0].length;
    if (rule.extendLeft) while (start > last && rule.extendLeft.test(text[start - 1]!)) start--;
    const match = text.slice(start, end);
    if (rule.accept && !rule.accept(match)) continue;
    const secret = m.groups ? firstSecretGroup(m.groups) : undefined;
    if ((secret ?? match).startsWith(marker)) continue;
    hits.push(rule.name);
    if (secret) {
      const at = start + match.lastIndexOf(secret);
      out += text.slice(last, at) + replace(rule.name, secret);
      last = at + secret.length;
    } else {
      out += text.slice(last, start) + replace(rule.name, match);
      last = end;
    }
    if (!re.global) break;
  }
  return last === 0 ? text : out + text.slice(last);
}
