/**
 * A realistic agent workload as OTLP protobuf requests: sessions of model calls, context loads,
 * policy checks, approvals and tool calls, with the attributes flightrec's instrumentation writes
 * (instrumentation/semconv.ts). Unique ids and hashes per span, so bytes-on-disk figures are honest.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ExportTraceServiceRequest } from '../receiver/otlp-proto-schema.ts';
import { Flightrec, GenAI } from '../instrumentation/semconv.ts';

type Kv = { key: string; value: Record<string, unknown> };
const s = (key: string, v: string): Kv => ({ key, value: { stringValue: v } });
const i = (key: string, v: number): Kv => ({ key, value: { intValue: v } });
const sha = (x: string): string => createHash('sha256').update(x).digest('hex');

const TOOLS = [
  { name: 'send_email', effect: 'send', risk: 'high', system: 'smtp' },
  { name: 'read_file', effect: 'read', risk: 'low', system: 'fs' },
  { name: 'update_ticket', effect: 'write', risk: 'medium', system: 'jira' },
  { name: 'run_shell', effect: 'execute', risk: 'critical', system: 'shell' },
  { name: 'search_docs', effect: 'read', risk: 'low', system: 'search' },
];

function spanAttrs(kind: number, n: number, session: string): { name: string; attributes: Kv[]; events: unknown[] } {
  const common = [s(GenAI.conversationId, session), s(GenAI.agentName, 'support-agent')];
  switch (kind) {
    case 0:
      return {
        name: 'chat claude-sonnet',
        attributes: [...common, s(GenAI.operationName, 'chat'), s(GenAI.providerName, 'anthropic'), s(GenAI.requestModel, 'claude-sonnet-4'), s(GenAI.responseModel, 'claude-sonnet-4-20260101'),
          i(GenAI.usageInputTokens, 1200 + (n % 900)), i(GenAI.usageOutputTokens, 80 + (n % 300)), s(GenAI.responseFinishReasons, '["tool_use"]'),
          s(Flightrec.record, 'decided'), s(Flightrec.step, 'model_call'), s(Flightrec.decisionToolCalls, '["send_email"]'), s(Flightrec.contentSha256, sha(`prompt-${n}`))],
        events: [{ timeUnixNano: '0', name: 'gen_ai.choice', attributes: [s('gen_ai.response.finish_reason', 'tool_use')] }],
      };
    case 1:
      return {
        name: 'context load',
        attributes: [...common, s(Flightrec.record, 'saw'), s(Flightrec.step, 'context'), s(Flightrec.sourceKind, n % 2 ? 'retrieval' : 'channel_message'),
          s(Flightrec.sourceTrust, n % 3 ? 'trusted' : 'untrusted'), s(Flightrec.sourceSensitivity, 'internal'), s(Flightrec.sourceUri, `kb://articles/${n % 5000}`),
          s(Flightrec.contentSha256, sha(`ctx-${n}`)), s(Flightrec.contentProducedAt, new Date(Date.now() - (n % 86400) * 1000).toISOString())],
        events: [],
      };
    case 2:
      return {
        name: 'policy check',
        attributes: [...common, s(Flightrec.record, 'decided'), s(Flightrec.step, 'policy'), s(Flightrec.policyName, 'outbound-mail'),
          s(Flightrec.policyVerdict, n % 17 === 0 ? 'deny' : n % 5 === 0 ? 'require_approval' : 'allow'), s(Flightrec.policyRule, `rule-${n % 12}`)],
        events: [],
      };
    default: {
      const tool = TOOLS[n % TOOLS.length]!;
      return {
        name: `execute_tool ${tool.name}`,
        attributes: [...common, s(GenAI.operationName, 'execute_tool'), s(GenAI.toolName, tool.name), s(GenAI.toolCallId, `toolu_${randomBytes(9).toString('hex')}`),
          s(Flightrec.record, 'touched'), s(Flightrec.step, 'tool'), s(Flightrec.effect, tool.effect), s(Flightrec.risk, tool.risk), s(Flightrec.targetSystem, tool.system),
          s(Flightrec.targetResource, `${tool.system}://resource/${n % 2000}`), s(Flightrec.argumentsSha256, sha(`args-${n}`)), s(Flightrec.idempotencyKey, randomBytes(8).toString('hex')),
          s(Flightrec.reversible, tool.effect === 'read' ? 'true' : 'false'), s(Flightrec.outcome, n % 23 === 0 ? 'error' : 'ok')],
        events: [],
      };
    }
  }
}

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
    const { name, attributes, events } = spanAttrs(k % 8 === 0 ? 0 : k % 4, n, session);
    const start = now - BigInt((spans - k) * 2_000_000);
    out.push({
      traceId: Buffer.from(traceId, 'hex'),
      spanId: k % 8 === 0 ? Buffer.from(rootId, 'hex') : randomBytes(8),
      parentSpanId: k % 8 === 0 ? undefined : Buffer.from(rootId, 'hex'),
      name,
      kind: k % 8 === 0 ? 3 : 1,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: (start + BigInt(1_000_000 + (n % 50) * 100_000)).toString(),
      attributes,
      events: (events as { timeUnixNano: string }[]).map((e) => ({ ...e, timeUnixNano: (start + 500_000n).toString() })),
      status: { code: n % 23 === 0 ? 2 : 0, message: n % 23 === 0 ? 'tool failed: timeout' : '' },
    });
  }
  return {
    resourceSpans: [{
      resource: { attributes: [s('service.name', 'support-agent'), s('service.version', '1.4.2'), s(GenAI.agentName, 'support-agent'), s('host.name', 'agent-host-3'),
        i('process.pid', 4242), s('deployment.environment.name', 'production'), s('telemetry.sdk.language', 'nodejs'), s('telemetry.sdk.name', 'opentelemetry'), s('telemetry.sdk.version', '3.1.0')] },
      scopeSpans: [{ scope: { name: 'flightrec', version: '0.1.0' }, spans: out }],
    }],
  };
}

/** Encoded protobuf bodies, each a batch of `batchSize` spans. */
export function workloadBodies(batches: number, batchSize: number): Buffer[] {
  return Array.from({ length: batches }, (_, b) => Buffer.from(ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(workloadRequest(batchSize, b))).finish()));
}
