/**
 * Saved-query fragments (catalogue/query-fragments.ts): `-- include:` in the body places the fragment's
 * SQL, in the header its parameter declarations; mistakes are clear definition errors. The Agent
 * overview's filter block is written once (queries/fragments/overview_filters.sql) and every query
 * that includes it gets it verbatim.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSavedQueries, parseSavedQuery, QUERIES_DIR, QueryDefinitionError } from '../catalogue/saved-queries.ts';
import { tempDir } from '../tools/temp-dir.ts';

const dir = tempDir('flightrec-fragments-');
afterAll(() => dir.cleanup());
mkdirSync(join(dir.path, 'fragments'));
const fragment = (name: string, text: string): void => writeFileSync(join(dir.path, 'fragments', `${name}.sql`), text);
fragment('f', '-- fragment: f\n-- description: d\n-- param: who String = * — who\n  AND ({who:String} = \'*\' OR Who = {who:String})\n');
fragment('nested', '-- fragment: nested\n  -- include: f\n');
fragment('misnamed', '-- fragment: other\nSELECT 1\n');
const parse = (text: string) => parseSavedQuery(text, join(dir.path, 'q.sql'));
const HEAD = '-- name: q\n-- description: d\n-- param: n UInt32 = 1 — n\n';

describe('fragments', () => {
  it('places the SQL where the body names it and the parameters where the header names it', () => {
    const q = parse('-- name: q\n-- description: d\n-- include: f\n-- param: n UInt32 = 1 — n\nSELECT 1 FROM t WHERE x = {n:UInt32}\n  -- include: f\nLIMIT 1');
    expect(q.params.map((p) => p.name)).toEqual(['who', 'n']);
    expect(q.sql).toBe("SELECT 1 FROM t WHERE x = {n:UInt32}\n  AND ({who:String} = '*' OR Who = {who:String})\nLIMIT 1");
    expect(q.meta).toEqual({});
  });
  it('moves the fragment to the include line\'s indentation, keeping its own nesting', () => {
    fragment('nest', '-- fragment: nest\n  (a\n    OR b)\n');
    expect(parse(`${HEAD}SELECT {n:UInt32}\nWHERE\n      -- include: nest\nLIMIT 1`).sql).toBe('SELECT {n:UInt32}\nWHERE\n      (a\n        OR b)\nLIMIT 1');
  });
  it('places a fragment included twice both times, its parameters declared once', () => {
    const q = parse(`${HEAD}-- include: f\nSELECT {n:UInt32} FROM a WHERE 1\n  -- include: f\nUNION ALL SELECT 1 FROM b WHERE 1\n  -- include: f`);
    expect(q.params.map((p) => p.name)).toEqual(['n', 'who']);
    expect(q.sql.match(/OR Who = \{who:String\}/g)).toHaveLength(2);
  });
  it('appends the parameters when only the body includes it', () => {
    expect(parse(`${HEAD}SELECT {n:UInt32}\n  -- include: f`).params.map((p) => p.name)).toEqual(['n', 'who']);
  });
  it('refuses unknown, misnamed, nested, unplaced and doubly declared fragments with the file named', () => {
    const cases: [string, RegExp][] = [
      [`${HEAD}SELECT {n:UInt32}\n  -- include: nope`, /includes nope, but there is no fragments\/nope\.sql/],
      [`${HEAD}SELECT {n:UInt32}\n  -- include: ../x`, /is not a fragment name/],
      [`${HEAD}SELECT {n:UInt32}\n  -- include: misnamed`, /no "-- fragment: misnamed" line/],
      [`${HEAD}SELECT {n:UInt32}\n  -- include: nested`, /cannot include another/],
      [`${HEAD}-- include: f\nSELECT {n:UInt32}`, /the header names f, but the SQL does not include it/],
      [`${HEAD}-- param: who String = * — again\nSELECT {n:UInt32}\n  -- include: f`, /parameter who is declared twice/],
    ];
    for (const [text, message] of cases) {
      expect(() => parse(text)).toThrow(QueryDefinitionError);
      expect(() => parse(text)).toThrow(message);
    }
  });
});

describe('the Agent overview filter block', () => {
  const block = readFileSync(join(QUERIES_DIR, 'fragments/overview_filters.sql'), 'utf8').split('\n').filter((l) => !l.startsWith('--')).join('\n').trim();
  const users = loadSavedQueries().filter((q) => q.params.some((p) => p.name === 'channel'));
  it('is written once, and each of its users has it verbatim with the four filter parameters', () => {
    expect(users.map((q) => q.name).sort()).toEqual([
      'grafana_actions_over_time', 'grafana_activity_over_time', 'grafana_denials_and_approvals', 'grafana_overview_totals', 'grafana_tokens_over_time', 'tool_error_rates',
    ]);
    for (const q of users) {
      // Placed at the include line's indentation.
      expect(q.sql.replace(/\s+/g, ' '), q.name).toContain(block.replace(/\s+/g, ' '));
      expect(q.params.map((p) => p.name).slice(0, 6), q.name).toEqual(['from', 'to', 'service', 'agent', 'channel', 'conversation']);
      expect(readFileSync(q.file, 'utf8'), q.name).not.toContain("OR ServiceName = {service:String}");
    }
  });
});

describe("a session's traces", () => {
  it('are found by one fragment: no saved query writes the lookup of a session (or trace) id itself', () => {
    const lookup = /FROM flightrec_session_traces\s+WHERE SessionId = \{session:String\} OR TraceId = \{session:String\}\s+GROUP BY TraceId/;
    const users = loadSavedQueries().filter((q) => lookup.test(q.sql));
    // The scan works: the queries that include the fragment have the lookup once expanded.
    expect(users.map((q) => q.name)).toContain('session_effects');
    for (const q of users) expect(readFileSync(q.file, 'utf8'), q.name).not.toMatch(lookup);
  });
});
