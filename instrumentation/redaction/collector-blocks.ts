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
 * What RE2 cannot do, the collector does not: no Luhn/mod-97/check-digit validation, no entropy
 * threshold or gitleaks allow lists, no JSON-escape view. Rules that would alter ordinary text
 * without those checks are left out of the collector (`collector: false` in the rule, with the
 * reason). docs/semantic-conventions.md has both engines' figures on the corpus.
 */
import type { GeneratedRule } from './rules/rule-types.ts';

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
/** An OTTL string literal: backslashes and quotes escaped. */
const ottl = (s: string): string => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;

export function collectorRules(rules: readonly GeneratedRule[]): GeneratedRule[] {
  return rules.filter((r) => r.collector);
}

/** The pattern the collector runs for a rule. */
export const collectorPattern = (r: GeneratedRule): string => r.collectorRe2 ?? r.re2;

/** All collector rules as one RE2 alternation (each rule's flags stay inside its group). */
export function combinedPattern(rules: readonly GeneratedRule[]): string {
  return collectorRules(rules).map((r) => `(?:${collectorPattern(r)})`).join('|');
}

export function collectorBlocks(rules: readonly GeneratedRule[], gitleaksVersion: string): string {
  const kept = collectorRules(rules);
  const combined = escapeDollar(combinedPattern(rules));
  const lines = [
    `${BEGIN_MARKER} (npm run redaction:generate, from instrumentation/redaction/rules:`,
    `  # gitleaks ${gitleaksVersion} and flightrec's rules, ${kept.length} of ${rules.length} — the others need a check RE2 cannot make). Do not edit.`,
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
    '  transform/scrub:',
    '    error_mode: ignore',
    '    trace_statements:',
    '      - context: resource',
    '        statements:',
    `          - ${yamlSingle(`delete_matching_keys(resource.attributes, ${ottl(DELETE_KEYS_RESOURCE)})`)}`,
    '      - context: span',
    '        statements:',
    `          - ${yamlSingle(`delete_matching_keys(span.attributes, ${ottl(DELETE_KEYS_SPAN)})`)}`,
    `          - ${yamlSingle(`replace_pattern(span.status.message, ${ottl(combined)}, "[REDACTED]")`)}`,
    '          # The embedded receiver refuses values over 1 MiB; here they are cut instead.',
    '          - truncate_all(span.attributes, 1048576)',
    '      - context: spanevent',
    '        statements:',
    `          - ${yamlSingle(`delete_matching_keys(spanevent.attributes, ${ottl(DELETE_KEYS_EVENT)})`)}`,
    `          - ${yamlSingle(`replace_all_patterns(spanevent.attributes, "value", ${ottl(combined)}, "[REDACTED]")`)}`,
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
