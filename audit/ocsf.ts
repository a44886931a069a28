/**
 * An audit record as an OCSF event of class API Activity (class_uid 6003: category Application
 * Activity = 6, class uid 3), targeting OCSF schema 1.8.0 (events/application/api_activity.json,
 * checked against the ocsf-schema repository at its v1.8.0 release-prep commit).
 *
 * Required there: activity_id, category_uid, class_uid, type_uid (= class_uid × 100 + activity_id),
 * time (ms since the epoch), severity_id, metadata (product, version), actor, api (operation),
 * src_endpoint. flightrec fields with no OCSF home go under `unmapped`, as OCSF intends.
 */
import type { AuditRecord } from './audit-record.ts';
import type { CanonicalValue } from './canonical-json.ts';

export const OCSF_VERSION = '1.8.0';
export const OCSF_CLASS_UID = 6003;
const CATEGORY_UID = 6;

/** flightrec effect → OCSF API Activity activity_id (1 Create, 2 Read, 3 Update, 4 Delete, 99 Other, 0 Unknown). */
const ACTIVITY: Record<string, [number, string]> = {
  read: [2, 'Read'],
  write: [3, 'Update'],
  delete: [4, 'Delete'],
  send: [1, 'Create'],
  payment: [1, 'Create'],
  execute: [99, 'Other'],
};

/** flightrec risk → OCSF severity_id (1 Informational … 5 Critical). */
const SEVERITY: Record<string, [number, string]> = {
  '': [1, 'Informational'],
  low: [2, 'Low'],
  medium: [3, 'Medium'],
  high: [4, 'High'],
  critical: [5, 'Critical'],
};

const STATUS: Record<string, [number, string]> = { ok: [1, 'Success'], error: [2, 'Failure'], partial: [99, 'Other'] };

function nonEmpty(s: string): string | undefined {
  return s === '' ? undefined : s;
}

/** RFC 3339 with nanoseconds → integer milliseconds (OCSF timestamp_t). */
function epochMs(time: string): number {
  return Date.parse(time.replace(/(\.\d{3})\d*Z$/, '$1Z'));
}

export function toOcsfApiActivity(r: AuditRecord, toolVersion: string): CanonicalValue {
  const [activityId, activityName] = ACTIVITY[r.effect] ?? (r.record === '' ? [0, 'Unknown'] : [99, 'Other']);
  const [severityId, severity] = SEVERITY[r.risk] ?? [99, 'Other'];
  const [statusId, status] = STATUS[r.outcome] ?? (r.is_error ? [2, 'Failure'] : [0, 'Unknown']);
  const durationMs = Math.round(Number(r.duration_ns) / 1e6);
  return {
    activity_id: activityId,
    activity_name: activityName,
    category_uid: CATEGORY_UID,
    category_name: 'Application Activity',
    class_uid: OCSF_CLASS_UID,
    class_name: 'API Activity',
    type_uid: OCSF_CLASS_UID * 100 + activityId,
    type_name: `API Activity: ${activityName}`,
    time: epochMs(r.time),
    severity_id: severityId,
    severity,
    status_id: statusId,
    status,
    status_code: nonEmpty(r.status_code),
    status_detail: nonEmpty(r.status_message),
    message: r.span_name,
    duration: Number.isSafeInteger(durationMs) ? durationMs : undefined,
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'flightrec', vendor_name: 'flightrec', version: toolVersion },
      uid: r.span_id,
      correlation_uid: r.trace_id,
      original_time: r.time,
      log_name: 'flightrec_spans',
      profiles: ['trace'],
    },
    actor: {
      app_name: r.agent,
      user: r.actor ? { name: r.actor } : undefined,
      session: r.session ? { uid: r.session } : undefined,
      authorizations: r.verdict ? [{ decision: r.verdict, policy: r.policy_rule ? { name: r.policy_rule } : undefined }] : undefined,
    },
    api: {
      operation: r.tool || r.operation || r.span_name,
      service: { name: r.target_system || r.service },
      request: { uid: r.span_id },
      response: r.is_error || r.error_type ? { error: nonEmpty(r.error_type), error_message: nonEmpty(r.status_message) } : undefined,
    },
    resources: r.target_resource ? [{ name: r.target_resource, type: nonEmpty(r.target_system) }] : undefined,
    src_endpoint: { svc_name: r.agent || r.service },
    trace: {
      uid: r.trace_id,
      span: { uid: r.span_id, parent_uid: nonEmpty(r.parent_span_id), operation: r.span_name },
    },
    unmapped: {
      flightrec: {
        record: r.record,
        step: r.step,
        effect: r.effect,
        risk: r.risk,
        reversible: r.reversible,
        idempotency_key: r.idempotency_key,
        verdict: r.verdict,
        policy_rule: r.policy_rule,
        approval_status: r.approval_status,
        approver: r.approver,
        outcome: r.outcome,
        model: r.model,
        channel: r.channel,
        content_sha256: r.content_sha256,
        arguments_sha256: r.arguments_sha256,
        duration_ns: r.duration_ns,
        attributes: r.attributes,
        redaction: { content: r.redaction.content, removed: r.redaction.removed, hashed: r.redaction.hashed },
      },
    },
  };
}
