/**
 * A real peer: `openai` traced by OpenInference (`@arizeai/openinference-instrumentation-openai`,
 * LLM spans) with the application's tools traced by OpenInference's own `traceTool` (TOOL spans)
 * and the conversation named by its `setSession` — the OpenInference way, no flightrec code —
 * exported over OTLP/HTTP to flightrec's embedded server. The model is the scripted one.
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { setSession, traceTool } from '@arizeai/openinference-core';
import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAgent, type ChatClient } from '../../tools/openai-chat-agent.ts';
import { BAD_SCRIPT, BAD_TIMELINE, expectDetections, GOOD_SCRIPT, GOOD_TIMELINE, GOOD_TURN_1, GOOD_TURN_2, runPeerTool, sessionsOf, timelineOf, TURN_1, TURN_2 } from '../support/peer-scenario.ts';
import { byTurnAndToolResults, startScriptedModel, type ScriptedModel } from '../../tools/scripted-model.ts';
import { allIngested, startTestServer, type TestServer } from '../support/embedded.ts';

let t: TestServer;
let model: ScriptedModel;
let provider: TracerProvider;

async function converse(sessionId: string, script: typeof BAD_SCRIPT, turns: readonly string[]): Promise<void> {
  model.setScript(script, { pick: byTurnAndToolResults, json: true });
  const client = new OpenAI({ baseURL: model.baseUrl, apiKey: 'scripted' }) as unknown as ChatClient;
  const tracer = provider.getTracer('app');
  await context.with(setSession(context.active(), { sessionId }), () =>
    chatAgent(client, turns, (name, args) => traceTool((a: Record<string, string>) => runPeerTool(name, a), { name, tracer })(args)));
}

beforeAll(async () => {
  t = await startTestServer();
  model = await startScriptedModel();
  // What an application's OpenTelemetry setup (NodeSDK, provider.register()) does: context that follows awaits.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'openinference-agent' }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${t.server.otlpUrl}/v1/traces` }) })],
  });
  const instrumentation = new OpenAIInstrumentation({ tracerProvider: provider });
  instrumentation.manuallyInstrument(OpenAI); // ESM: the module is handed over, as OpenInference documents
  await converse('oi-bad', BAD_SCRIPT, [TURN_1, TURN_2]);
  await converse('oi-good', GOOD_SCRIPT, [GOOD_TURN_1, GOOD_TURN_2]);
  await provider.forceFlush();
  await allIngested(t);
  await provider.shutdown();
}, 120_000);

afterAll(async () => {
  await model?.close();
  await t?.stop();
});

describe('openai + OpenInference', () => {
  it('names each conversation a session (session.id), and its timeline reads decided / touched in order', async () => {
    expect(await sessionsOf(t.http, 'openinference-agent')).toEqual(['oi-bad', 'oi-good']);
    expect(await timelineOf(t.http, 'oi-bad')).toEqual(BAD_TIMELINE);
    expect(await timelineOf(t.http, 'oi-good')).toEqual(GOOD_TIMELINE);
  });

  it('fires the detections on the bad run and none on the good one; the incident report renders', async () => {
    await expectDetections(t.http, 'oi-bad', 'oi-good');
  });
});
