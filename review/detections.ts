/**
 * Runs every detection (saved queries whose header says `detection: true`) over a time range and
 * merges their rows into one list of findings, the most severe first, then in time order.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { loadSavedQueries, type SavedQuery } from '../catalogue/saved-queries.ts';
import { runSavedQuery, type Row } from './run-query.ts';
import { instantMs } from './time-format.ts';
import { dateTimeParam, type TimeRange } from './time-range.ts';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
  readonly detection: string;
  readonly severity: Severity;
  readonly title: string;
  /** What the detection means, as the end of a sentence about the agent (its `-- summary:` header). */
  readonly summary: string;
  readonly sessionId: string;
  readonly traceId: string;
  /** As the store returned it: ISO 8601 in UTC (the review runs its queries with `isoTimes`). */
  readonly time: string;
  readonly timeMs: number;
  readonly agent: string;
  readonly evidence: string;
  readonly evidenceSpanIds: readonly string[];
  readonly row: Row;
}

export function detectionQueries(all: readonly SavedQuery[] = loadSavedQueries()): SavedQuery[] {
  return all.filter((q) => q.meta.detection === 'true');
}

export function severityOf(q: SavedQuery): Severity {
  const s = q.meta.severity as Severity | undefined;
  return s && SEVERITIES.includes(s) ? s : 'medium';
}

/** `detect_toxic_flow` → `toxic flow`. */
export function detectionTitle(name: string): string {
  return name.replace(/^detect_/, '').replace(/_/g, ' ');
}

export function findingsFrom(q: SavedQuery, rows: readonly Row[]): Finding[] {
  return rows.map((row) => ({
    detection: q.name,
    severity: severityOf(q),
    title: detectionTitle(q.name),
    summary: q.meta.summary ?? `triggered ${detectionTitle(q.name)}`,
    sessionId: String(row.SessionId ?? ''),
    traceId: String(row.TraceId ?? ''),
    time: String(row.Time ?? ''),
    timeMs: instantMs(row.Time),
    agent: String(row.Agent ?? ''),
    evidence: String(row.Evidence ?? ''),
    evidenceSpanIds: Array.isArray(row.EvidenceSpanIds) ? row.EvidenceSpanIds.map(String) : [],
    row,
  }));
}

/** Most severe first; at equal severity in time order (the order things happened), then by detection. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) || a.timeMs - b.timeMs || a.detection.localeCompare(b.detection) || a.sessionId.localeCompare(b.sessionId));
}

export async function runDetections(client: ClickHouseClient, range: TimeRange, queries: readonly SavedQuery[] = detectionQueries()): Promise<Finding[]> {
  const params = { from: dateTimeParam(range.from), to: dateTimeParam(range.to) };
  const findings: Finding[] = [];
  // One after another: the embedded store runs one query at a time anyway, and errors stay attributable.
  for (const q of queries) findings.push(...findingsFrom(q, await runSavedQuery(client, q, params, { isoTimes: true })));
  return sortFindings(findings);
}
