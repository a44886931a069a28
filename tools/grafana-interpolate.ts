/**
 * What Grafana and grafana-clickhouse-datasource do to a panel's SQL before ClickHouse sees it,
 * reimplemented for the tests and bench/grafana-dashboards.ts (Grafana cannot run here). Two steps, in the plugin's order:
 *
 * 1. Frontend (CHDatasource.applyTemplateVariables): Grafana's template service replaces `$var`,
 *    `${var}`, `${var:format}` and `[[var]]`, with the plugin's own formatter when no format is
 *    given (arrays → `'a','b'`, a single value raw). Unknown names are left as they are.
 * 2. Backend (pkg/macros/macros.go on grafana/macropro): `$__macro` and `$__macro(args)`, outside
 *    string literals and comments, with the exact output of the Go functions. Unknown macros are
 *    left unchanged. Alert rules get only this step.
 *
 * Written by hand because neither Grafana's template service nor the plugin's Go macro engine is
 * available as a library that runs here; the Go format strings are copied one for one (see
 * /work/research/grafana.md and docs/grafana.md for the source lines).
 */

export interface VariableState {
  /** The selected value; `$__all` when "All" is selected. */
  readonly value: string | readonly string[];
  readonly allValue?: string;
  /** Option values, used for "All" when no allValue is set. */
  readonly options?: readonly string[];
}

export class UnsupportedSyntax extends Error {}

/** Grafana's `encodeURIComponentStrict` (percentencode format). */
export function encodeURIComponentStrict(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function formatValue(value: string | readonly string[], format: string | undefined): string {
  const list = typeof value === 'string' ? null : value;
  switch (format) {
    case undefined: // the ClickHouse plugin's format(): arrays quoted and joined, single values raw
      return list ? `'${list.join("','")}'` : (value as string);
    case 'raw':
      return list ? list.join(',') : (value as string);
    case 'percentencode':
      return encodeURIComponentStrict(list ? `{${list.join(',')}}` : (value as string));
    case 'singlequote': {
      const q = (v: string): string => `'${v.replace(/'/g, "\\'")}'`;
      return list ? list.map(q).join(',') : q(value as string);
    }
    default:
      throw new UnsupportedSyntax(`template format ${format} is not implemented in the test expander`);
  }
}

// Grafana's variableRegex (public/app/features/variables/utils.ts).
const VARIABLE_REGEX = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

/** Step 1: template variables, as Grafana's templateSrv.replace with the plugin's formatter. */
export function interpolateVariables(sql: string, vars: Readonly<Record<string, VariableState>>): string {
  if (sql.includes('$__conditionalAll') || sql.includes('$__adHocFilters')) {
    throw new UnsupportedSyntax('$__conditionalAll / $__adHocFilters are not used by flightrec and not implemented here');
  }
  return sql.replace(VARIABLE_REGEX, (match, var1?: string, var2?: string, fmt2?: string, var3?: string, fieldPath?: string, fmt3?: string) => {
    const name = var1 ?? var2 ?? var3!;
    const v = vars[name];
    if (!v) return match;
    if (fieldPath) throw new UnsupportedSyntax(`\${${name}.${fieldPath}} is not implemented`);
    const format = fmt2 ?? fmt3;
    if (v.value === '$__all') {
      if (v.allValue !== undefined && v.allValue !== '') {
        // A custom "All" value skips formatting, except for the URL formats (CustomAllValue in scenes).
        return format === 'percentencode' ? encodeURIComponentStrict(v.allValue) : v.allValue;
      }
      return formatValue(v.options ?? [], format);
    }
    return formatValue(v.value, format);
  });
}

export interface MacroContext {
  readonly from: Date;
  readonly to: Date;
  /** The query interval Grafana computes from the panel width and time range. */
  readonly intervalMs: number;
}

const unix = (d: Date): number => Math.floor(d.getTime() / 1000);
const toDate = (d: Date): string => `toDate('${d.toISOString().slice(0, 10)}')`;
const toDateTime = (d: Date): string => `toDateTime(${unix(d)})`;
const toDateTime64 = (d: Date): string => `fromUnixTimestamp64Milli(${d.getTime()})`;
const intervalSeconds = (c: MacroContext): number => Math.trunc(Math.max(c.intervalMs / 1000, 1));

function arity(name: string, args: readonly string[], n: number): void {
  if (args.length !== n) throw new Error(`$__${name} expected ${n} argument(s), received ${args.length}`);
}

const GO_DURATION = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/;
const DURATION_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** The ClickHouse plugin's macro table (ClickHouseMacros), function for function. */
const MACROS: Record<string, (c: MacroContext, args: string[]) => string> = {
  fromTime: (c) => toDateTime(c.from),
  toTime: (c) => toDateTime(c.to),
  fromTime_ms: (c) => toDateTime64(c.from),
  toTime_ms: (c) => toDateTime64(c.to),
  timeFilter: (c, a) => (arity('timeFilter', a, 1), `${a[0]} >= ${toDateTime(c.from)} AND ${a[0]} <= ${toDateTime(c.to)}`),
  timeFilter_ms: (c, a) => (arity('timeFilter_ms', a, 1), `${a[0]} >= ${toDateTime64(c.from)} AND ${a[0]} <= ${toDateTime64(c.to)}`),
  dateFilter: (c, a) => (arity('dateFilter', a, 1), `${a[0]} >= ${toDate(c.from)} AND ${a[0]} <= ${toDate(c.to)}`),
  dateTimeFilter: (c, a) => (arity('dateTimeFilter', a, 2),
    `(${a[0]} >= ${toDate(c.from)} AND ${a[0]} <= ${toDate(c.to)}) AND (${a[1]} >= ${toDateTime(c.from)} AND ${a[1]} <= ${toDateTime(c.to)})`),
  timeFrom: (c, a) => (arity('timeFrom', a, 1), `${a[0]} >= ${toDateTime(c.from)}`),
  timeTo: (c, a) => (arity('timeTo', a, 1), `${a[0]} <= ${toDateTime(c.to)}`),
  timeInterval: (c, a) => (arity('timeInterval', a, 1), `toStartOfInterval(toDateTime(${a[0]}), INTERVAL ${intervalSeconds(c)} second)`),
  timeInterval_ms: (c, a) => (arity('timeInterval_ms', a, 1), `toStartOfInterval(toDateTime64(${a[0]}, 3), INTERVAL ${Math.trunc(Math.max(c.intervalMs, 1))} millisecond)`),
  interval_s: (c) => String(intervalSeconds(c)),
  interval_ms: (c) => String(Math.trunc(c.intervalMs)),
  timeGroup: (_c, a) => {
    arity('timeGroup', a, 2);
    const period = a[1]!.trim().replace(/^['"]+|['"]+$/g, '');
    const m = GO_DURATION.exec(period);
    if (!m) throw new Error(`$__timeGroup: invalid interval "${period}"`);
    const secs = Math.round(Number(m[1]) * DURATION_SECONDS[m[2]!]!);
    if (secs <= 0) throw new Error(`$__timeGroup: interval must be positive, got "${period}"`);
    return `toStartOfInterval(toDateTime(${a[0]!.trim()}), INTERVAL ${secs} second)`;
  },
};
MACROS.dt = MACROS.dateTimeFilter!;

/** Index just past a quoted literal or comment starting at i, or -1 when none starts there. */
function skipLiteral(sql: string, i: number): number {
  const c = sql[i];
  if (c === "'" || c === '"' || c === '`') {
    let j = i + 1;
    while (j < sql.length) {
      if (sql[j] === '\\') j += 2;
      else if (sql[j] === c) return j + 1;
      else j++;
    }
    return sql.length;
  }
  if (c === '-' && sql[i + 1] === '-') {
    const end = sql.indexOf('\n', i);
    return end === -1 ? sql.length : end;
  }
  if (c === '/' && sql[i + 1] === '*') {
    const end = sql.indexOf('*/', i + 2);
    return end === -1 ? sql.length : end + 2;
  }
  return -1;
}

/** Top-level comma-separated arguments between the parenthesis at `open` and its match. */
function readArgs(sql: string, open: number): { args: string[]; end: number } {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < sql.length; i++) {
    const skip = skipLiteral(sql, i);
    if (skip !== -1) {
      i = skip - 1;
      continue;
    }
    const c = sql[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) {
        args.push(sql.slice(start, i));
        return { args: args.map((a) => a.trim()).filter((a, k, all) => !(all.length === 1 && a === '')), end: i + 1 };
      }
    } else if (c === ',' && depth === 1) {
      args.push(sql.slice(start, i));
      start = i + 1;
    }
  }
  throw new Error(`unbalanced parentheses after ${sql.slice(open - 20, open + 1)}`);
}

/** Step 2: the plugin's backend macros. */
export function expandMacros(sql: string, c: MacroContext): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const skip = skipLiteral(sql, i);
    if (skip !== -1) {
      out += sql.slice(i, skip);
      i = skip;
      continue;
    }
    const m = /^\$__(\w+)/.exec(sql.slice(i, i + 64));
    const fn = m ? MACROS[m[1]!] : undefined;
    if (!m || !fn) {
      out += sql[i];
      i++;
      continue;
    }
    let end = i + m[0].length;
    let args: string[] = [];
    if (sql[end] === '(') {
      const r = readArgs(sql, end);
      args = r.args.map((a) => expandMacros(a, c)); // nested macros in arguments (plugin 4.20.0)
      end = r.end;
    }
    out += fn(c, args);
    i = end;
  }
  return out;
}

/** Both steps, as a dashboard panel's query goes through them. */
export function grafanaQuerySql(sql: string, vars: Readonly<Record<string, VariableState>>, c: MacroContext): string {
  return expandMacros(interpolateVariables(sql, vars), c);
}
