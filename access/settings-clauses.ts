/**
 * SETTINGS clauses a reader may write: only limits, and only lowered. Under `readonly = 1` the
 * engine refuses a SETTINGS clause on the outer query but applies one on a sub-query, where
 * `max_execution_time = 0` would lift the limit; Grafana's schema browser sends
 * `… FROM (SELECT DISTINCT c FROM t SETTINGS max_execution_time=10)`. So a clause passes when each
 * of its settings is named here with a whole-number value from 1 to its ceiling.
 *
 * The engine's parse tree shows a clause only as a bare `Set` node, so the names and values are
 * read from the engine's canonical text of the statement (the text that runs), where every clause
 * is one line `SETTINGS a = 1, b = 2` and a string literal cannot span lines. Each clause line must
 * match that shape exactly, and their number must equal the tree's `Set` nodes: anything else is
 * refused.
 */
import { AccessRefused } from './access-refused.ts';
import type { QueryLimits } from './query-limits.ts';

/** Setting name → the largest value a reader may give it. */
export type SettingCeilings = ReadonlyMap<string, number>;

/** Largest block a reader may ask for (the engine's default is 65,409 rows). */
const MAX_BLOCK_SIZE = 65_536;

export function settingCeilings(limits: QueryLimits): SettingCeilings {
  return new Map([
    ['max_execution_time', limits.maxExecutionSeconds],
    ['max_memory_usage', limits.maxMemoryBytes],
    ['max_result_rows', limits.maxResultRows],
    ['max_result_bytes', limits.maxResultBytes],
    ['max_threads', limits.maxThreads],
    ['max_block_size', MAX_BLOCK_SIZE],
  ]);
}

const CLAUSE_LINE = /^\s*SETTINGS\b/;
const CLAUSE = /^\s*SETTINGS ([a-z_]+ = \d{1,19}(?:, [a-z_]+ = \d{1,19})*)$/;

/** Throws AccessRefused unless every SETTINGS clause of `statement` (the engine's text) only lowers a limit. */
export function checkSettingsClauses(statement: string, clauses: number, ceilings: SettingCeilings | undefined): void {
  if (clauses === 0) return;
  const refuse = (why: string): never => {
    throw new AccessRefused(`Cannot modify settings in readonly mode: ${why}; a SETTINGS clause may only lower ${[...(ceilings?.keys() ?? [])].join(', ')}`, 164);
  };
  if (!ceilings) refuse('SETTINGS clauses are not allowed');
  const lines = statement.split('\n').filter((l) => CLAUSE_LINE.test(l));
  if (lines.length !== clauses) refuse('a SETTINGS clause could not be read');
  for (const line of lines) {
    const m = CLAUSE.exec(line);
    if (!m) refuse('a SETTINGS clause could not be read');
    for (const pair of m![1]!.split(', ')) {
      const [name, value] = pair.split(' = ') as [string, string];
      const ceiling = ceilings!.get(name);
      if (ceiling === undefined) refuse(`setting ${name} is not allowed`);
      const n = Number(value);
      if (!(n >= 1 && n <= ceiling!)) refuse(`${name} = ${value} is outside 1..${ceiling}`);
    }
  }
}
