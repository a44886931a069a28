/**
 * DECIDED: a policy or guardrail check — verdict (allow, deny, require_approval, read_only), the
 * rule that fired, why — and `guard`, which puts a check in front of a tool so that a denied action
 * is a policy span with no execute_tool span under it, because the tool never ran.
 */
import { context as otelContext, type Attributes, type Span } from '@opentelemetry/api';
import { startApproval, type ApprovalOutcome } from './record-approval.ts';
import { startRecording, type HasContext, type RecordingOptions } from './recording.ts';
import { Flightrec, GenAI, GenAIEvents, GenAIGuardrail, GenAIOperationApplyGuardrail, OpenInference, OpenInferenceSpanKinds, RecordKind, StepKinds, type Effect, type Risk, type Verdict } from './semconv.ts';
import { toolSpec } from './settings.ts';
import { contain } from './telemetry-errors.ts';

export interface PolicyCheckInfo {
  /** The action checked (tool name). */
  readonly action: string;
  /** The policy or guardrail that decided (name of the policy set). */
  readonly policy?: string;
  /**
   * What the checked action would touch, so a denied attempt (which has no execute_tool span)
   * still says it: the denied-then-retried detection matches a later action on the same target.
   */
  readonly effect?: Effect;
  readonly risk?: Risk;
  readonly targetSystem?: string;
  readonly targetResource?: string;
}

export interface PolicyDecision {
  readonly verdict: Verdict;
  readonly rule?: string;
  readonly reason?: string;
}

export interface PolicyCheckHandle extends HasContext {
  readonly span: Span;
  end(decision: PolicyDecision): void;
  fail(error: unknown): void;
}

function checkAttributes(info: PolicyCheckInfo): Attributes {
  const a: Attributes = {
    [Flightrec.record]: RecordKind.decided,
    [Flightrec.step]: StepKinds.policy,
    [Flightrec.policyAction]: info.action,
    [OpenInference.spanKind]: OpenInferenceSpanKinds.guardrail,
    // The GenAI conventions' guardrail span, for readers of those: flightrec is the guardrail component.
    [GenAI.operationName]: GenAIOperationApplyGuardrail,
    [GenAIGuardrail.componentName]: 'flightrec',
  };
  if (info.policy) {
    a[Flightrec.policyName] = info.policy;
    a[GenAIGuardrail.policyId] = info.policy;
  }
  if (info.effect) a[Flightrec.effect] = info.effect;
  if (info.risk) a[Flightrec.risk] = info.risk;
  if (info.targetSystem) a[Flightrec.targetSystem] = info.targetSystem;
  if (info.targetResource) a[Flightrec.targetResource] = info.targetResource;
  return a;
}

/**
 * The result in the GenAI conventions' terms: flightrec's own verdict is the guardrail's native
 * result (type `verdict`), the rule its low-cardinality reason; the free-text reason stays in
 * flightrec.policy.reason only, since the conventions keep content out of result.reason.
 */
function guardrailResult(d: PolicyDecision): Attributes {
  const a: Attributes = { [GenAIGuardrail.resultType]: 'verdict', [GenAIGuardrail.resultValue]: d.verdict };
  if (d.rule) a[GenAIGuardrail.resultReason] = d.rule;
  return a;
}

function decisionAttributes(d: PolicyDecision): Attributes {
  const a: Attributes = { [Flightrec.policyVerdict]: d.verdict, ...guardrailResult(d) };
  if (d.rule) a[Flightrec.policyRule] = d.rule;
  if (d.reason) a[Flightrec.policyReason] = d.reason;
  return a;
}

export function startPolicyCheck(info: PolicyCheckInfo, opts: RecordingOptions = {}): PolicyCheckHandle {
  const rec = startRecording(`policy ${info.action}`, () => checkAttributes(info), opts);
  return {
    span: rec.span,
    context: rec.context,
    end: (decision) => {
      contain('policy.event', () => rec.span.addEvent(GenAIEvents.guardrailResult, guardrailResult(decision)), undefined);
      rec.finish(() => decisionAttributes(decision));
    },
    fail: (error) => rec.fail(error),
  };
}

/** A decision made elsewhere (an external guardrail, a hook event): recorded at once. */
export function recordPolicyCheck(info: PolicyCheckInfo & PolicyDecision, opts: RecordingOptions = {}): HasContext & { readonly span: Span } {
  const h = startPolicyCheck(info, opts);
  h.end(info);
  return { span: h.span, context: h.context };
}

/** Thrown by a guarded function when the action is not allowed; the tool did not run. */
export class PolicyDeniedError extends Error {
  readonly decision: PolicyDecision;
  readonly action: string;
  readonly approval: ApprovalOutcome | undefined;
  constructor(action: string, decision: PolicyDecision, approval?: ApprovalOutcome) {
    super(`flightrec: ${action} not allowed (${approval ? `approval ${approval.status}` : decision.verdict}${decision.rule ? `, rule ${decision.rule}` : ''})`);
    this.name = 'PolicyDeniedError';
    this.action = action;
    this.decision = decision;
    this.approval = approval;
  }
}

export interface GuardOptions<A extends unknown[], R> extends RecordingOptions {
  /** The action name (usually the tool name; the catalogue's effect decides `read_only`). */
  readonly action: string;
  readonly policy?: string;
  /** The check; a bare verdict is fine. */
  readonly check: (...args: A) => PolicyDecision | Verdict | Promise<PolicyDecision | Verdict>;
  /** Asked when the verdict is require_approval; without it such calls are refused. */
  readonly approve?: (decision: PolicyDecision, args: A) => ApprovalOutcome | Promise<ApprovalOutcome>;
  /** What the approver is shown (hashed on the approval span); default: the arguments. */
  readonly approvalSubject?: (...args: A) => unknown;
  /** Return this instead of throwing PolicyDeniedError when refused. */
  readonly onDeny?: (error: PolicyDeniedError, args: A) => Awaited<R>;
}

function asDecision(d: PolicyDecision | Verdict): PolicyDecision {
  return typeof d === 'string' ? { verdict: d } : d;
}

/**
 * Put a policy check in front of `fn` (usually a wrapped tool). The guarded function is async,
 * since checks and approvals may be. On allow, `fn` runs under the policy span (under the approval
 * span when one was needed); otherwise it does not run and PolicyDeniedError is thrown (or
 * `onDeny`'s value returned). The check's own errors propagate and the tool does not run.
 */
export function guard<A extends unknown[], R>(fn: (...args: A) => R, opts: GuardOptions<NoInfer<A>, NoInfer<R>>): (...args: A) => Promise<Awaited<R>> {
  return async function guarded(this: unknown, ...args: A): Promise<Awaited<R>> {
    const check = startPolicyCheck({ action: opts.action, policy: opts.policy }, opts);
    let decision: PolicyDecision;
    try {
      decision = asDecision(await opts.check(...args));
    } catch (err) {
      check.fail(err);
      throw err;
    }
    check.end(decision);
    let runUnder: HasContext = check;
    let approval: ApprovalOutcome | undefined;
    let allowed = decision.verdict === 'allow';
    if (decision.verdict === 'read_only') {
      allowed = toolSpec(opts.action)?.effect === 'read';
    } else if (decision.verdict === 'require_approval' && opts.approve) {
      const subject = opts.approvalSubject ? contain('guard.subject', () => opts.approvalSubject!(...args), undefined) : (args.length === 1 ? args[0] : args);
      const pending = startApproval({ action: opts.action, subject }, { tracer: opts.tracer, parent: check });
      try {
        approval = await opts.approve(decision, args);
      } catch (err) {
        pending.fail(err);
        throw err;
      }
      pending.end(approval);
      runUnder = pending;
      allowed = approval.status === 'approved' || approval.status === 'modified';
    }
    if (!allowed) {
      const denied = new PolicyDeniedError(opts.action, decision, approval);
      if (opts.onDeny) return opts.onDeny(denied, args);
      throw denied;
    }
    return (await otelContext.with(runUnder.context, () => fn.apply(this, args))) as Awaited<R>;
  };
}

/** Same as `guard`, named for reading at the call site: `withPolicy(sendEmail, {...})`. */
export const withPolicy = guard;
