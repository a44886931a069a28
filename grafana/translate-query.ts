/**
 * Turns a saved query (queries/*.sql, ClickHouse `{name:Type}` parameters) into the SQL a Grafana
 * panel, variable or alert rule sends through the ClickHouse datasource plugin. The saved query
 * stays the one source of truth; only its parameters are rewritten:
 *
 * - `from` / `to` (DateTime64) → the plugin's backend macros `$__fromTime_ms` / `$__toTime_ms`
 *   (`fromUnixTimestamp64Milli(<ms>)`, a DateTime64(3) like the parameter); DateTime → `$__fromTime`.
 * - `interval_seconds` → `$__interval_s` (the panel's bucket width in whole seconds, at least 1).
 * - a parameter named like a dashboard variable → that variable, percent-encoded by Grafana and
 *   decoded by ClickHouse: `decodeURLComponent('${name:percentencode}')`. Grafana's `singlequote`
 *   format escapes `'` but not `\`, so a value such as `x\' OR 1=1 --` would break out of the
 *   string; percent-encoding leaves only `[A-Za-z0-9%._~-]` inside the quotes, so no value can.
 * - any other parameter → its declared default (or an override given here) as a typed literal.
 *
 * Alert rules get only the backend step of the plugin (no template variables), so
 * {@link alertSql} refuses variables.
 */
import type { QueryParam, SavedQuery } from '../catalogue/saved-queries.ts';
import { quoteString } from '../storage/tables.ts';

export class GrafanaQueryError extends Error {}

export type ParamBinding =
  | { readonly kind: 'macro'; readonly macro: string }
  | { readonly kind: 'variable'; readonly variable: string }
  | { readonly kind: 'constant'; readonly value: string };

/** Names with a fixed meaning in every saved query. */
export const TIME_FROM = 'from';
export const TIME_TO = 'to';
export const INTERVAL_SECONDS = 'interval_seconds';

function timeMacro(p: QueryParam): string | null {
  if (p.name !== TIME_FROM && p.name !== TIME_TO) return null;
  if (/^DateTime64\(3\b/.test(p.type)) return p.name === TIME_FROM ? '$__fromTime_ms' : '$__toTime_ms';
  if (/^DateTime\b(?!64)/.test(p.type)) return p.name === TIME_FROM ? '$__fromTime' : '$__toTime';
  throw new GrafanaQueryError(`parameter ${p.name} must be DateTime64(3) or DateTime to map onto the dashboard time range, not ${p.type}`);
}

function typedLiteral(type: string, value: string): string {
  return type === 'String' ? quoteString(value) : `CAST(${quoteString(value)}, ${quoteString(type)})`;
}

function variableExpr(type: string, variable: string): string {
  const decoded = `decodeURLComponent('\${${variable}:percentencode}')`;
  return type === 'String' ? decoded : `CAST(${decoded}, ${quoteString(type)})`;
}

export interface BindingOptions {
  /** Dashboard variables available; a parameter of the same name binds to it. */
  readonly variables?: ReadonlySet<string>;
  /** Fixed values for parameters, in place of their defaults. */
  readonly constants?: Readonly<Record<string, string>>;
}

export function bindParams(q: SavedQuery, opts: BindingOptions = {}): Map<string, ParamBinding> {
  const out = new Map<string, ParamBinding>();
  for (const p of q.params) {
    const macro = timeMacro(p);
    const fixed = opts.constants?.[p.name];
    if (fixed !== undefined) out.set(p.name, { kind: 'constant', value: fixed });
    else if (macro) out.set(p.name, { kind: 'macro', macro });
    else if (p.name === INTERVAL_SECONDS && /^UInt(16|32|64)$/.test(p.type)) out.set(p.name, { kind: 'macro', macro: '$__interval_s' });
    else if (opts.variables?.has(p.name)) out.set(p.name, { kind: 'variable', variable: p.name });
    else if (p.default !== undefined) out.set(p.name, { kind: 'constant', value: p.default });
    else {
      throw new GrafanaQueryError(`${q.name}: parameter ${p.name} (${p.type}) has no default and no dashboard variable of that name`);
    }
  }
  return out;
}

/** The saved query's SQL with each `{name:Type}` replaced by its binding. */
export function renderSql(q: SavedQuery, bindings: ReadonlyMap<string, ParamBinding>): string {
  // Grafana replaces `$word`, `${…}` and `[[…]]` in the whole text; a saved query must not contain
  // them, or Grafana would rewrite SQL the CLI runs unchanged.
  const grafanaSyntax = /\$\w|\$\{|\[\[\s*[A-Za-z_]\w*\s*(:\w+)?\]\]/.exec(q.sql);
  if (grafanaSyntax) throw new GrafanaQueryError(`${q.name}: the SQL contains ${JSON.stringify(grafanaSyntax[0])}, which Grafana would treat as a variable`);
  const typeOf = new Map(q.params.map((p) => [p.name, p.type]));
  return q.sql.replace(/\{(\w+):([^}]+)\}/g, (_m, name: string) => {
    const b = bindings.get(name);
    const type = typeOf.get(name);
    if (!b || !type) throw new GrafanaQueryError(`${q.name}: no binding for {${name}}`);
    if (b.kind === 'macro') return b.macro;
    if (b.kind === 'variable') return variableExpr(type, b.variable);
    return typedLiteral(type, b.value);
  });
}

/** SQL for a dashboard panel or variable query. */
export function panelSql(q: SavedQuery, variables: ReadonlySet<string>): string {
  return renderSql(q, bindParams(q, { variables }));
}

/** SQL for a provisioned alert rule: backend macros only, every other parameter a constant. */
export function alertSql(q: SavedQuery, constants: Readonly<Record<string, string>> = {}): string {
  const sql = renderSql(q, bindParams(q, { constants }));
  if (sql.includes('${')) throw new GrafanaQueryError(`${q.name}: an alert query cannot use dashboard variables`);
  return sql;
}

/** Dashboard variables a saved query needs, given those a dashboard offers. */
export function variablesUsed(q: SavedQuery, variables: ReadonlySet<string>): string[] {
  return [...bindParams(q, { variables }).entries()].filter(([, b]) => b.kind === 'variable').map(([n]) => n);
}
