/**
 * The saved-query catalogue: `.sql` files in queries/ with a comment header naming the query,
 * describing it, and declaring its typed parameters; `-- include: <name>` places a shared fragment
 * from queries/fragments/ (query-fragments.ts). Parameters are bound by ClickHouse
 * (`{name:Type}`), never spliced into the SQL text. The one reader of queries/ for the CLI, the
 * incident review and the Grafana generator; the bundled directory is read once per process.
 *
 *   -- name: session_timeline
 *   -- description: …
 *   -- param: session String — the session id
 *   -- param: limit UInt32 = 5000 — the most rows
 *   -- panel: table
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { packageRootOf } from '../package/package-root.ts';
import { expandIncludes, FragmentError } from './query-fragments.ts';
import { closestNames } from './closest-names.ts';

export const QUERIES_DIR = join(packageRootOf(import.meta.url), 'queries');

export type PanelKind = 'table' | 'timeseries' | 'stat' | 'traces' | 'barchart' | 'piechart' | 'logs';
const PANELS: readonly PanelKind[] = ['table', 'timeseries', 'stat', 'traces', 'barchart', 'piechart', 'logs'];

export interface QueryParam {
  readonly name: string;
  /** A ClickHouse type, e.g. String, UInt32, DateTime64(3), Array(String). */
  readonly type: string;
  readonly default?: string;
  readonly description: string;
}

export interface SavedQuery {
  readonly name: string;
  readonly description: string;
  readonly params: readonly QueryParam[];
  readonly panel: PanelKind;
  /** Further header fields (e.g. `detection: true`, `severity: high`), kept for tools that want them. */
  readonly meta: Readonly<Record<string, string>>;
  readonly sql: string;
  readonly file: string;
}

export class QueryDefinitionError extends Error {}
export class QueryParamError extends Error {}

const PARAM_LINE = /^(\w+)\s+([A-Za-z0-9_(), ]+?)(?:\s*=\s*(\S+))?\s*(?:—|--|-)\s*(.+)$/;

export function parseSavedQuery(source: string, file: string): SavedQuery {
  let text: string;
  try {
    text = expandIncludes(source, file);
  } catch (err) {
    if (err instanceof FragmentError) throw new QueryDefinitionError(err.message);
    throw err;
  }
  const header: string[] = [];
  const body: string[] = [];
  let inHeader = true;
  for (const line of text.split('\n')) {
    if (inHeader && line.startsWith('--')) header.push(line.replace(/^--\s?/, ''));
    else {
      inHeader = false;
      body.push(line);
    }
  }
  const meta: Record<string, string> = {};
  const params: QueryParam[] = [];
  for (const h of header) {
    const m = /^(\w[\w-]*):\s*(.*)$/.exec(h);
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'param') {
      const p = PARAM_LINE.exec(value.trim());
      if (!p) throw new QueryDefinitionError(`${file}: cannot read parameter line ${JSON.stringify(value)}; write "name Type [= default] — description"`);
      if (params.some((x) => x.name === p[1])) throw new QueryDefinitionError(`${file}: parameter ${p[1]} is declared twice (by the query and an included fragment?)`);
      params.push({ name: p[1]!, type: p[2]!.trim(), default: p[3], description: p[4]!.trim() });
    } else meta[key] = value.trim();
  }
  const name = meta.name;
  if (!name) throw new QueryDefinitionError(`${file}: header has no "-- name:" line`);
  if (name !== basename(file, '.sql')) throw new QueryDefinitionError(`${file}: name ${name} does not match the file name`);
  const panel = (meta.panel ?? 'table') as PanelKind;
  if (!PANELS.includes(panel)) throw new QueryDefinitionError(`${file}: unknown panel ${panel}`);
  const sql = body.join('\n').trim();
  const used = new Map<string, string>();
  for (const m of sql.matchAll(/\{(\w+):([^}]+)\}/g)) used.set(m[1]!, m[2]!.trim());
  for (const p of params) {
    const t = used.get(p.name);
    if (t === undefined) throw new QueryDefinitionError(`${file}: parameter ${p.name} is declared but not used`);
    if (t !== p.type) throw new QueryDefinitionError(`${file}: parameter ${p.name} is declared ${p.type} but used as ${t}`);
  }
  for (const u of used.keys()) {
    if (!params.some((p) => p.name === u)) throw new QueryDefinitionError(`${file}: {${u}:…} is used but not declared`);
  }
  const { name: _n, description = '', panel: _p, ...rest } = meta;
  return { name, description, params, panel, meta: rest, sql, file };
}

function readDirectory(dir: string): readonly SavedQuery[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => parseSavedQuery(readFileSync(join(dir, f), 'utf8'), join(dir, f)));
}

let bundled: readonly SavedQuery[] | undefined;

/** Every saved query, by name. The bundled queries/ is read on first use only; another `dir` is read each call. */
export function loadSavedQueries(dir: string = QUERIES_DIR): readonly SavedQuery[] {
  if (dir !== QUERIES_DIR) return readDirectory(dir);
  bundled ??= readDirectory(QUERIES_DIR);
  return bundled;
}

/** Dashboard plumbing (Grafana panels and variables, pipeline health), as opposed to the questions a responder asks. */
export function isDashboardPlumbing(q: SavedQuery): boolean {
  return q.name.startsWith('grafana_') || q.name.startsWith('health_');
}

export function findSavedQuery(name: string, dir: string = QUERIES_DIR): SavedQuery {
  const all = loadSavedQueries(dir);
  const q = all.find((x) => x.name === name);
  if (q) return q;
  const near = closestNames(name, all.map((x) => x.name));
  throw new QueryParamError(`unknown query ${JSON.stringify(name)}${near.length ? `; did you mean ${near.join(' or ')}?` : ''} \`flightrec queries\` lists them`);
}

