/**
 * One exported audit record: what an auditor needs about one span without the database.
 * Built from a `flightrec_spans` row; field names are stable (they are the export's contract).
 */
import { isContentKey } from '../instrumentation/content-keys.ts';
import { Flightrec } from '../instrumentation/semconv.ts';
import { CONTENT_HASH_TAG } from './content-key.ts';

export const CONTENT_MODES = ['hashes', 'as-stored'] as const;
export type ContentMode = (typeof CONTENT_MODES)[number];

/** The row the export query selects (JSONEachRow: 64-bit integers arrive as strings). */
export interface SpanExportRow {
  Time: string;
  SessionId: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  Record: string;
  Step: string;
  Operation: string;
  Agent: string;
  Actor: string;
  Channel: string;
  Tool: string;
  Model: string;
  Effect: string;
  TargetSystem: string;
  TargetResource: string;
  Risk: string;
  Reversible: string;
  IdempotencyKey: string;
  Verdict: string;
  PolicyRule: string;
  ApprovalStatus: string;
  Approver: string;
  Outcome: string;
  IsError: number | string;
  ErrorType: string;
  StatusCode: string;
  StatusMessage: string;
  Duration: string | number;
  ContentSha256: string;
  ArgumentsSha256: string;
  SpanAttributes: Record<string, string>;
}

export interface Redaction {
  /** The content policy of this export. */
  content: ContentMode;
  /** Attribute keys the producer's redactor removed or replaced (from `flightrec.redacted_keys`). */
  removed: string[];
  /** Attribute keys whose values this export replaced by `hmac-sha256:<hex>` of the stored value (content-key.ts). */
  hashed: string[];
}

export interface AuditRecord {
  v: 1;
  time: string;
  session: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  span_name: string;
  span_kind: string;
  service: string;
  record: string;
  step: string;
  operation: string;
  agent: string;
  actor: string;
  channel: string;
  tool: string;
  model: string;
  effect: string;
  target_system: string;
  target_resource: string;
  risk: string;
  reversible: string;
  idempotency_key: string;
  verdict: string;
  policy_rule: string;
  approval_status: string;
  approver: string;
  outcome: string;
  is_error: boolean;
  error_type: string;
  status_code: string;
  status_message: string;
  duration_ns: string;
  content_sha256: string;
  arguments_sha256: string;
  attributes: Record<string, string>;
  redaction: Redaction;
}

/** Field order of the CSV export and of the docs. */
export const RECORD_FIELDS: readonly (keyof AuditRecord)[] = [
  'v', 'time', 'session', 'trace_id', 'span_id', 'parent_span_id', 'span_name', 'span_kind', 'service', 'record', 'step',
  'operation', 'agent', 'actor', 'channel', 'tool', 'model', 'effect', 'target_system', 'target_resource', 'risk', 'reversible',
  'idempotency_key', 'verdict', 'policy_rule', 'approval_status', 'approver', 'outcome', 'is_error', 'error_type', 'status_code',
  'status_message', 'duration_ns', 'content_sha256', 'arguments_sha256', 'attributes', 'redaction',
];

/** ClickHouse `toString(DateTime64(9), 'UTC')` ("2026-01-02 03:04:05.123456789") → RFC 3339 UTC. */
export function rfc3339(chTime: string): string {
  return chTime.replace(' ', 'T') + 'Z';
}

function redactedKeys(attrs: Record<string, string>): string[] {
  const raw = attrs[Flightrec.redactedKeys];
  if (!raw) return [];
  return [...new Set(raw.split(',').map((k) => k.trim()).filter((k) => k.length > 0))].sort();
}

/** JSONCompactEachRow row (values in EXPORT_COLUMNS order) → the named row. */
export function rowFromCompact(values: readonly unknown[], columns: readonly string[]): SpanExportRow {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) row[columns[i]!] = values[i];
  return row as unknown as SpanExportRow;
}

export class ContentLeakError extends Error {}

/**
 * The record of one exported row. With content `hashes`, the row's content values (content-keys.ts)
 * were already replaced by their keyed hashes by the store (content-sql.ts: the same bytes hashed
 * for every format); a content value that is not such a hash fails the record rather than leave.
 */
export function toAuditRecord(row: SpanExportRow, content: ContentMode): AuditRecord {
  const attributes: Record<string, string> = {};
  const hashed: string[] = [];
  for (const [k, v] of Object.entries(row.SpanAttributes ?? {})) {
    if (content === 'hashes' && isContentKey(k)) {
      if (!v.startsWith(CONTENT_HASH_TAG) || v.length !== CONTENT_HASH_TAG.length + 64) throw new ContentLeakError(`content attribute ${k} reached the record unhashed`);
      hashed.push(k);
    }
    attributes[k] = v;
  }
  hashed.sort();
  return {
    v: 1,
    time: rfc3339(row.Time),
    session: row.SessionId,
    trace_id: row.TraceId,
    span_id: row.SpanId,
    parent_span_id: row.ParentSpanId,
    span_name: row.SpanName,
    span_kind: row.SpanKind,
    service: row.ServiceName,
    record: row.Record,
    step: row.Step,
    operation: row.Operation,
    agent: row.Agent,
    actor: row.Actor,
    channel: row.Channel,
    tool: row.Tool,
    model: row.Model,
    effect: row.Effect,
    target_system: row.TargetSystem,
    target_resource: row.TargetResource,
    risk: row.Risk,
    reversible: row.Reversible,
    idempotency_key: row.IdempotencyKey,
    verdict: row.Verdict,
    policy_rule: row.PolicyRule,
    approval_status: row.ApprovalStatus,
    approver: row.Approver,
    outcome: row.Outcome,
    is_error: Number(row.IsError) === 1,
    error_type: row.ErrorType,
    status_code: row.StatusCode,
    status_message: row.StatusMessage,
    duration_ns: String(row.Duration),
    content_sha256: row.ContentSha256,
    arguments_sha256: row.ArgumentsSha256,
    attributes,
    redaction: { content, removed: redactedKeys(row.SpanAttributes ?? {}), hashed },
  };
}
