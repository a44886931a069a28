/**
 * Saved queries: `.sql` files in queries/ with a comment header naming the query, describing it,
 * and declaring its typed parameters; `-- include: <name>` places a shared fragment from
 * queries/fragments/ (review/query-fragments.ts). Parameters are bound by ClickHouse (`{name:Type}`), never
 * spliced into the SQL text.
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

export function loadSavedQueries(dir: string = QUERIES_DIR): SavedQuery[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => parseSavedQuery(readFileSync(join(dir, f), 'utf8'), join(dir, f)));
}

export function findSavedQuery(name: string, dir: string = QUERIES_DIR): SavedQuery {
  const all = loadSavedQueries(dir);
  const q = all.find((x) => x.name === name);
  if (!q) throw new QueryParamError(`unknown query ${JSON.stringify(name)}; known: ${all.map((x) => x.name).join(', ')}`);
  return q;
}

const INT_RANGES: Record<string, [bigint, bigint]> = {
  UInt8: [0n, 255n], UInt16: [0n, 65535n], UInt32: [0n, 4294967295n], UInt64: [0n, 18446744073709551615n],
  Int8: [-128n, 127n], Int16: [-32768n, 32767n], Int32: [-2147483648n, 2147483647n], Int64: [-9223372036854775808n, 9223372036854775807n],
};

/** Check a CLI value against its declared type before it reaches the server, for a clear message. */
export function checkParamValue(p: QueryParam, value: string): void {
  const fail = (why: string): never => {
    throw new QueryParamError(`parameter ${p.name} must be ${p.type}: ${why} (got ${JSON.stringify(value)})`);
  };
  const range = INT_RANGES[p.type];
  if (range) {
    if (!/^-?\d+$/.test(value)) fail('not a whole number');
    const n = BigInt(value);
    if (n < range[0] || n > range[1]) fail(`out of range ${range[0]}..${range[1]}`);
  } else if (/^Float(32|64)$/.test(p.type)) {
    if (value.trim() === '' || !Number.isFinite(Number(value))) fail('not a number');
  } else if (/^DateTime/.test(p.type)) {
    if (!/^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(value) && !/^\d+(\.\d+)?$/.test(value)) fail('not a date-time (YYYY-MM-DD hh:mm:ss or Unix seconds)');
  }
}

/** Merge defaults, reject unknown and missing parameters, and type-check what remains. */
export function bindParams(q: SavedQuery, given: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(given)) {
    if (!q.params.some((p) => p.name === k)) {
      throw new QueryParamError(`query ${q.name} has no parameter ${k}; it takes: ${q.params.map((p) => p.name).join(', ') || 'none'}`);
    }
  }
  for (const p of q.params) {
    const v = given[p.name] ?? p.default;
    if (v === undefined) throw new QueryParamError(`query ${q.name} needs --param ${p.name}=<${p.type}> (${p.description})`);
    checkParamValue(p, v);
    out[p.name] = v;
  }
  return out;
}
