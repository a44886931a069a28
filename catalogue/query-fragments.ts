/**
 * Shared pieces of saved queries: `queries/fragments/<name>.sql`, written once and placed into a
 * saved query by an `-- include: <name>` line. In the query's body the line is replaced by the
 * fragment's SQL, indented as the line was (the fragment's own nesting kept); in the query's header it is replaced by the
 * fragment's `-- param:` declarations, so parameters keep the order the header gives them (a
 * fragment included only in the body has its parameters appended). The expanded text is then an
 * ordinary saved query: the CLI, the detections and the Grafana generator all see the same SQL.
 *
 *   -- fragment: overview_filters
 *   -- description: …
 *   -- param: service String = * — …
 *     AND ({service:String} = '*' OR ServiceName = {service:String})
 *
 * A query may include a fragment more than once (the same filters on two reads of a table); its
 * parameters are declared once. Fragments do not include other fragments. `-- include: <name>,`
 * places the fragment with a comma after it: one item of a WITH list that goes on.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const FRAGMENTS_DIR = 'fragments';

export class FragmentError extends Error {}

/** `-- include: name`, or `-- include: name,` for a fragment that is one item of a list (a WITH list) with more after it. */
const INCLUDE = /^\s*--\s?include:\s*([^\s,]+)(,?)\s*$/;

interface Fragment {
  readonly params: string[];
  readonly body: string[];
}

function splitHeader(text: string): { header: string[]; body: string[] } {
  const header: string[] = [];
  const body: string[] = [];
  for (const line of text.split('\n')) {
    if (body.length === 0 && line.startsWith('--')) header.push(line);
    else body.push(line);
  }
  return { header, body };
}

function loadFragment(name: string, queryFile: string): Fragment {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new FragmentError(`${queryFile}: include ${JSON.stringify(name)} is not a fragment name (lower case, digits, _)`);
  const file = join(dirname(queryFile), FRAGMENTS_DIR, `${name}.sql`);
  if (!existsSync(file)) throw new FragmentError(`${queryFile}: includes ${name}, but there is no ${FRAGMENTS_DIR}/${name}.sql`);
  const { header, body } = splitHeader(readFileSync(file, 'utf8'));
  if (!header.some((h) => h === `-- fragment: ${name}`)) throw new FragmentError(`${file}: header has no "-- fragment: ${name}" line`);
  if (body.some((l) => INCLUDE.test(l)) || header.some((h) => INCLUDE.test(h))) throw new FragmentError(`${file}: a fragment cannot include another`);
  while (body.length > 0 && body[body.length - 1]!.trim() === '') body.pop();
  if (body.length === 0) throw new FragmentError(`${file}: the fragment has no SQL`);
  return { params: header.filter((h) => /^--\s?param:/.test(h)), body };
}

/** Lines moved to `indent`, keeping their indentation relative to the least indented line. */
function indented(lines: readonly string[], indent: string): string[] {
  const depth = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^\s*/.exec(l)![0].length));
  return lines.map((l) => (l.trim() === '' ? l : indent + l.slice(depth)));
}

/** The saved query's text with every `-- include:` expanded; text without includes is returned as is. */
export function expandIncludes(text: string, file: string): string {
  if (!text.split('\n').some((l) => INCLUDE.test(l))) return text;
  const { header, body } = splitHeader(text);
  const fragments = new Map<string, Fragment>();
  const fragment = (name: string): Fragment => {
    let f = fragments.get(name);
    if (!f) fragments.set(name, (f = loadFragment(name, file)));
    return f;
  };
  const bodyOut: string[] = [];
  const placed: string[] = [];
  for (const line of body) {
    const m = INCLUDE.exec(line);
    if (!m) bodyOut.push(line);
    else {
      if (!placed.includes(m[1]!)) placed.push(m[1]!);
      const lines = indented(fragment(m[1]!).body, /^\s*/.exec(line)![0]);
      if (m[2]) lines[lines.length - 1] += ',';
      bodyOut.push(...lines);
    }
  }
  const headerOut: string[] = [];
  const declared: string[] = [];
  for (const line of header) {
    const m = INCLUDE.exec(line);
    if (!m) headerOut.push(line);
    else if (!placed.includes(m[1]!)) throw new FragmentError(`${file}: the header names ${m[1]}, but the SQL does not include it`);
    else {
      declared.push(m[1]!);
      headerOut.push(...fragment(m[1]!).params);
    }
  }
  for (const name of placed) if (!declared.includes(name)) headerOut.push(...fragment(name).params);
  return [...headerOut, ...bodyOut].join('\n');
}
