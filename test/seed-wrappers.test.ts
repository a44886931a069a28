/**
 * The bulk seed (seed/agent-workload.ts) writes its spans' attributes directly, for speed; here
 * every span it makes is checked against the real recorder making the same call under an agent
 * invocation: the same name, kind, attributes (every one, same values and types), events and
 * status — no difference tolerated, so the benchmarks ingest exactly what instrumented agents send.
 */
import { ROOT_CONTEXT, SpanStatusCode, type AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { startAgentInvocation } from '../instrumentation/record-agent.ts';
import { recordSeen } from '../instrumentation/record-context.ts';
import { startModelCall } from '../instrumentation/record-model.ts';
import { startPolicyCheck } from '../instrumentation/record-policy.ts';
import { startToolCall } from '../instrumentation/record-tool.ts';
import type { RecordingOptions } from '../instrumentation/recording.ts';
import { inMemoryTracer } from '../workload/in-memory-tracer.ts';
import { SEED_AGENT, SEED_ERROR, seedSpan, spanCall, workloadRequest, type SeedCall, type SeedSpan } from '../seed/agent-workload.ts';

function stackless(): Error {
  const err = new Error(SEED_ERROR.message);
  err.name = SEED_ERROR.name;
  Object.defineProperty(err, 'stack', { value: undefined });
  return err;
}

/** The span the real recorder makes of `c`, as the child of an agent invocation of `session`. */
function recorded(c: SeedCall, session: string): ReadableSpan {
  const { tracer, spans: ended } = inMemoryTracer();
  const agent = startAgentInvocation({ agentName: SEED_AGENT, conversationId: session }, { tracer, parent: ROOT_CONTEXT });
  const opts: RecordingOptions = { tracer, parent: agent };
  switch (c.recorder) {
    case 'model': {
      const h = startModelCall(c.call, opts);
      if (c.error) h.fail(stackless());
      else h.end(c.result);
      break;
    }
    case 'seen':
      recordSeen({ ...c.source, ...c.seen }, opts);
      break;
    case 'policy':
      startPolicyCheck(c.check, opts).end(c.decision);
      break;
    case 'tool': {
      const h = startToolCall(c.call, opts);
      if (c.error) h.fail(stackless());
      else h.end();
      break;
    }
  }
  agent.end();
  return ended[0]!;
}

/** Both spans in one comparable shape (OTLP's span kind numbers: API kind + 1). */
const fromSeed = (s: SeedSpan) => ({ name: s.name, kind: s.kind, attributes: s.attributes, events: s.events, status: s.error ? { code: SpanStatusCode.ERROR, message: s.error } : { code: SpanStatusCode.UNSET } });
const fromRecorder = (s: ReadableSpan) => ({
  name: s.name,
  kind: s.kind + 1,
  attributes: s.attributes,
  events: s.events.map((e) => ({ name: e.name, attributes: e.attributes ?? {} })),
  status: s.status,
});

describe('the bulk seed writes what the recorders write', () => {
  // 400 spans: every position of a trace (model call, context, policy, tool), every verdict, source and failure.
  const calls = Array.from({ length: 400 }, (_, n) => ({ n, call: spanCall(n % 16, n) }));

  it.each(['model', 'seen', 'policy', 'tool'] as const)('%s spans, attribute for attribute', (recorder) => {
    const mine = calls.filter((c) => c.call.recorder === recorder);
    expect(mine.length).toBeGreaterThan(20);
    for (const { n, call } of mine) expect(fromSeed(seedSpan(call, `sess-${n}`)), `span ${n}`).toEqual(fromRecorder(recorded(call, `sess-${n}`)));
  });

  it('covers failures, every verdict and both kinds of source', () => {
    const seeds = calls.map(({ n, call }) => seedSpan(call, `sess-${n}`));
    expect(new Set(seeds.filter((s) => s.error).map((s) => s.name.split(' ')[0]))).toEqual(new Set(['chat', 'execute_tool']));
    expect(new Set(seeds.map((s) => s.attributes['flightrec.policy.verdict']).filter(Boolean))).toEqual(new Set(['allow', 'deny', 'require_approval']));
    expect(new Set(seeds.map((s) => s.attributes['flightrec.source.kind']).filter(Boolean))).toEqual(new Set(['retrieval', 'channel_message']));
  });

  it('the protobuf request carries each span as seedSpan wrote it', () => {
    const request = workloadRequest(16, 3) as { resourceSpans: { scopeSpans: { spans: { name: string; kind: number; attributes: { key: string; value: Record<string, unknown> }[] }[] }[] }[] };
    const spans = request.resourceSpans[0]!.scopeSpans[0]!.spans;
    const plain = (v: Record<string, unknown>): AttributeValue => (v.arrayValue ? (v.arrayValue as { values: { stringValue: string }[] }).values.map((x) => x.stringValue) : (Object.values(v)[0] as AttributeValue));
    spans.forEach((s, k) => {
      const expected = seedSpan(spanCall(k, 48 + k), '');
      expect(s.name).toBe(expected.name);
      expect(s.kind).toBe(expected.kind);
      // Ids and keys are random per call; every other value is the seed span's.
      const random = new Set(['gen_ai.tool.call.id', 'flightrec.idempotency_key', 'flightrec.content.produced_at', 'gen_ai.conversation.id']);
      const got = Object.fromEntries(s.attributes.map((a) => [a.key, plain(a.value)]).filter(([key]) => !random.has(key as string)));
      expect(got).toEqual(Object.fromEntries(Object.entries(expected.attributes).filter(([key]) => !random.has(key))));
    });
  });
});
