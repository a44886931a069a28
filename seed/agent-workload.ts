/**
 * A realistic agent workload as OTLP protobuf requests, for the ingest benchmarks: sessions of model
 * calls, context reads, policy checks and tool calls, unique ids and hashes per span so bytes-on-disk
 * figures are honest.
 *
 * Hundreds of thousands of spans are built here, so the attributes are written directly rather than
 * through the recorders (which would hold every span as an SDK object). Each span is first described
 * as the recorder call an instrumented agent would make (`spanCall`); `seedSpan` writes what that
 * recorder writes, and test/seed-wrappers.test.ts feeds the same calls to the real recorders and
 * requires the same span, attribute for attribute.
 */
import { randomBytes } from 'node:crypto';
import { hashCanonical, sha256Hex } from '../instrumentation/canonical-hash.ts';
import type { SeenContent, SourceInfo } from '../instrumentation/record-context.ts';
import type { ModelCallInfo, ModelCallResult } from '../instrumentation/record-model.ts';
import type { PolicyCheckInfo, PolicyDecision } from '../instrumentation/record-policy.ts';
import type { ToolCallInfo } from '../instrumentation/record-tool.ts';
import {
  Flightrec, GenAI, GenAIEvents, GenAIGuardrail, GenAIOperation, GenAIOperationApplyGuardrail, OpenInference, OpenInferenceSpanKinds, RecordKind, StepKinds,
  type Effect, type Risk,
} from '../instrumentation/semconv.ts';
import { ExportTraceServiceRequest } from '../receiver/otlp-proto-schema.ts';

/** One span of the workload, as the recorder call that makes it; `error` ends it with `fail`. */
export type SeedCall =
  | { readonly recorder: 'model'; readonly call: ModelCallInfo; readonly result: ModelCallResult; readonly error?: string }
  | { readonly recorder: 'seen'; readonly source: SourceInfo; readonly seen: SeenContent & { readonly content: string; readonly producedAt: string } }
  | { readonly recorder: 'policy'; readonly check: PolicyCheckInfo; readonly decision: PolicyDecision }
  | { readonly recorder: 'tool'; readonly call: ToolCallInfo & { readonly spec: { readonly effect: Effect; readonly risk: Risk; readonly targetSystem: string; readonly reversible: boolean } }; readonly error?: string };

/** The session scope every span carries (the recorders copy it from the agent invocation). */
export const SEED_AGENT = 'support-agent';
/** The error a failing call throws (no stack: the seed is not the agent). */
export const SEED_ERROR = { name: 'TimeoutError', message: 'tool failed: timeout' } as const;

const TOOLS: readonly { name: string; effect: Effect; risk: Risk; system: string }[] = [
  { name: 'send_email', effect: 'send', risk: 'high', system: 'smtp' },
  { name: 'read_file', effect: 'read', risk: 'low', system: 'fs' },
  { name: 'update_ticket', effect: 'write', risk: 'medium', system: 'jira' },
  { name: 'run_shell', effect: 'execute', risk: 'critical', system: 'shell' },
  { name: 'search_docs', effect: 'read', risk: 'low', system: 'search' },
];

/** Span `k` of a request (global index `n`): a model call heads every 8, then context, policy and tool calls. */
export function spanCall(k: number, n: number): SeedCall {
  const fails = n % 23 === 0;
  const kind = k % 8 === 0 ? 0 : k % 4;
  switch (kind) {
    case 0:
      return {
        recorder: 'model',
        call: { provider: 'anthropic', model: 'claude-sonnet-4' },
        result: { responseModel: 'claude-sonnet-4-20260101', inputTokens: 1200 + (n % 900), outputTokens: 80 + (n % 300), finishReasons: ['tool_use'], toolCalls: [{ name: 'send_email' }] },
        error: fails ? SEED_ERROR.message : undefined,
      };
    case 1:
      return {
        recorder: 'seen',
        source: { source: (n >> 2) % 2 ? 'retrieval' : 'channel_message', trust: n % 3 ? 'trusted' : 'untrusted', sensitivity: 'internal', uri: `kb://articles/${n % 5000}` },
        seen: { content: `ctx-${n}`, producedAt: new Date(Date.now() - (n % 86400) * 1000).toISOString() },
      };
    case 2:
      return {
        recorder: 'policy',
        check: { action: 'send_email', policy: 'outbound-mail' },
        decision: { verdict: n % 17 === 0 ? 'deny' : n % 5 === 0 ? 'require_approval' : 'allow', rule: `rule-${n % 12}` },
      };
    default: {
      const tool = TOOLS[n % TOOLS.length]!;
      return {
        recorder: 'tool',
        call: {
          name: tool.name, callId: `toolu_${randomBytes(9).toString('hex')}`, arguments: `args-${n}`, idempotencyKey: randomBytes(8).toString('hex'),
          targetResource: `${tool.system}://resource/${n % 2000}`,
          spec: { effect: tool.effect, risk: tool.risk, targetSystem: tool.system, reversible: tool.effect === 'read' },
        },
        error: fails ? SEED_ERROR.message : undefined,
      };
    }
  }
}

export type SeedValue = string | number | boolean | readonly string[];

export interface SeedSpan {
  readonly name: string;
  /** OTLP span kind: 1 internal, 3 client. */
  readonly kind: 1 | 3;
  readonly attributes: Record<string, SeedValue>;
  readonly events: readonly { readonly name: string; readonly attributes: Record<string, SeedValue> }[];
  readonly error?: string;
}

const failure = (a: Record<string, SeedValue>): void => {
  a[GenAI.errorType] = SEED_ERROR.name;
};
const exception = { name: 'exception', attributes: { 'exception.type': SEED_ERROR.name, 'exception.message': SEED_ERROR.message } };

/** The span the call's recorder makes, under an agent invocation of `session`. */
export function seedSpan(c: SeedCall, session: string): SeedSpan {
  const scope = { [GenAI.conversationId]: session, [GenAI.agentName]: SEED_AGENT };
  switch (c.recorder) {
    case 'model': {
      const r = c.result;
      const a: Record<string, SeedValue> = {
        ...scope, [GenAI.operationName]: GenAIOperation.chat, [GenAI.providerName]: c.call.provider, [GenAI.requestModel]: c.call.model,
        [Flightrec.record]: RecordKind.decided, [Flightrec.step]: StepKinds.modelCall, [OpenInference.spanKind]: OpenInferenceSpanKinds.llm,
      };
      if (c.error) failure(a);
      else {
        a[GenAI.responseModel] = r.responseModel!;
        a[GenAI.usageInputTokens] = r.inputTokens!;
        a[GenAI.usageOutputTokens] = r.outputTokens!;
        a[GenAI.responseFinishReasons] = r.finishReasons!;
        a[Flightrec.decisionToolCalls] = JSON.stringify(r.toolCalls!.map((t) => ({ name: t.name })));
      }
      return { name: `${GenAIOperation.chat} ${c.call.model}`, kind: 3, attributes: a, events: c.error ? [exception] : [], error: c.error };
    }
    case 'seen': {
      const s = c.source;
      const retrieval = s.source === 'retrieval';
      const a: Record<string, SeedValue> = {
        ...scope, [Flightrec.record]: RecordKind.saw, [Flightrec.step]: StepKinds.context, [Flightrec.sourceKind]: s.source, [Flightrec.sourceTrust]: s.trust,
        [Flightrec.sourceSensitivity]: s.sensitivity!, [Flightrec.sourceUri]: s.uri!,
        [OpenInference.spanKind]: retrieval ? OpenInferenceSpanKinds.retriever : OpenInferenceSpanKinds.chain,
        [Flightrec.contentSha256]: sha256Hex(c.seen.content), [Flightrec.contentSize]: Buffer.byteLength(c.seen.content), [Flightrec.contentProducedAt]: c.seen.producedAt,
      };
      if (retrieval) a[GenAI.operationName] = GenAIOperation.retrieval;
      return { name: `context ${s.source}`, kind: 1, attributes: a, events: [] };
    }
    case 'policy': {
      const d = c.decision;
      const result = { [GenAIGuardrail.resultType]: 'verdict', [GenAIGuardrail.resultValue]: d.verdict, [GenAIGuardrail.resultReason]: d.rule! };
      const a: Record<string, SeedValue> = {
        ...scope, [Flightrec.record]: RecordKind.decided, [Flightrec.step]: StepKinds.policy, [Flightrec.policyAction]: c.check.action,
        [OpenInference.spanKind]: OpenInferenceSpanKinds.guardrail, [GenAI.operationName]: GenAIOperationApplyGuardrail, [GenAIGuardrail.componentName]: 'flightrec',
        [Flightrec.policyName]: c.check.policy!, [GenAIGuardrail.policyId]: c.check.policy!,
        [Flightrec.policyVerdict]: d.verdict, ...result, [Flightrec.policyRule]: d.rule!,
      };
      return { name: `policy ${c.check.action}`, kind: 1, attributes: a, events: [{ name: GenAIEvents.guardrailResult, attributes: result }] };
    }
    case 'tool': {
      const t = c.call;
      const a: Record<string, SeedValue> = {
        ...scope, [GenAI.operationName]: GenAIOperation.executeTool, [GenAI.toolName]: t.name, [GenAI.toolCallId]: t.callId!, [GenAI.toolType]: 'function',
        [Flightrec.record]: RecordKind.touched, [Flightrec.step]: StepKinds.tool, [OpenInference.spanKind]: OpenInferenceSpanKinds.tool,
        [Flightrec.effect]: t.spec.effect, [Flightrec.risk]: t.spec.risk, [Flightrec.targetSystem]: t.spec.targetSystem, [Flightrec.reversible]: t.spec.reversible,
        [Flightrec.targetResource]: t.targetResource!, [Flightrec.idempotencyKey]: t.idempotencyKey!, [Flightrec.argumentsSha256]: hashCanonical(t.arguments),
        [Flightrec.outcome]: c.error ? 'error' : 'ok',
      };
      if (c.error) failure(a);
      return { name: `${GenAIOperation.executeTool} ${t.name}`, kind: 1, attributes: a, events: c.error ? [exception] : [], error: c.error };
    }
  }
}

type Kv = { key: string; value: Record<string, unknown> };

function anyValue(v: SeedValue): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return { intValue: v };
  return { arrayValue: { values: v.map((x) => ({ stringValue: x })) } };
}

const kvs = (attrs: Record<string, SeedValue>): Kv[] => Object.entries(attrs).map(([key, v]) => ({ key, value: anyValue(v) }));

/** One ExportTraceServiceRequest of `spans` spans (one resource, one scope), as plain objects. */
export function workloadRequest(spans: number, seed: number): Record<string, unknown> {
  const now = BigInt(Date.now()) * 1_000_000n;
  const out: unknown[] = [];
  let traceId = '';
  let session = '';
  let rootId = '';
  for (let k = 0; k < spans; k++) {
    const n = seed * spans + k;
    if (k % 8 === 0) {
      traceId = randomBytes(16).toString('hex');
      rootId = randomBytes(8).toString('hex');
      session = `sess-${(n / 40) | 0}`;
    }
    const span = seedSpan(spanCall(k, n), session);
    const start = now - BigInt((spans - k) * 2_000_000);
    const end = start + BigInt(1_000_000 + (n % 50) * 100_000);
    out.push({
      traceId: Buffer.from(traceId, 'hex'),
      spanId: k % 8 === 0 ? Buffer.from(rootId, 'hex') : randomBytes(8),
      parentSpanId: k % 8 === 0 ? undefined : Buffer.from(rootId, 'hex'),
      name: span.name,
      kind: span.kind,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: end.toString(),
      attributes: kvs(span.attributes),
      events: span.events.map((e) => ({ name: e.name, timeUnixNano: end.toString(), attributes: kvs(e.attributes) })),
      status: span.error ? { code: 2, message: span.error } : { code: 0, message: '' },
    });
  }
  return {
    resourceSpans: [{
      resource: { attributes: kvs({ 'service.name': SEED_AGENT, 'service.version': '1.4.2', [GenAI.agentName]: SEED_AGENT, 'host.name': 'agent-host-3',
        'process.pid': 4242, 'deployment.environment.name': 'production', 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '3.1.0' }) },
      scopeSpans: [{ scope: { name: 'flightrec', version: '0.1.0' }, spans: out }],
    }],
  };
}

/** Encoded protobuf bodies, each a batch of `batchSize` spans. */
export function workloadBodies(batches: number, batchSize: number): Buffer[] {
  return Array.from({ length: batches }, (_, b) => Buffer.from(ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(workloadRequest(batchSize, b))).finish()));
}
