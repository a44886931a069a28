/**
 * A real peer: `openai` traced by the OpenTelemetry GenAI instrumentation
 * (`@opentelemetry/instrumentation-openai`, `chat {model}` spans with gen_ai.* names), the
 * application's tools traced as the GenAI conventions ask an application to (`execute_tool
 * {gen_ai.tool.name}` spans, arguments and results opt-in), both turns under one `invoke_agent`
 * span, exported over OTLP/HTTP to flightrec's embedded server. Nothing names a session, so the
 * trace is the session.
 *
 * That instrumentation supports openai < 7, so this peer runs openai 6 (the `openai6` alias); an
 * ESM application hands the module to the instrumentation, as a loader hook otherwise would.
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import * as openai6 from 'openai6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAgent, type ChatClient } from '../../tools/openai-chat-agent.ts';
import { BAD_SCRIPT, BAD_TIMELINE, expectDetections, GOOD_SCRIPT, GOOD_TIMELINE, GOOD_TURN_1, GOOD_TURN_2, genaiToolSpan, sessionsOf, timelineOf, TURN_1, TURN_2 } from '../support/peer-scenario.ts';
import { byTurnAndToolResults, startScriptedModel, type ScriptedModel } from '../../tools/scripted-model.ts';
import { allIngested, startTestServer, type TestServer } from '../support/embedded.ts';

let t: TestServer;
let model: ScriptedModel;
let provider: TracerProvider;

async function converse(script: typeof BAD_SCRIPT, turns: readonly string[]): Promise<void> {
  model.setScript(script, { pick: byTurnAndToolResults, json: true });
  const client = new openai6.OpenAI({ baseURL: model.baseUrl, apiKey: 'scripted' }) as unknown as ChatClient;
  const tracer = provider.getTracer('mail-agent');
  await tracer.startActiveSpan('invoke_agent mail-agent', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'mail-agent' } }, async (agent) => {
    await chatAgent(client, turns, genaiToolSpan(tracer));
    agent.end();
  });
}

beforeAll(async () => {
  t = await startTestServer();
  model = await startScriptedModel();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'otel-genai-agent' }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${t.server.otlpUrl}/v1/traces` }) })],
  });
  trace.setGlobalTracerProvider(provider);
  const instrumentation = new OpenAIInstrumentation({ captureMessageContent: true });
  instrumentation.setTracerProvider(provider);
  for (const def of instrumentation.getModuleDefinitions()) def.patch?.(openai6, '6.30.1');
  await converse(BAD_SCRIPT, [TURN_1, TURN_2]);
  await converse(GOOD_SCRIPT, [GOOD_TURN_1, GOOD_TURN_2]);
  await provider.forceFlush();
  await allIngested(t);
  await provider.shutdown();
  trace.disable();
}, 120_000);

afterAll(async () => {
  await model?.close();
  await t?.stop();
});

describe('openai + @opentelemetry/instrumentation-openai (GenAI conventions)', () => {
  it('records model calls as chat spans with tokens, and the timeline reads decided / touched in order', async () => {
    const [bad, good] = await sessionsOf(t.http, 'otel-genai-agent');
    expect(await timelineOf(t.http, bad!)).toEqual(BAD_TIMELINE);
    expect(await timelineOf(t.http, good!)).toEqual(GOOD_TIMELINE);
    const rs = await t.http.query({ query: "SELECT SpanName, Model, InputTokens, ScopeName FROM flightrec_spans WHERE ServiceName = 'otel-genai-agent' AND Step = 'model_call' ORDER BY Timestamp LIMIT 1", format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ SpanName: 'chat scripted-gpt', Model: 'scripted-gpt', InputTokens: 101, ScopeName: '@opentelemetry/instrumentation-openai' }]);
  });

  it('fires the detections on the bad run and none on the good one; the incident report renders', async () => {
    const [bad, good] = await sessionsOf(t.http, 'otel-genai-agent');
    await expectDetections(t.http, bad!, good!);
  });
});
