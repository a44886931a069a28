/** The shape of one generated redaction rule (rules.generated.ts): the same pattern for both engines. */
export interface GeneratedRule {
  readonly id: string;
  /** `gitleaks` (its default rule set, pinned) or `flightrec` (rules/flightrec-rules.json). */
  readonly source: 'gitleaks' | 'flightrec';
  /** What the corpus reports by: provider_token, private_key, connection_string, secret_assignment, card, iban, national_id, email, phone. */
  readonly category: string;
  readonly description: string;
  /** The pattern in RE2 syntax (the JavaScript form is translated from it). */
  readonly re2: string;
  /**
   * What the collector runs instead, when set: a gitleaks pattern starting at \b that may also
   * start right after a JSON escape (\n, \r, \t) — the SDK reads those escapes as spaces instead.
   */
  readonly collectorRe2?: string;
  /** The same pattern translated from RE2's parse tree into JavaScript (flag `u`). */
  readonly js: string;
  /** Lower-case literals, one of which must occur (case-insensitively) for the rule to run; none (and no `digits`) = always runs. */
  readonly keywords: readonly string[];
  /** The capture group holding the secret (0: the first non-empty group, else the whole match — gitleaks' rule). */
  readonly secretGroup: number;
  /** Minimum Shannon entropy of the secret (gitleaks), 0/absent = none. */
  readonly entropy?: number;
  /** The longest match in UTF-16 code units, JavaScript's string positions (2147483647 = unbounded). */
  readonly maxLen: number;
  /** A check RE2 cannot express, run by the SDK only (Luhn, mod-97, national-id check digits). */
  readonly validator?: string;
  /** gitleaks' allow lists: a finding matching one is not a secret. */
  readonly allow?: readonly { readonly target: string; readonly regexes?: readonly string[]; readonly stopWords?: readonly string[] | null; readonly condition: string; readonly re2?: readonly string[] | null }[];
  /** Whether the collector config runs this rule; when not, why. */
  readonly collector: boolean;
  readonly collectorExcludedBecause?: string;
  /**
   * For the SDK's backtracking engine only: every match contains one of the keywords, preceded by
   * at most `max` characters of class `left`; the pattern is started there rather than at every position.
   */
  readonly anchor?: { readonly left: string; readonly max: number };
  /** Instead of keywords: every match holds `count` digits within `within` characters; the rule runs only around such runs. */
  readonly digits?: { readonly count: number; readonly within: number };
}

export interface ExcludedRule {
  readonly id: string;
  readonly reason: string;
}
