/**
 * A real peer: the Vercel AI SDK (`ai`, with `@ai-sdk/openai` pointed at the scripted model) running
 * two-turn agent conversations with telemetry on, exported over OTLP/HTTP to flightrec's embedded
 * server — once through @ai-sdk/otel's OpenTelemetry integration (GenAI names: invoke_agent, chat,
 * execute_tool) and once through its LegacyOpenTelemetry (the `ai.*` spans). Nothing in the agent
 * names an effect or a risk: the default tool catalogue does.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { LegacyOpenTelemetry, OpenTelemetry } from '@ai-sdk/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { generateText, isStepCount, jsonSchema, tool, type ModelMessage, type Telemetry, type ToolSet } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_SCRIPT, BAD_TIMELINE, expectDetections, GOOD_SCRIPT, GOOD_TIMELINE, GOOD_TURN_1, GOOD_TURN_2, PEER_TOOLS, runPeerTool, sessionsOf, timelineOf, TURN_1, TURN_2 } from '../support/peer-scenario.ts';
import { byTurnAndToolResults, startScriptedModel, type ScriptedModel } from '../../tools/scripted-model.ts';
import { allIngested, startTestServer, type TestServer } from '../support/embedded.ts';

let t: TestServer;
let model: ScriptedModel;

const tools: ToolSet = Object.fromEntries(Object.entries(PEER_TOOLS).map(([name, spec]) => [name, tool({
  description: spec.description,
  inputSchema: jsonSchema<Record<string, string>>({ type: 'object', properties: Object.fromEntries(spec.params.map((p) => [p, { type: 'string' }])), required: [...spec.params] }),
  execute: async (args: Record<string, string>) => runPeerTool(name, args),
})]));

/** Two turns of one conversation; the history carries over, as an application keeps it. */
async function converse(service: string, integration: (tracer: ReturnType<TracerProvider['getTracer']>) => Telemetry, conversationId: string, script: typeof BAD_SCRIPT, turns: readonly string[]): Promise<void> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${t.server.otlpUrl}/v1/traces` }) })],
  });
  const telemetry = integration(provider.getTracer('ai'));
  model.setScript(script, { pick: byTurnAndToolResults, json: true });
  const openai = createOpenAI({ baseURL: model.baseUrl, apiKey: 'scripted' });
  const messages: ModelMessage[] = [];
  for (const prompt of turns) {
    messages.push({ role: 'user', content: prompt });
    const result = await generateText({
      model: openai.chat('scripted-gpt'), messages, tools, stopWhen: isStepCount(20),
      runtimeContext: { conversationId },
      telemetry: { integrations: [telemetry], functionId: 'mail-agent', includeRuntimeContext: { conversationId: true } },
    });
    messages.push(...result.responseMessages);
  }
  await provider.forceFlush();
  await allIngested(t);
  await provider.shutdown();
}

const modern = (tracer: ReturnType<TracerProvider['getTracer']>): Telemetry => new OpenTelemetry({
  tracer,
  // The one line that names the session for flightrec: the application's conversation id as gen_ai.conversation.id.
  enrichSpan: ({ runtimeContext }) => ({ 'gen_ai.conversation.id': String(runtimeContext?.conversationId ?? '') }),
});
const legacy = (tracer: ReturnType<TracerProvider['getTracer']>): Telemetry => new LegacyOpenTelemetry({ tracer });

beforeAll(async () => {
  t = await startTestServer();
  model = await startScriptedModel();
  await converse('vercel-ai-otel', modern, 'vercel-bad', BAD_SCRIPT, [TURN_1, TURN_2]);
  await converse('vercel-ai-otel', modern, 'vercel-good', GOOD_SCRIPT, [GOOD_TURN_1, GOOD_TURN_2]);
  await converse('vercel-ai-legacy', legacy, 'vercel-legacy-bad', BAD_SCRIPT, [TURN_1, TURN_2]);
  await converse('vercel-ai-legacy', legacy, 'vercel-legacy-good', GOOD_SCRIPT, [GOOD_TURN_1, GOOD_TURN_2]);
}, 120_000);

afterAll(async () => {
  await model?.close();
  await t?.stop();
});

describe('Vercel AI SDK, OpenTelemetry integration (GenAI conventions)', () => {
  it('names each conversation a session, and its timeline reads decided / touched in the order the agent ran', async () => {
    expect(await sessionsOf(t.http, 'vercel-ai-otel')).toEqual(['vercel-bad', 'vercel-good']);
    expect(await timelineOf(t.http, 'vercel-bad')).toEqual(BAD_TIMELINE);
    expect(await timelineOf(t.http, 'vercel-good')).toEqual(GOOD_TIMELINE);
  });

  it('fires the detections on the bad run and none on the good one; the incident report renders', async () => {
    await expectDetections(t.http, 'vercel-bad', 'vercel-good');
  });
});

describe('Vercel AI SDK, LegacyOpenTelemetry (ai.* spans)', () => {
  it('names each conversation a session, and its timeline reads decided / touched in order', async () => {
    expect(await sessionsOf(t.http, 'vercel-ai-legacy')).toEqual(['vercel-legacy-bad', 'vercel-legacy-good']);
    expect(await timelineOf(t.http, 'vercel-legacy-bad')).toEqual(BAD_TIMELINE);
    expect(await timelineOf(t.http, 'vercel-legacy-good')).toEqual(GOOD_TIMELINE);
  });

  it('fires the detections on the bad run and none on the good one; the incident report renders', async () => {
    await expectDetections(t.http, 'vercel-legacy-bad', 'vercel-legacy-good');
  });
});
