/**
 * Everything `flightrec incident` shows about one session or trace: its timeline as a tree, its
 * external effects, and the detections that fired on it, gathered through the saved queries.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { runDetections, type Finding } from './detections.ts';
import { runSavedQuery, type Row } from './run-query.ts';
import { findSavedQuery } from '../catalogue/saved-queries.ts';

export class NotFoundError extends Error {}

export interface TimelineNode {
  readonly row: Row;
  readonly children: TimelineNode[];
}

export interface IncidentReport {
  /** What the user asked for: a session id or a trace id. */
  readonly subject: string;
  readonly sessionIds: readonly string[];
  readonly traceIds: readonly string[];
  readonly agents: readonly string[];
  readonly startMs: number;
  readonly endMs: number;
  readonly spans: readonly Row[];
  readonly roots: readonly TimelineNode[];
  readonly effects: readonly Row[];
  readonly findings: readonly Finding[];
  /** Truncated when the session has more spans than the timeline query's limit. */
  readonly truncated: boolean;
  /** Every span's attributes by span id, when asked for (the HTML report shows them). */
  readonly attributes?: ReadonlyMap<string, Row>;
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
export const timeMs = (r: Row): number => Number(r.TimeMs);
const key = (trace: unknown, span: unknown): string => `${str(trace)}/${str(span)}`;

/** Parent/child tree from the timeline rows; a span whose parent is missing becomes a root. */
export function buildTree(rows: readonly Row[]): TimelineNode[] {
  const nodes = new Map<string, TimelineNode>();
  for (const row of rows) nodes.set(key(row.TraceId, row.SpanId), { row, children: [] });
  const roots: TimelineNode[] = [];
  for (const node of nodes.values()) {
    const parent = str(node.row.ParentSpanId) ? nodes.get(key(node.row.TraceId, node.row.ParentSpanId)) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  // Ties (one millisecond) keep the timeline query's order: it orders by the full timestamp, then a
  // parent before its children and siblings by end (queries/session_timeline.sql).
  const position = new Map(rows.map((r, i) => [r, i]));
  const byTime = (a: TimelineNode, b: TimelineNode): number => timeMs(a.row) - timeMs(b.row) || position.get(a.row)! - position.get(b.row)!;
  const sortAll = (list: TimelineNode[]): void => {
    list.sort(byTime);
    for (const n of list) sortAll(n.children);
  };
  sortAll(roots);
  return roots;
}

/** The most spans an incident loads; a longer session is reported as truncated. */
export const TIMELINE_LIMIT = 20_000;

/** The one-line answer to an id that is not in the store, with the ids that look like it. */
async function notFound(client: ClickHouseClient, subject: string): Promise<NotFoundError> {
  const near = (await runSavedQuery(client, findSavedQuery('similar_sessions'), { session: subject })).map((r) => str(r.SessionId));
  const hint = near.length ? `did you mean ${near.join(' or ')}? ` : '';
  return new NotFoundError(`no session or trace ${JSON.stringify(subject)} in the store; ${hint}\`flightrec incidents\` lists sessions with findings, \`flightrec query recent_sessions\` every session`);
}

export async function loadIncident(client: ClickHouseClient, subject: string, opts: { attributes?: boolean } = {}): Promise<IncidentReport> {
  const iso = { isoTimes: true };
  const spans = await runSavedQuery(client, findSavedQuery('session_timeline'), { session: subject, limit: String(TIMELINE_LIMIT) }, iso);
  if (spans.length === 0) throw await notFound(client, subject);
  const sessionIds = [...new Set(spans.map((r) => str(r.SessionId)))];
  const traceIds = [...new Set(spans.map((r) => str(r.TraceId)))];
  const agents = [...new Set(spans.map((r) => str(r.Agent)).filter(Boolean))];
  const startMs = Math.min(...spans.map(timeMs));
  const endMs = Math.max(...spans.map((r) => timeMs(r) + Number(r.DurationMs ?? 0)));
  const effects = await runSavedQuery(client, findSavedQuery('session_effects'), { session: subject }, iso);
  // Detections over the session's own time span (a second either side), kept to this session's rows.
  const all = await runDetections(client, { from: new Date(startMs - 1000), to: new Date(endMs + 1000) });
  const findings = all.filter((f) => sessionIds.includes(f.sessionId) || traceIds.includes(f.traceId));
  const attributes = opts.attributes
    ? new Map((await runSavedQuery(client, findSavedQuery('span_attributes'), { session: subject, limit: String(TIMELINE_LIMIT) }, iso)).map((r) => [str(r.SpanId), r]))
    : undefined;
  return { subject, sessionIds, traceIds, agents, startMs, endMs, spans, roots: buildTree(spans), effects, findings, truncated: spans.length >= TIMELINE_LIMIT, attributes };
}

/** Detections that name a span as evidence, by span id. */
export function findingsBySpan(findings: readonly Finding[]): Map<string, Finding[]> {
  const out = new Map<string, Finding[]>();
  for (const f of findings) {
    for (const id of f.evidenceSpanIds) out.set(id, [...(out.get(id) ?? []), f]);
  }
  return out;
}
