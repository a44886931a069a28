/**
 * The export's SELECT over `flightrec_spans`, with every filter as a bound `{name:Type}` parameter
 * (ClickHouse substitutes them; values never enter the SQL text).
 *
 * Rows are read in pages: neither chdb's in-process connection nor the embedded HTTP interface
 * streams a result from the engine, so one unbounded SELECT would be held whole by whoever runs
 * it. A first, cheap query reads only the sort keys and returns the key of every N-th row; each
 * page is then the key range between two boundaries, in (Timestamp, TraceId, SpanId) order (sorted
 * by the store: sorting in the exporter saved store CPU but made it hold a whole page, and its peak
 * memory then grew with the export — docs/audit.md). Pages are independent, so the next one is fetched while the current one is
 * written, and rows with the same key (a span stored twice) always fall in the same page.
 *
 * The SQL is built here rather than saved in queries/ because its WHERE clause depends on which
 * filters are given and on the page range.
 */
import { Tables } from '../storage/tables.ts';
import type { ContentMode } from './audit-record.ts';
import { HASHED_ATTRIBUTES_SQL } from './content-sql.ts';

export interface ExportFilters {
  /** Inclusive lower bound, ClickHouse DateTime64 text in UTC ("YYYY-MM-DD hh:mm:ss.fffffffff"). */
  from?: string;
  /** Exclusive upper bound, same format. */
  to: string;
  session?: string;
  agent?: string;
  record?: string[];
  effect?: string[];
  risk?: string[];
}

/** A row's sort key; `time` is `toString(Timestamp, 'UTC')`. */
export type SortKey = readonly [time: string, traceId: string, spanId: string];

/** Columns of an export row, in the order JSONCompactEachRow returns them. */
export const EXPORT_COLUMNS = [
  'Time', 'SessionId', 'TraceId', 'SpanId', 'ParentSpanId', 'SpanName', 'SpanKind', 'ServiceName',
  'Record', 'Step', 'Operation', 'Agent', 'Actor', 'Channel', 'Tool', 'Model', 'Effect', 'TargetSystem', 'TargetResource', 'Risk', 'Reversible',
  'IdempotencyKey', 'Verdict', 'PolicyRule', 'ApprovalStatus', 'Approver', 'Outcome', 'IsError', 'ErrorType', 'StatusCode', 'StatusMessage',
  'Duration', 'ContentSha256', 'ArgumentsSha256', 'SpanAttributes',
] as const;

const SELECT_LIST = EXPORT_COLUMNS.map((c) => (c === 'Time' ? "toString(Timestamp, 'UTC') AS Time" : c)).join(', ');

/**
 * The columns of an export row as this content policy selects them: with `hashes` the store puts
 * the keyed hashes in place of content values (content-sql.ts; needs its parameters), so the
 * content never reaches this process.
 */
export function exportSelectList(content: ContentMode): string {
  if (content !== 'hashes') return SELECT_LIST;
  return EXPORT_COLUMNS.map((c) => (c === 'Time' ? "toString(Timestamp, 'UTC') AS Time" : c === 'SpanAttributes' ? `${HASHED_ATTRIBUTES_SQL} AS HashedAttributes` : c)).join(', ');
}

export interface BuiltQuery {
  sql: string;
  params: Record<string, string | string[] | number>;
}

function conditions(f: ExportFilters): { where: string[]; params: Record<string, string | string[] | number> } {
  const where: string[] = [];
  const params: Record<string, string | string[] | number> = {};
  if (f.from !== undefined) {
    where.push("Timestamp >= {from:DateTime64(9, 'UTC')}");
    params.from = f.from;
  }
  where.push("Timestamp < {to:DateTime64(9, 'UTC')}");
  params.to = f.to;
  if (f.session !== undefined) {
    where.push('SessionId = {session:String}');
    params.session = f.session;
  }
  if (f.agent !== undefined) {
    where.push('Agent = {agent:String}');
    params.agent = f.agent;
  }
  for (const [name, column] of [['record', 'Record'], ['effect', 'Effect'], ['risk', 'Risk']] as const) {
    const values = f[name];
    if (values && values.length > 0) {
      where.push(`${column} IN {${name}:Array(String)}`);
      params[name] = values;
    }
  }
  return { where, params };
}

const KEY = '(Timestamp, TraceId, SpanId)';
const ORDER = 'ORDER BY Timestamp, TraceId, SpanId';

/** The query an auditor can re-run to get the same rows in the same order. */
export function baseQuery(f: ExportFilters): BuiltQuery {
  const { where, params } = conditions(f);
  return { sql: `SELECT ${SELECT_LIST}\nFROM ${Tables.spans}\nWHERE ${where.join('\n  AND ')}\n${ORDER}`, params };
}

/** How many rows the selection holds now (reconcile.ts: late-arriving spans). */
export function countQuery(f: ExportFilters): BuiltQuery {
  const { where, params } = conditions(f);
  return { sql: `SELECT count() AS n FROM ${Tables.spans}\nWHERE ${where.join('\n  AND ')}`, params };
}

/** The filters a manifest's bound parameters stand for (the inverse of conditions()). */
export function filtersFromParams(p: Record<string, string | string[] | number>): ExportFilters {
  const str = (k: string): string | undefined => (typeof p[k] === 'string' ? (p[k] as string) : undefined);
  const list = (k: string): string[] | undefined => (Array.isArray(p[k]) ? (p[k] as string[]) : undefined);
  return { from: str('from'), to: str('to')!, session: str('session'), agent: str('agent'), record: list('record'), effect: list('effect'), risk: list('risk') };
}

/** Sort keys of rows 1, N+1, 2N+1, … of the selection: the first key of each page. */
export function boundariesQuery(f: ExportFilters, pageSize: number): BuiltQuery {
  const { where, params } = conditions(f);
  return {
    sql: `SELECT toString(Timestamp, 'UTC') AS t, TraceId, SpanId FROM (
  SELECT Timestamp, TraceId, SpanId, row_number() OVER (${ORDER}) AS rn
  FROM ${Tables.spans}
  WHERE ${where.join('\n    AND ')}
)
WHERE (rn - 1) % {page_size:UInt64} = 0
${ORDER}`,
    params: { ...params, page_size: pageSize },
  };
}

/**
 * Rows with sort key in [start, end) — end null for the last page; `select` replaces the column
 * list; `thenBy` (an output column) orders rows of equal key, which the key order leaves open.
 */
export function pageQuery(f: ExportFilters, start: SortKey, end: SortKey | null, select: string = SELECT_LIST, thenBy?: string): BuiltQuery {
  const { where, params } = conditions(f);
  // The plain Timestamp bounds follow from the key bounds; they are here because the store tests a
  // condition on Timestamp alone first (PREWHERE) and then reads TraceId and SpanId only for the
  // rows near this page's time range, where the key tuple alone read them for the whole selection
  // on every page (docs/audit.md has the figures).
  where.push("Timestamp >= {p_time:DateTime64(9, 'UTC')}");
  where.push(`${KEY} >= ({p_time:DateTime64(9, 'UTC')}, {p_trace:String}, {p_span:String})`);
  [params.p_time, params.p_trace, params.p_span] = start;
  if (end) {
    where.push("Timestamp <= {q_time:DateTime64(9, 'UTC')}");
    where.push(`${KEY} < ({q_time:DateTime64(9, 'UTC')}, {q_trace:String}, {q_span:String})`);
    [params.q_time, params.q_trace, params.q_span] = end;
  }
  return { sql: `SELECT ${select}\nFROM ${Tables.spans}\nWHERE ${where.join('\n  AND ')}\n${ORDER}${thenBy ? `, ${thenBy}` : ''}`, params };
}
