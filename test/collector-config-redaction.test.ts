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
import { collectorBlocks, collectorPattern, collectorRules, combinedPattern, escapeDollar, withCollectorBlocks } from '../instrumentation/redaction/collector-blocks.ts';
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

  it('both processors stay in the pipeline, before sampling and batching', () => {
    const order = config.service.pipelines.traces.processors;
    expect(order.indexOf('redaction')).toBeGreaterThan(order.indexOf('memory_limiter'));
    expect(order.indexOf('transform/scrub')).toBeGreaterThan(order.indexOf('redaction'));
    expect(order.indexOf('tail_sampling')).toBeGreaterThan(order.indexOf('transform/scrub'));
  });
});
