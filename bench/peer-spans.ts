/**
 * Spans as real agent instrumentations make them, for the dialect-mapping benchmark's second mix:
 * the peers of test/peers (pinned by package-lock.json) run their scripted conversations — a bad
 * and a good one, two turns each, model calls, tool calls, a failing tool — against the scripted
 * model, each exporting to memory instead of OTLP:
 *  - `openai` with `@opentelemetry/instrumentation-openai` (message content captured) and the
 *    application's `execute_tool` spans per the GenAI conventions, arguments and results included;
 *  - `openai` with `@arizeai/openinference-instrumentation-openai` and OpenInference's `traceTool`;
 *  - the Vercel AI SDK (`ai`) with its OpenTelemetry integration, current and legacy spans.
 * (OpenLLMetry sets up its own exporter and OpenTelemetry API copy, so it is not captured here.)
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OpenAIInstrumentation as GenAIOpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { setSession, traceTool } from '@arizeai/openinference-core';
import { OpenAIInstrumentation as OpenInferenceOpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import { createOpenAI } from '@ai-sdk/openai';
import { LegacyOpenTelemetry, OpenTelemetry } from '@ai-sdk/otel';
import { generateText, isStepCount, jsonSchema, tool, type ModelMessage, type Telemetry, type ToolSet } from 'ai';
import OpenAI from 'openai';
import * as openai6 from 'openai6';
import { chatAgent, type ChatClient } from '../tools/openai-chat-agent.ts';
import { BAD_SCRIPT, GOOD_SCRIPT, GOOD_TURN_1, GOOD_TURN_2, genaiToolSpan, PEER_TOOLS, runPeerTool, TURN_1, TURN_2 } from '../tools/peer-script.ts';
import { byTurnAndToolResults, startScriptedModel, type ScriptedModel } from '../tools/scripted-model.ts';

const CONVERSATIONS = [
  { id: 'bad', script: BAD_SCRIPT, turns: [TURN_1, TURN_2] },
  { id: 'good', script: GOOD_SCRIPT, turns: [GOOD_TURN_1, GOOD_TURN_2] },
] as const;

function memoryProvider(service: string): { provider: TracerProvider; memory: InMemorySpanExporter } {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  return { provider, memory };
}

/** The spans a provider made (read before shutdown, which empties the in-memory exporter). */
async function finished(provider: TracerProvider, memory: InMemorySpanExporter, after?: () => void): Promise<ReadableSpan[]> {
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  after?.();
  return spans;
}

async function genai(model: ScriptedModel): Promise<ReadableSpan[]> {
  const { provider, memory } = memoryProvider('otel-genai-agent');
  trace.setGlobalTracerProvider(provider);
  const instrumentation = new GenAIOpenAIInstrumentation({ captureMessageContent: true });
  instrumentation.setTracerProvider(provider);
  for (const def of instrumentation.getModuleDefinitions()) def.patch?.(openai6, '6.30.1');
  for (const c of CONVERSATIONS) {
    model.setScript(c.script, { pick: byTurnAndToolResults, json: true });
    const client = new openai6.OpenAI({ baseURL: model.baseUrl, apiKey: 'scripted' }) as unknown as ChatClient;
    const tracer = provider.getTracer('mail-agent');
    await tracer.startActiveSpan('invoke_agent mail-agent', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'mail-agent' } }, async (span) => {
      try {
        await chatAgent(client, c.turns, genaiToolSpan(tracer));
      } finally {
        span.end();
      }
    });
  }
  return finished(provider, memory, () => trace.disable());
}

async function openinference(model: ScriptedModel): Promise<ReadableSpan[]> {
  const { provider, memory } = memoryProvider('openinference-agent');
  const instrumentation = new OpenInferenceOpenAIInstrumentation({ tracerProvider: provider });
  instrumentation.manuallyInstrument(OpenAI);
  for (const c of CONVERSATIONS) {
    model.setScript(c.script, { pick: byTurnAndToolResults, json: true });
    const client = new OpenAI({ baseURL: model.baseUrl, apiKey: 'scripted' }) as unknown as ChatClient;
    const tracer = provider.getTracer('app');
    await context.with(setSession(context.active(), { sessionId: `oi-${c.id}` }), () =>
      chatAgent(client, c.turns, (name, args) => traceTool((a: Record<string, string>) => runPeerTool(name, a), { name, tracer })(args)));
  }
  return finished(provider, memory);
}

const vercelTools: ToolSet = Object.fromEntries(Object.entries(PEER_TOOLS).map(([name, spec]) => [name, tool({
  description: spec.description,
  inputSchema: jsonSchema<Record<string, string>>({ type: 'object', properties: Object.fromEntries(spec.params.map((p) => [p, { type: 'string' }])), required: [...spec.params] }),
  execute: async (args: Record<string, string>) => runPeerTool(name, args),
})]));

async function vercel(model: ScriptedModel, legacy: boolean): Promise<ReadableSpan[]> {
  const { provider, memory } = memoryProvider(legacy ? 'vercel-ai-legacy' : 'vercel-ai-otel');
  const tracer = provider.getTracer('ai');
  const telemetry: Telemetry = legacy
    ? new LegacyOpenTelemetry({ tracer })
    : new OpenTelemetry({ tracer, enrichSpan: ({ runtimeContext }) => ({ 'gen_ai.conversation.id': String(runtimeContext?.conversationId ?? '') }) });
  const openai = createOpenAI({ baseURL: model.baseUrl, apiKey: 'scripted' });
  for (const c of CONVERSATIONS) {
    model.setScript(c.script, { pick: byTurnAndToolResults, json: true });
    const messages: ModelMessage[] = [];
    for (const prompt of c.turns) {
      messages.push({ role: 'user', content: prompt });
      const result = await generateText({
        model: openai.chat('scripted-gpt'), messages, tools: vercelTools, stopWhen: isStepCount(20),
        runtimeContext: { conversationId: `vercel-${c.id}` },
        telemetry: { integrations: [telemetry], functionId: 'mail-agent', includeRuntimeContext: { conversationId: true } },
      });
      messages.push(...result.responseMessages);
    }
  }
  return finished(provider, memory);
}

/** Every peer's spans, in the order each made them. */
export async function peerSpans(): Promise<ReadableSpan[]> {
  const model = await startScriptedModel();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  try {
    return [...(await genai(model)), ...(await openinference(model)), ...(await vercel(model, false)), ...(await vercel(model, true))];
  } finally {
    context.disable();
    await model.close();
  }
}
