/**
 * The collector's copy of the redaction rules: the `redaction` and `transform/scrub` processor
 * blocks of collector-config/otel-collector.yaml, generated from the same rules the SDK runs
 * (rules/rules.generated.ts), between BEGIN/END markers so the rest of the file stays hand-kept.
 *
 *   - `redaction`: secret-named keys masked whole (blocked_key_patterns), and every rule's RE2
 *     pattern in blocked_values — the processor masks each match in span and resource attribute
 *     values.
 *   - `transform/scrub`: the rules as one RE2 alternation, applied with OTTL to what the
 *     redaction processor does not look at — span status messages and span event attributes
 *     (exception messages) — plus the secret-named keys deleted and values cut at 1 MiB.
 *
 *   - rules whose check the SDK runs after the pattern (Luhn, mod-97, national-id check digits,
 *     phone shape, e-mail file names) are not in either list: `transform/scrub` marks their
 *     matches and keeps each one that fails the same check, written in OTTL (collector-checks.ts),
 *     on resource, span and event attributes and status messages. That needs the collector's
 *     `ottl.functions.enableLambda` feature gate; without it the collector refuses the config.
 *
 * What the collector still does not do: no entropy threshold or gitleaks allow lists, no
 * JSON-escape view, no validation-message check on secret assignments. Rules that would alter
 * ordinary text without those are left out of the collector (`collector: false` in the rule, with
 * the reason). docs/semantic-conventions.md has both engines' figures on the corpus.
 */
import { collectorCheck as checkFor, MARK, MARK_REPLACEMENT, ottl, rebuild, type CollectorCheck } from './collector-checks.ts';
import type { GeneratedRule } from './rules/rule-types.ts';
import { GLOBAL_ALLOW } from './rules/rules.generated.ts';
import { IBAN_LENGTH, MESSAGE, PROPERTY_KEY } from './rules/validators.ts';

export const BEGIN_MARKER = '  # BEGIN generated redaction processors';
export const END_MARKER = '  # END generated redaction processors';

/** Secret-named keys: the collector's counterpart of the SDK's key rule (no bare "token": gen_ai.usage.*_tokens must stay). */
const SECRET_KEYS = '(?i).*(api[_.-]?key|secret|password|passwd|auth[_.-]?token|access[_.-]?token|refresh[_.-]?token|session[_.-]?token|authorization|cookie|credential|private[_.-]?key).*';
const DELETE_KEYS_RESOURCE = '(?i).*(api[_.-]?key|secret|password|auth[_.-]?token|access[_.-]?token|authorization).*';
const DELETE_KEYS_SPAN = '(?i).*(api[_.-]?key|secret|password|authorization|cookie).*';
const DELETE_KEYS_EVENT = '(?i).*(api[_.-]?key|secret|password|authorization).*';

/** The collector expands ${…} in every string of its config; $$ stands for $ (and $$ in a pattern means what $ does anyway). */
// A function replacement: as a replacement string, '$$' itself means one '$' (the escape was a no-op).
export const escapeDollar = (s: string): string => s.replaceAll('$', () => '$$');
const yamlSingle = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** The feature gate the checked rules need (lambdas in OTTL, alpha in contrib v0.161.0). */
export const FEATURE_GATES = '--feature-gates=ottl.functions.enableLambda';

const TABLES = {
  ibanLengths: IBAN_LENGTH,
  message: MESSAGE.source,
  property: PROPERTY_KEY.source,
  // gitleaks' global allow list, generated in JavaScript syntax; RE2 writes \u{…} as \x{…}.
  global: GLOBAL_ALLOW.map((p) => p.replaceAll('\\u{', '\\x{')),
};
/**
 * The OTTL check the collector runs for a rule, if its validator has one (a gitleaks rule the SDK
 * validates, or one marked `collectorChecked`, gets all of gitleaks' checks: keywords, entropy,
 * allow lists, stop words).
 */
export const collectorCheck = (r: GeneratedRule): CollectorCheck | undefined =>
  checkFor(r.collectorChecked ? 'gitleaks' : r.validator, collectorPattern(r), TABLES, r.source === 'gitleaks' ? r : undefined);

/** Rules the collector runs as patterns alone (blocked_values and the alternation). */
export function collectorRules(rules: readonly GeneratedRule[]): GeneratedRule[] {
  // Longest possible match first: the redaction processor masks one rule after another, so a rule
  // whose match is a prefix of another's (a shorter sibling token format) must not cut it first.
  return rules.filter((r) => r.collector && !collectorCheck(r)).map((r, i) => ({ r, i })).sort((a, b) => b.r.maxLen - a.r.maxLen || a.i - b.i).map(({ r }) => r);
}

/** Rules the collector runs with their check (transform/scrub, after the patterns). */
export function checkedRules(rules: readonly GeneratedRule[]): GeneratedRule[] {
  const checked = rules.filter((r) => r.collector && collectorCheck(r));
  // As in the SDK's engine, rules with allow lists (gitleaks' generic rule) run last.
  return [...checked.filter((r) => !r.allow?.length), ...checked.filter((r) => r.allow?.length)];
}

const MARKED = `${MARK}[^${MARK}]*${MARK}`;

/** The statements that run the checked rules on a map of attributes: mark, check, fail closed. */
function checkedOnMap(rules: readonly GeneratedRule[], target: string, mask: string): string[] {
  // Index is a plain substring search: the guards keep the regex scans and map copies to values that need them.
  const marked = `IsString(v) and Index(v, ${ottl(MARK)}) >= 0`;
  const anyMarked = `Any(${target}, (_, v) => ${marked})`;
  // A number, list or map whose text (JSON for lists and maps) holds a match of any checked rule
  // becomes that text, as the redaction processor (redact_all_types) does with the pattern-only rules.
  const stringMatch = `not IsString(v) and String(v) != nil and IsMatch(String(v), ${ottl(rules.map((r) => `(?:${collectorPattern(r)})`).join('|'))})`;
  return [
    `replace_all_patterns(${target}, "value", ${ottl(MARK)}, ${ottl(MARK_REPLACEMENT)}) where ${anyMarked}`,
    `set(${target}, MapEach(${target}, (_, v) => When(() => ${stringMatch}, String(v), v))) where Any(${target}, (_, v) => ${stringMatch})`,
    ...rules.flatMap((r) => {
      const pattern = ottl(collectorPattern(r));
      return [
        `replace_all_patterns(${target}, "value", ${pattern}, ${ottl(`${MARK}\${0}${MARK}`)})`,
        // MapEach copies the map: only where a value holds a candidate.
        `set(${target}, MapEach(${target}, (_, v) => When(() => ${marked}, ${rebuild(collectorCheck(r)!, mask, 'v')}, v))) where ${anyMarked}`,
        `replace_all_patterns(${target}, "value", ${ottl(MARKED)}, ${ottl(mask)}) where ${anyMarked}`,
      ];
    }),
  ];
}

/** The same on one string field (the status message). */
function checkedOnString(rules: readonly GeneratedRule[], target: string, mask: string): string[] {
  return [
    `replace_pattern(${target}, ${ottl(MARK)}, ${ottl(MARK_REPLACEMENT)}) where Index(${target}, ${ottl(MARK)}) >= 0`,
    ...rules.flatMap((r) => [
      `replace_pattern(${target}, ${ottl(collectorPattern(r))}, ${ottl(`${MARK}\${0}${MARK}`)})`,
      `set(${target}, ${rebuild(collectorCheck(r)!, mask, target)}) where Index(${target}, ${ottl(MARK)}) >= 0`,
      `replace_pattern(${target}, ${ottl(MARKED)}, ${ottl(mask)}) where Index(${target}, ${ottl(MARK)}) >= 0`,
    ]),
  ];
}

/** The pattern the collector runs for a rule. */
export const collectorPattern = (r: GeneratedRule): string => r.collectorRe2 ?? r.re2;

/** All collector rules as one RE2 alternation (each rule's flags stay inside its group). */
export function combinedPattern(rules: readonly GeneratedRule[]): string {
  return collectorRules(rules).map((r) => `(?:${collectorPattern(r)})`).join('|');
}

export function collectorBlocks(rules: readonly GeneratedRule[], gitleaksVersion: string): string {
  const kept = collectorRules(rules);
  const checked = checkedRules(rules);
  const statements = (list: string[]): string[] => list.map((st) => `          - ${yamlSingle(escapeDollar(st))}`);
  const combined = escapeDollar(combinedPattern(rules));
  const lines = [
    `${BEGIN_MARKER} (npm run redaction:generate, from instrumentation/redaction/rules:`,
    `  # gitleaks ${gitleaksVersion} and flightrec's rules: ${kept.length} as patterns, ${checked.length} with their check in OTTL, ${rules.length - kept.length - checked.length} left out). Do not edit.`,
    `  # Needs the feature gate: otelcol-contrib ${FEATURE_GATES} --config …`,
    '  # Secrets and personal data by value, whatever the key, and secret-named keys: masked before anything is stored.',
    '  redaction:',
    '    allow_all_keys: true',
    '    blocked_key_patterns:',
    '      # Not a bare "token": gen_ai.usage.input_tokens must survive.',
    `      - ${yamlSingle(SECRET_KEYS)}`,
    '    blocked_values:',
    ...kept.map((r) => `      - ${yamlSingle(escapeDollar(collectorPattern(r)))} # ${r.id}`),
    '    redact_all_types: true',
    '    summary: silent',
    '',
    '  # Secret-named keys dropped; the same rules on span status messages and span event attributes',
    '  # (exception messages), which the redaction processor does not read; values cut at 1 MiB.',
    `  # Then the checked rules (${checked.map((r) => r.id).join(', ')}) on every attribute and status message:`,
    '  # each match is marked, kept if it fails the check the SDK runs, else masked; whatever is still',
    '  # marked after a failed statement is masked (fail closed).',
    '  transform/scrub:',
    '    error_mode: ignore',
    '    trace_statements:',
    '      - context: resource',
    '        statements:',
    `          - ${yamlSingle(`delete_matching_keys(resource.attributes, ${ottl(DELETE_KEYS_RESOURCE)})`)}`,
    ...statements(checkedOnMap(checked, 'resource.attributes', '****')),
    '      - context: span',
    '        statements:',
    `          - ${yamlSingle(`delete_matching_keys(span.attributes, ${ottl(DELETE_KEYS_SPAN)})`)}`,
    `          - ${yamlSingle(`replace_pattern(span.status.message, ${ottl(combined)}, "[REDACTED]")`)}`,
    ...statements(checkedOnMap(checked, 'span.attributes', '****')),
    ...statements(checkedOnString(checked, 'span.status.message', '[REDACTED]')),
    '          # The embedded receiver refuses values over 1 MiB; here they are cut instead.',
    '          - truncate_all(span.attributes, 1048576)',
    '      - context: spanevent',
    '        statements:',
    `          - ${yamlSingle(`delete_matching_keys(spanevent.attributes, ${ottl(DELETE_KEYS_EVENT)})`)}`,
    `          - ${yamlSingle(`replace_all_patterns(spanevent.attributes, "value", ${ottl(combined)}, "[REDACTED]")`)}`,
    ...statements(checkedOnMap(checked, 'spanevent.attributes', '****')),
    END_MARKER,
  ];
  return lines.join('\n');
}

/** The config text with the generated blocks in place of what stands between the markers. */
export function withCollectorBlocks(config: string, blocks: string): string {
  const start = config.indexOf(BEGIN_MARKER);
  const endAt = config.indexOf(END_MARKER);
  if (start < 0 || endAt < start) throw new Error('collector config: the BEGIN/END generated redaction markers are missing');
  return config.slice(0, start) + blocks + config.slice(endAt + END_MARKER.length);
}
