/**
 * The stored rule index (FrRule, storage/derived-columns.ts) compiles SPAN_RULES into one branch-free
 * expression: the least of one `transform` per run of rules on one key, `if` terms for the rest, the
 * OpenClaw rules under one scope test. It must equal the plain reading of the rules — try them in
 * order, the first that matches wins — for every span. This checks it on generated spans built from
 * the very names and values the rules test (and near misses), against an evaluator written here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { RULE_SCOPES, SPAN_RULES, type SpanCondition } from '../conventions/span-mapping.ts';
import { Flightrec } from '../instrumentation/semconv.ts';
import { conditionSql, derivedColumnsFor } from '../storage/derived-columns.ts';
import { openStore } from '../storage/store-client.ts';
import { tempDir } from '../tools/temp-dir.ts';

interface Span { scope: string; name: string; attributes: Record<string, string> }

function holds(c: SpanCondition, s: Span): boolean {
  if ('all' in c) return c.all.every((x) => holds(x, s));
  if ('any' in c) return c.any.some((x) => holds(x, s));
  if ('not' in c) return !holds(c.not, s);
  if ('scope' in c) return s.scope === c.scope;
  if ('spanNamePrefix' in c) return s.name.startsWith(c.spanNamePrefix);
  if ('spanName' in c) return c.spanName.includes(s.name);
  const v = s.attributes[c.attr] ?? '';
  return 'present' in c ? v !== '' : c.in.includes(v);
}

/** The rules read in order (a scoped dialect's only on its scope): 1-based index of the first match, 0 for none or a span flightrec wrote. */
const expectedIndex = (s: Span): number =>
  (s.attributes[Flightrec.record] || s.attributes[Flightrec.step]) ? 0 : SPAN_RULES.findIndex((r) => (RULE_SCOPES[r.dialect] ?? s.scope) === s.scope && holds(r.when, s)) + 1;

/** Every scope, span name, prefix, key and value the rules test. */
function vocabulary(): { scopes: Set<string>; names: Set<string>; keys: Map<string, Set<string>> } {
  const scopes = new Set(['', 'other']), names = new Set(['', 'anything']), keys = new Map<string, Set<string>>();
  const walk = (c: SpanCondition): void => {
    if ('all' in c) return c.all.forEach(walk);
    if ('any' in c) return c.any.forEach(walk);
    if ('not' in c) return walk(c.not);
    if ('scope' in c) { scopes.add(c.scope); return; }
    if ('spanNamePrefix' in c) { names.add(`${c.spanNamePrefix}x`); names.add(c.spanNamePrefix.slice(0, -1)); return; }
    if ('spanName' in c) { for (const n of c.spanName) names.add(n); return; }
    const values = keys.get(c.attr) ?? new Set(['', 'other']);
    if ('in' in c) for (const v of c.in) values.add(v);
    keys.set(c.attr, values);
  };
  SPAN_RULES.forEach((r) => walk(r.when));
  keys.set(Flightrec.record, new Set(['', 'touched']));
  return { scopes, names, keys };
}

function generate(n: number): Span[] {
  let seed = 21;
  const rand = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const { scopes, names, keys } = vocabulary();
  return Array.from({ length: n }, () => {
    const attributes: Record<string, string> = {};
    for (const [k, values] of keys) if (rand() < (k === Flightrec.record ? 0.05 : 0.25)) attributes[k] = pick([...values]);
    return { scope: pick([...scopes]), name: pick([...names]), attributes };
  });
}

describe('the stored rule index', () => {
  const tmp = tempDir('flightrec-rules-');
  let client: ClickHouseClient;
  beforeAll(async () => { client = await openStore({ kind: 'embedded', path: tmp.path }); });
  afterAll(async () => { await client?.close(); tmp.cleanup(); });

  it('is the first rule that matches, read in order, for every span', async () => {
    const spans = generate(4000);
    const rule = derivedColumnsFor().find((c) => c.name === 'Rule')!.sql;
    const result = await client.query({
      query: `SELECT ${rule} AS rule FROM (
        SELECT i, {scopes: Array(String)}[i] AS ScopeName, CAST({names: Array(String)}[i], 'LowCardinality(String)') AS SpanName,
               CAST(mapFromArrays({keys: Array(Array(String))}[i], {values: Array(Array(String))}[i]), 'Map(LowCardinality(String), String)') AS SpanAttributes
        FROM (SELECT arrayJoin(range(1, ${spans.length + 1})) AS i)) ORDER BY i`,
      query_params: { scopes: spans.map((s) => s.scope), names: spans.map((s) => s.name), keys: spans.map((s) => Object.keys(s.attributes)), values: spans.map((s) => Object.values(s.attributes)) },
      format: 'JSONEachRow',
    });
    const got = (await result.json<{ rule: number }>()).map((r) => Number(r.rule));
    const expected = spans.map(expectedIndex);
    expect(got.length).toBe(spans.length);
    const wrong = spans.flatMap((s, i) => (got[i] === expected[i] ? [] : [{ span: s, got: got[i], expected: expected[i] }]));
    expect(wrong.slice(0, 3)).toEqual([]);
    // The spans reach most rules and the no-rule case, so a rule compiled wrong would show.
    expect(new Set(expected).size).toBeGreaterThan(SPAN_RULES.length * 0.8);
  });

  it('compiles an empty all (a scope test taken out) and an empty any to SQL the store takes', async () => {
    const sql = [conditionSql({ all: [] }), conditionSql({ any: [] }), conditionSql({ not: { all: [] } })];
    expect(sql).toEqual(['true', 'false', 'NOT true']);
    const result = await client.query({ query: `SELECT ${sql.map((c) => `toUInt8(${c})`).join(', ')}`, format: 'JSONCompactEachRow' });
    expect(await result.json()).toEqual([[1, 0, 0]]);
  });
});
