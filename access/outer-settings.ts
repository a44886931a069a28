/**
 * The outer query's SETTINGS clause, lifted out of the statement so that it can be applied as
 * session settings before `readonly = 1` (the engine refuses an outer clause under `readonly = 1`,
 * while ClickHouse applies it to the whole query — the same thing a session setting does).
 *
 * Grafana's ClickHouse plugin sends its ad hoc filter variables this way:
 * `… SETTINGS additional_table_filters={'otel_traces' : 'ServiceName = \'x\''}`. The clause is read
 * from the engine's canonical text (`formatQuery`), where the outer clause is one unindented line,
 * last or next to a last `FORMAT` line; a clause of a sub-query is indented, and one of the first
 * member of a UNION is followed by `UNION`. Values are plain whole numbers or, for
 * `additional_table_filters`, a map of string literals; anything else is refused here, and the
 * caller checks each number against its ceiling and each filter as an expression.
 */
import { AccessRefused } from './access-refused.ts';

export interface OuterSetting {
  readonly name: string;
  /** A whole number as printed, or the map's entries (still as SQL string literals) for a map. */
  readonly value: { readonly number: string } | { readonly map: ReadonlyArray<readonly [string, string]> };
}

export interface LiftedSettings {
  /** The statement without its outer SETTINGS line: what runs. */
  readonly statement: string;
  /** The lifted clause's settings, in order (empty when there was none). */
  readonly settings: readonly OuterSetting[];
}

const CLAUSE_START = /^SETTINGS /;
const FORMAT_LINE = /^FORMAT [A-Za-z][A-Za-z0-9]*$/;
/** One SQL string literal as formatQuery prints it: single quotes, backslash escapes. */
const STRING = String.raw`'(?:[^'\\\n]|\\[^\n])*'`;
const NAME = /^[a-z_][a-z0-9_]*/;

function refuse(why: string): never {
  throw new AccessRefused(`Cannot modify settings in readonly mode: ${why}`, 164);
}

/** Which line of the canonical text is the outer SETTINGS clause, or -1. */
function outerClauseLine(lines: readonly string[]): number {
  const last = lines.length - 1;
  if (last >= 0 && CLAUSE_START.test(lines[last]!)) {
    // `SELECT … FORMAT F SETTINGS …`: the query-level clause printed after FORMAT.
    return last;
  }
  if (last >= 1 && FORMAT_LINE.test(lines[last]!) && CLAUSE_START.test(lines[last - 1]!)) return last - 1;
  return -1;
}

/** Reads `a = 1, additional_table_filters = {'t':'x = 1', …}, …` strictly; refuses anything else. */
export function parseClause(text: string): OuterSetting[] {
  const settings: OuterSetting[] = [];
  let rest = text;
  const entry = new RegExp(String.raw`^(${STRING}):(${STRING})`);
  for (;;) {
    const name = NAME.exec(rest)?.[0];
    if (!name || !rest.startsWith(`${name} = `, 0)) refuse('the outer SETTINGS clause could not be read');
    rest = rest.slice(name.length + 3);
    const number = /^\d{1,19}/.exec(rest)?.[0];
    if (number !== undefined) {
      settings.push({ name, value: { number } });
      rest = rest.slice(number.length);
    } else if (rest.startsWith('{')) {
      rest = rest.slice(1);
      const map: Array<[string, string]> = [];
      while (!rest.startsWith('}')) {
        if (map.length > 0) {
          if (!rest.startsWith(', ')) refuse('the outer SETTINGS clause could not be read');
          rest = rest.slice(2);
        }
        const m = entry.exec(rest);
        if (!m) refuse(`setting ${name} must be a map of strings`);
        map.push([m[1]!, m[2]!]);
        rest = rest.slice(m[0].length);
      }
      settings.push({ name, value: { map } });
      rest = rest.slice(1);
    } else {
      refuse(`setting ${name} must be a whole number`);
    }
    if (rest === '') return settings;
    if (!rest.startsWith(', ')) refuse('the outer SETTINGS clause could not be read');
    rest = rest.slice(2);
  }
}

/** Splits the engine's canonical text of a read into the statement that runs and its outer clause. */
export function liftOuterSettings(canonical: string): LiftedSettings {
  const lines = canonical.split('\n');
  const at = outerClauseLine(lines);
  if (at < 0) return { statement: canonical, settings: [] };
  const settings = parseClause(lines[at]!.slice('SETTINGS '.length));
  return { statement: lines.filter((_, i) => i !== at).join('\n'), settings };
}
