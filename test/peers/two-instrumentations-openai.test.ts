/**
 * Two real instrumentations on one `openai` client at once — OpenInference's
 * (`@arizeai/openinference-instrumentation-openai`, LLM spans) and the OpenTelemetry GenAI one
 * (`@opentelemetry/instrumentation-openai`, `chat {model}` spans) — as an application ends up with
 * when a platform SDK and its own OpenTelemetry setup each instrument the client. Every model call
 * is then recorded twice, one span inside the other, with no id in common. flightrec must count it
 * once (conventions/span-mapping.ts MODEL_CALL_SHADOW): runaway's model count and token budget,
 * and the timeline keeps both spans with the inner one flagged. Tools are the application's GenAI
 * `execute_tool` spans. openai 6 (the `openai6` alias), the newest both instrumentations support.
 */
import { context, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OpenAIInstrumentation as GenAIOpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { OpenAIInstrumentation as OpenInferenceOpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import * as openai6 from 'openai6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSavedQuery } from '../../catalogue/saved-queries.ts';
import { chTime } from '../../cli/commands/export.ts';
import { runSavedQuery } from '../../review/run-query.ts';
import { chatAgent, type ChatClient } from '../../tools/openai-chat-agent.ts';
import { BAD_SCRIPT, BAD_TIMELINE, expectDetections, GOOD_SCRIPT, GOOD_TIMELINE, GOOD_TURN_1, GOOD_TURN_2, runPeerTool, sessionsOf, TURN_1, TURN_2 } from '../support/peer-scenario.ts';
import { byTurnAndToolResults, startScriptedModel, type ScriptedModel } from '../../tools/scripted-model.ts';
import { allIngested, startTestServer, type TestServer } from '../support/embedded.ts';

const SERVICE = 'two-instrumentations-agent';
let t: TestServer;
let model: ScriptedModel;
let provider: TracerProvider;

function tracedTool(tracer: Tracer) {
  return (name: string, args: Record<string, string>, callId: string): Promise<string> =>
    tracer.startActiveSpan(`execute_tool ${name}`, { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.call.id': callId, 'gen_ai.tool.call.arguments': JSON.stringify(args) } }, async (span) => {
      try {
        return await runPeerTool(name, args);
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    });
}

async function converse(script: typeof BAD_SCRIPT, turns: readonly string[]): Promise<void> {
  model.setScript(script, { pick: byTurnAndToolResults, json: true });
  const client = new openai6.OpenAI({ baseURL: model.baseUrl, apiKey: 'scripted' }) as unknown as ChatClient;
  const tracer = provider.getTracer('mail-agent');
  await tracer.startActiveSpan('invoke_agent mail-agent', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'mail-agent' } }, async (agent) => {
    await chatAgent(client, turns, tracedTool(tracer));
    agent.end();
  });
}

const range = (): Record<string, string> => ({ from: chTime(new Date(Date.now() - 3_600_000)).slice(0, 23), to: chTime(new Date(Date.now() + 60_000)).slice(0, 23) });

beforeAll(async () => {
  t = await startTestServer();
  model = await startScriptedModel();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${t.server.otlpUrl}/v1/traces` }) })],
  });
  trace.setGlobalTracerProvider(provider);
  const genai = new GenAIOpenAIInstrumentation({ captureMessageContent: true });
  genai.setTracerProvider(provider);
  for (const def of genai.getModuleDefinitions()) def.patch?.(openai6, '6.30.1');
  // Typed for openai 7, which it also instruments; openai 6's module has the shape it patches.
  new OpenInferenceOpenAIInstrumentation({ tracerProvider: provider }).manuallyInstrument(openai6 as unknown as Parameters<OpenInferenceOpenAIInstrumentation['manuallyInstrument']>[0]);
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

describe('openai with OpenInference and the GenAI instrumentation at once', () => {
  it('records every model call twice, one span inside the other; the timeline flags the inner one', async () => {
    const [bad, good] = await sessionsOf(t.http, SERVICE);
    const rows = await runSavedQuery(t.http, findSavedQuery('session_timeline'), { session: bad! });
    const calls = rows.filter((r) => r.Step === 'model_call');
    expect(calls).toHaveLength(2 * BAD_SCRIPT.length);
    const shadows = calls.filter((r) => r.ShadowOf !== '');
    expect(shadows).toHaveLength(BAD_SCRIPT.length);
    // Each shadow's parent is a recorded model call of the other instrumentation.
    const bySpan = new Map(calls.map((r) => [String(r.SpanId), r]));
    for (const s of shadows) expect(bySpan.get(String(s.ShadowOf))?.ShadowOf).toBe('');
    expect(new Set(shadows.map((r) => r.SpanName)).size).toBe(1);
    const once = (rs: typeof rows): string[] => rs.filter((r) => r.Record !== '' && r.ShadowOf === '').map((r) => `${String(r.Record)}:${r.Record === 'touched' ? String(r.Tool) : ''}`);
    expect(once(rows)).toEqual(BAD_TIMELINE);
    expect(once(await runSavedQuery(t.http, findSavedQuery('session_timeline'), { session: good! }))).toEqual(GOOD_TIMELINE);
  });

  it('counts each model call once in runaway: the repeat threshold and the token budget', async () => {
    const [bad] = await sessionsOf(t.http, SERVICE);
    const runaway = async (extra: Record<string, string>) => (await runSavedQuery(t.http, findSavedQuery('detect_runaway'), { ...range(), ...extra })).filter((r) => r.SessionId === bad);
    const calls = BAD_SCRIPT.length;
    // Recorded twice, the calls would cross a threshold of their own number; counted once, they do not.
    expect((await runaway({ max_model_calls: String(calls) })).map((r) => r.Pattern)).toEqual([]);
    const over = await runaway({ max_model_calls: String(calls - 1) });
    expect(over.map((r) => r.Pattern)).toEqual(['model_repeat']);
    expect(String(over[0]!.Evidence)).toContain(`${calls} calls in all`);
    // The budget: tokens and calls of one recording only (the scripted model reports the same usage to both).
    const budget = await runaway({ token_budget: '1' });
    expect(budget.map((r) => r.Pattern)).toEqual(['token_budget']);
    expect(String(budget[0]!.Evidence)).toMatch(new RegExp(` over ${calls} model calls,`));
    const rs = await t.http.query({ query: "SELECT sum(InputTokens + OutputTokens) AS n FROM flightrec_spans WHERE ServiceName = {s:String} AND SessionId = {id:String} AND Step = 'model_call'", query_params: { s: SERVICE, id: bad! }, format: 'JSONEachRow' });
    const both = Number((await rs.json<{ n: string }>())[0]!.n);
    expect(String(budget[0]!.Evidence)).toMatch(new RegExp(`^${both / 2} tokens`));
  });

  it('fires the detections on the bad run and none on the good one; the incident report renders', async () => {
    const [bad, good] = await sessionsOf(t.http, SERVICE);
    await expectDetections(t.http, bad!, good!);
  });
});
