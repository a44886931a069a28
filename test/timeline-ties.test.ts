/**
 * Spans that start in the same instant — the Vercel AI SDK stamps its `ai.*` spans in whole
 * milliseconds, so an agent span, its model call and the tool call after it can share a start time —
 * read in the timeline as they ran: a parent before its children, and of siblings the one that ended
 * first, whatever their span ids (the last tie-break, which used to decide alone).
 */
import { context, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type IdGenerator } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSavedQuery } from '../catalogue/saved-queries.ts';
import { buildTree } from '../review/incident.ts';
import { runSavedQuery } from '../review/run-query.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';

const SESSION = 'conv-ties';
const T0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;

/** Span ids in the order given: the later-running spans get the smaller ids, so id order alone is wrong. */
class ListedIds implements IdGenerator {
  private readonly spanIds: string[];
  constructor(spanIds: string[]) { this.spanIds = spanIds; }
  generateTraceId(): string { return 'ab'.repeat(16); }
  generateSpanId(): string { return this.spanIds.shift() ?? 'ee'.repeat(8); }
}

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'ties-agent' }),
    idGenerator: new ListedIds(['9'.repeat(16), 'f'.repeat(16), '1'.repeat(16), '5'.repeat(16)]),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${t.server.otlpUrl}/v1/traces` }) })],
  });
  const tracer: Tracer = provider.getTracer('ai');
  const s = { 'ai.telemetry.metadata.conversationId': SESSION, 'gen_ai.conversation.id': SESSION };
  const emit = (name: string, start: number, end: number, attributes: Attributes, parent?: Span): Span => {
    const span = tracer.startSpan(name, { startTime: T0 + start, attributes }, parent ? trace.setSpan(context.active(), parent) : context.active());
    span.end(T0 + end);
    return span;
  };
  // All four start in the same millisecond; the model call ends in it, the tool call 2 ms later.
  const gen = emit('ai.generateText', 0, 10, { ...s, 'operation.name': 'ai.generateText', 'ai.model.id': 'm1' });
  emit('ai.generateText.doGenerate', 0, 0, { ...s, 'operation.name': 'ai.generateText.doGenerate', 'ai.model.id': 'm1', 'ai.usage.inputTokens': 10 }, gen);
  emit('ai.toolCall', 0, 2, { ...s, 'operation.name': 'ai.toolCall', 'ai.toolCall.name': 'read_file', 'ai.toolCall.id': 'v1' }, gen);
  emit('ai.generateText.doGenerate', 0, 5, { ...s, 'operation.name': 'ai.generateText.doGenerate', 'ai.model.id': 'm1', 'ai.usage.inputTokens': 20 }, gen);
  await provider.forceFlush();
  await provider.shutdown();
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

describe('the session timeline, spans that start at once', () => {
  it('reads parent first, then the siblings in the order they ended', async () => {
    const rows = await runSavedQuery(t.http, findSavedQuery('session_timeline'), { session: 'ab'.repeat(16) });
    expect(new Set(rows.map((r) => String(r.Timestamp))).size).toBe(1);
    expect(rows.map((r) => [r.SpanName, r.Step, Number(r.Depth), r.SpanId])).toEqual([
      ['ai.generateText', 'agent', 0, '9'.repeat(16)],
      ['ai.generateText.doGenerate', 'model_call', 1, 'f'.repeat(16)],
      ['ai.toolCall', 'tool', 1, '1'.repeat(16)],
      ['ai.generateText.doGenerate', 'model_call', 1, '5'.repeat(16)],
    ]);
  });

  it('keeps that order in the incident report\'s span tree', async () => {
    const rows = await runSavedQuery(t.http, findSavedQuery('session_timeline'), { session: 'ab'.repeat(16) });
    const [root, ...others] = buildTree(rows);
    expect(others).toEqual([]);
    expect(root!.children.map((c) => String(c.row.SpanId))).toEqual(['f'.repeat(16), '1'.repeat(16), '5'.repeat(16)]);
  });
});
