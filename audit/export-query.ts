/**
 * The export's SELECT over `flightrec_spans`, with every filter as a bound `{name:Type}` parameter
 * (ClickHouse substitutes them; values never enter the SQL text).
 *
 * Rows are read in pages by keyset (Timestamp, TraceId, SpanId): neither chdb's in-process
 * connection nor the embedded HTTP interface streams a result from the engine, so one unbounded
 * SELECT would be held whole by whoever runs it. A page of N rows bounds memory everywhere.
 * This SQL is built here rather than saved in queries/ because its WHERE clause depends on which
 * filters are given and on the page cursor.
 */
import { Tables } from '../storage/tables.ts';

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

export interface PageCursor {
  time: string;
  traceId: string;
  spanId: string;
  /** Rows with exactly this (time, trace, span) already written; skipped on the next page. */
  seen: number;
}

const SELECT_LIST = `toString(Timestamp, 'UTC') AS Time, SessionId, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName,
    Record, Step, Operation, Agent, Actor, Channel, Tool, Model, Effect, TargetSystem, TargetResource, Risk, Reversible,
    IdempotencyKey, Verdict, PolicyRule, ApprovalStatus, Approver, Outcome, IsError, ErrorType, StatusCode, StatusMessage,
    Duration, ContentSha256, ArgumentsSha256, SpanAttributes`;

export interface BuiltQuery {
  /** The base query an auditor can re-run (no cursor, no LIMIT). */
  sql: string;
  params: Record<string, string | string[]>;
}

function conditions(f: ExportFilters): { where: string[]; params: Record<string, string | string[]> } {
  const where: string[] = [];
  const params: Record<string, string | string[]> = {};
  if (f.from !== undefined) {
    where.push('Timestamp >= {from:DateTime64(9, \'UTC\')}');
    params.from = f.from;
  }
  where.push('Timestamp < {to:DateTime64(9, \'UTC\')}');
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

const ORDER = 'ORDER BY Timestamp, TraceId, SpanId';

export function baseQuery(f: ExportFilters): BuiltQuery {
  const { where, params } = conditions(f);
  return { sql: `SELECT ${SELECT_LIST}\nFROM ${Tables.spans}\nWHERE ${where.join('\n  AND ')}\n${ORDER}`, params };
}

/** One page: rows at or after the cursor, skipping the `seen` rows equal to it. */
export function pageQuery(f: ExportFilters, cursor: PageCursor | null, pageSize: number): BuiltQuery {
  const { where, params } = conditions(f);
  if (cursor) {
    where.push("(Timestamp, TraceId, SpanId) >= ({c_time:DateTime64(9, 'UTC')}, {c_trace:String}, {c_span:String})");
    params.c_time = cursor.time;
    params.c_trace = cursor.traceId;
    params.c_span = cursor.spanId;
  }
  const limit = pageSize + (cursor?.seen ?? 0);
  return { sql: `SELECT ${SELECT_LIST}\nFROM ${Tables.spans}\nWHERE ${where.join('\n  AND ')}\n${ORDER}\nLIMIT ${limit}`, params };
}
