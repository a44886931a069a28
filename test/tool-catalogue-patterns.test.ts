/**
 * The tool catalogue's globs are compiled once (conventions/tool-catalogue.ts patternRegex) into the
 * regular expressions both the store (Hyperscan, `multiMatchAllIndices`, at insert) and lookupTool
 * (JavaScript) run. The compiled form drops a leading or trailing `*` instead of writing `^.*` / `.*$`:
 * this checks, for the built-in catalogue and edge globs, over awkward names, that it picks the same
 * first entry as the glob read literally, in JavaScript and in ClickHouse alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { DEFAULT_TOOL_CATALOGUE, lookupTool, patternRegex, type ToolCatalogue } from '../conventions/tool-catalogue.ts';
import { derivedColumnsFor } from '../storage/derived-columns.ts';
import { openStore } from '../storage/store-client.ts';
import { tempDir } from '../tools/temp-dir.ts';

/** The glob read literally: every `*` as `.*`, anchored at both ends (the translation before this one). */
const literal = (glob: string): RegExp => new RegExp(`^${glob.toLowerCase().replace(/[.+^$(){}|[\]\\]/g, (c) => `\\${c}`).replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');

const EDGE: ToolCatalogue = ['rm', 'send_*', '*email*', '*_delete', 'a*b', 'x?y*', '*.txt', 'Read*Mail*', '*a*', '??', '*[x]*', '^$*', '**', '*']
  .map((match) => ({ match, effect: 'read', risk: 'low' }));

const NAMES = [
  'send_email', 'SendEmail', 'rm', 'rm -rf', 'rm\n', 'xrm', 'my_delete', 'my_delete\n', 'delete_me', 'ab', 'a\nb', 'axxb', 'axxbc',
  'xzy', 'xzyq', 'notes.txt', 'notes.txt.bak', 'read_my_mail', 'readmail', 'Mail', '', '\n', 'ü_email', 'email\n', 'q', 'qq',
  '[x]', '^$', '^$z', 'fetch_url', 'get_weather', 'stripe_refund', 'bash', 'lookup_customer', 'frobnicate', 'post_message', 'sh',
];

const firstLiteral = (catalogue: ToolCatalogue, name: string): number => catalogue.findIndex((e) => literal(e.match).test(name.toLowerCase())) + 1;

describe('tool catalogue patterns', () => {
  const tmp = tempDir('flightrec-catalogue-');
  let client: ClickHouseClient;
  beforeAll(async () => { client = await openStore({ kind: 'embedded', path: tmp.path }); });
  afterAll(async () => { await client?.close(); tmp.cleanup(); });

  it('drop a leading or trailing * rather than spell it .*', () => {
    expect(['*', 'rm', 'send_*', '*email*', '*_delete', 'a*b', 'x?y*'].map((g) => patternRegex(g))).toEqual(['^', '^rm$', '^send_', 'email', '_delete$', '^a.*b$', '^x.y']);
    // Hyperscan's `$` also matches before a final newline; `\z` is the end alone, as JavaScript's `$`.
    expect(['rm', '*_delete', 'send_*'].map((g) => patternRegex(g, 'hyperscan'))).toEqual(['^rm\\z', '_delete\\z', '^send_']);
  });

  for (const [label, catalogue] of [['built-in', DEFAULT_TOOL_CATALOGUE], ['edge globs', EDGE]] as const) {
    it(`pick the same first entry as the literal glob, in JavaScript and in the store (${label})`, async () => {
      const expected = NAMES.map((n) => firstLiteral(catalogue, n));
      expect(NAMES.map((n) => { const e = lookupTool(catalogue, n); return e ? catalogue.indexOf(e) + 1 : 0; })).toEqual(expected);
      // The patterns as the store's stored column compiles them (storage/derived-columns.ts).
      const toolEntry = derivedColumnsFor(catalogue).find((c) => c.name === 'ToolEntry')!.sql;
      const patterns = /multiMatchAllIndices\(lower\(FrTool\), (\[.*\])\)\)\)$/.exec(toolEntry)?.[1];
      expect(patterns).toBeDefined();
      const result = await client.query({
        query: `SELECT arrayMin(multiMatchAllIndices(lower(name), ${patterns})) AS entry FROM (SELECT arrayJoin({names: Array(String)}) AS name)`,
        query_params: { names: NAMES },
        format: 'JSONEachRow',
      });
      expect((await result.json<{ entry: number }>()).map((r) => Number(r.entry))).toEqual(expected);
      // The names exercise most entries, so an entry that matched nothing would not pass unseen.
      expect(new Set(expected).size).toBeGreaterThan(label === 'built-in' ? 10 : 8);
    });
  }
});
