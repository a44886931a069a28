/**
 * DECIDED: a human approval — status (pending, approved, denied, modified, expired), who, and the
 * SHA-256 of exactly what the approver was shown, so "they approved X" can be checked against the
 * action that then ran.
 */
import type { Attributes, Span } from '@opentelemetry/api';
import { hashCanonical } from './canonical-hash.ts';
import { runRecorded, startRecording, type HasContext, type RecordingOptions } from './recording.ts';
import { Flightrec, OpenInference, OpenInferenceSpanKinds, RecordKind, StepKinds, type ApprovalStatus } from './semconv.ts';
import { contain } from './telemetry-errors.ts';

export interface ApprovalRequest {
  /** The action to approve (tool name). */
  readonly action: string;
  /** Exactly what the approver is shown; only its hash is recorded. */
  readonly subject?: unknown;
  /** Known up front when the request goes to a named person. */
  readonly approver?: string;
}

export interface ApprovalOutcome {
  readonly status: ApprovalStatus;
  readonly approver?: string;
  readonly reason?: string;
}

export interface ApprovalHandle extends HasContext {
  readonly span: Span;
  /** The approval resolved; without an outcome the span records `pending`. */
  end(outcome?: ApprovalOutcome): void;
  fail(error: unknown): void;
}

export function approvalRequestAttributes(req: ApprovalRequest): Attributes {
  const a: Attributes = {
    [Flightrec.record]: RecordKind.decided,
    [Flightrec.step]: StepKinds.approval,
    [Flightrec.policyAction]: req.action,
    [Flightrec.approvalStatus]: 'pending',
    [OpenInference.spanKind]: OpenInferenceSpanKinds.guardrail,
  };
  if (req.approver) a[Flightrec.approvalApprover] = req.approver;
  if (req.subject !== undefined) {
    const sha = contain('approval.subject', () => hashCanonical(req.subject), undefined);
    if (sha) a[Flightrec.approvalSubjectSha256] = sha;
  }
  return a;
}

export function approvalOutcomeAttributes(o: ApprovalOutcome | undefined): Attributes {
  if (!o) return {};
  const a: Attributes = { [Flightrec.approvalStatus]: o.status };
  if (o.approver) a[Flightrec.approvalApprover] = o.approver;
  if (o.reason) a[Flightrec.approvalReason] = o.reason;
  return a;
}

export function startApproval(req: ApprovalRequest, opts: RecordingOptions = {}): ApprovalHandle {
  const rec = startRecording(`approval ${req.action}`, () => approvalRequestAttributes(req), opts);
  return {
    span: rec.span,
    context: rec.context,
    end: (outcome) => rec.finish(() => approvalOutcomeAttributes(outcome)),
    fail: (error) => rec.fail(error),
  };
}

export interface WrapApprovalOptions<A extends unknown[]> extends RecordingOptions {
  readonly action: string | ((...args: A) => string);
  /** What the approver is shown, from the call's arguments; default: the arguments. */
  readonly subject?: (...args: A) => unknown;
  readonly approver?: string;
}

/** Wrap the function that asks a human and returns their decision. */
export function wrapApproval<A extends unknown[], R extends ApprovalOutcome | Promise<ApprovalOutcome>>(fn: (...args: A) => R, opts: WrapApprovalOptions<A>): (...args: A) => R {
  return function wrappedApproval(this: unknown, ...args: A): R {
    const action = typeof opts.action === 'function' ? contain('approval.action', () => (opts.action as (...a: A) => string)(...args), 'unknown') : opts.action;
    const subject = opts.subject ? contain('approval.subjectFrom', () => opts.subject!(...args), undefined) : (args.length === 1 ? args[0] : args);
    const rec = startRecording(`approval ${action}`, () => approvalRequestAttributes({ action, subject, approver: opts.approver }), opts);
    return runRecorded(rec, () => fn.apply(this, args), {
      ok: (value) => approvalOutcomeAttributes(value as ApprovalOutcome),
      streams: false,
    });
  };
}
