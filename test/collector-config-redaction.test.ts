/**
 * The collector's redaction blocks are generated from the SDK's rules
 * (instrumentation/redaction/collector-blocks.ts): the committed collector-config/otel-collector.yaml
 * must equal the generator's output, carry every collector rule's RE2 pattern, and put the same
 * rules on span status messages and span event attributes. (Running them with Go's RE2 on the
 * corpus is an interop test: test/interop/redaction-collector.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkedRules, collectorBlocks, collectorPattern, collectorRules, combinedPattern, escapeDollar, withCollectorBlocks } from '../instrumentation/redaction/collector-blocks.ts';
import { MARK } from '../instrumentation/redaction/collector-checks.ts';
import { GITLEAKS_VERSION, RULES } from '../instrumentation/redaction/rules/rules.generated.ts';

const text = readFileSync(new URL('../collector-config/otel-collector.yaml', import.meta.url), 'utf8');
const config = parse(text) as { processors: Record<string, any>; service: { pipelines: { traces: { processors: string[] } } } }; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('generated collector redaction', () => {
  it('the committed config equals the generator output (run `npm run redaction:generate` after changing the rules)', () => {
    expect(withCollectorBlocks(text, collectorBlocks(RULES, GITLEAKS_VERSION))).toBe(text);
  });

  it('blocked_values are the collector rules, in order, $ escaped for the collector’s ${} expansion', () => {
    expect(config.processors.redaction.blocked_values).toEqual(collectorRules(RULES).map((r) => escapeDollar(collectorPattern(r))));
    // Independently of escapeDollar: every $ doubled (a lone "${}" makes the collector refuse the
    // file), and the collector's unescape gives back the pattern itself.
    const values = config.processors.redaction.blocked_values as string[];
    expect(values.some((v) => v.includes('$'))).toBe(true);
    for (const v of values) expect(v.match(/\$+/g)?.every((run) => run.length % 2 === 0) ?? true, v).toBe(true);
    expect(values.map((v) => v.replaceAll('$$', () => '$'))).toEqual(collectorRules(RULES).map((r) => collectorPattern(r)));
    const excluded = RULES.filter((r) => !r.collector);
    for (const r of excluded) expect(r.collectorExcludedBecause, r.id).toBeTruthy();
    expect(excluded.length).toBeLessThan(10);
  });

  it('status messages and event attributes get the same rules, as one alternation', () => {
    const groups = config.processors['transform/scrub'].trace_statements as { context: string; statements: string[] }[];
    const pattern = JSON.stringify(escapeDollar(combinedPattern(RULES)));
    const span = groups.find((g) => g.context === 'span')!.statements;
    const events = groups.find((g) => g.context === 'spanevent')!.statements;
    expect(span).toContain(`replace_pattern(span.status.message, ${pattern}, "[REDACTED]")`);
    expect(events).toContain(`replace_all_patterns(spanevent.attributes, "value", ${pattern}, "[REDACTED]")`);
  });

  it('every rule the SDK checks (cards, IBANs, national ids, phones, e-mail, secret assignments, gitleaks’ generic and Sourcegraph rules) runs with its check in OTTL everywhere, failing closed', () => {
    const checked = checkedRules(RULES);
    expect(checked.map((r) => r.id).sort()).toEqual(RULES.filter((r) => r.collector && (r.validator || r.collectorChecked)).map((r) => r.id).sort());
    expect(checked.map((r) => r.id)).toEqual(expect.arrayContaining(['card_number', 'iban', 'de_steuer_id', 'nl_bsn', 'fr_nir', 'es_dni_nie', 'it_codice_fiscale', 'secret_assignment', 'bearer_token', 'generic-api-key', 'sourcegraph-access-token']));
    // Rules with allow lists (gitleaks' generic rule: entropy, stop words) last, as in the SDK's engine.
    const withAllow = checked.map((r) => (r.allow?.length ?? 0) > 0);
    expect(withAllow).toEqual([...withAllow].sort((a, b) => Number(a) - Number(b)));
    expect(withAllow[withAllow.indexOf(true) - 1]).toBe(false);
    const groups = config.processors['transform/scrub'].trace_statements as { context: string; statements: string[] }[];
    for (const [context, target] of [['resource', 'resource.attributes'], ['span', 'span.attributes'], ['spanevent', 'spanevent.attributes']] as const) {
      const statements = groups.find((g) => g.context === context)!.statements.map((st) => st.replaceAll('$$', '$'));
      // The marker is taken out of the input first, then each rule: mark, check, mask what is still marked.
      const first = statements.findIndex((st) => st.startsWith(`replace_all_patterns(${target}, "value", "${MARK}", "\uFFFD")`));
      expect(first).toBeGreaterThanOrEqual(0);
      // Numbers, lists and maps holding a match are turned into their text next.
      expect(statements[first + 1]).toMatch(new RegExp(`^set\\(${target.replace('.', '\\.')}, MapEach\\(.*String\\(v\\)`));
      for (const r of checked) {
        const mark = statements.findIndex((st) => st.startsWith(`replace_all_patterns(${target}, "value", ${JSON.stringify(collectorPattern(r))}, "${MARK}\${0}${MARK}")`));
        expect(mark, `${r.id} in ${context}`).toBeGreaterThan(0);

        expect(statements[mark + 1]).toMatch(new RegExp(`^set\\(${target.replace('.', '\\.')}, MapEach\\(`));
        expect(statements[mark + 2]).toMatch(new RegExp(`^replace_all_patterns\\(${target.replace('.', '\\.')}, "value", "${MARK}\\[\\^${MARK}\\]\\*${MARK}", "\\*\\*\\*\\*"\\)`));
      }
    }
    // A checked rule is in neither pattern list (it would mask before its check runs).
    for (const r of checked) expect(config.processors.redaction.blocked_values).not.toContain(escapeDollar(collectorPattern(r)));
  });

  it('both processors stay in the pipeline, before sampling and batching', () => {
    const order = config.service.pipelines.traces.processors;
    expect(order.indexOf('redaction')).toBeGreaterThan(order.indexOf('memory_limiter'));
    expect(order.indexOf('transform/scrub')).toBeGreaterThan(order.indexOf('redaction'));
    expect(order.indexOf('tail_sampling')).toBeGreaterThan(order.indexOf('transform/scrub'));
  });
});
