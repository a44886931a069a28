/**
 * A real peer: the OpenAI Agents SDK for JavaScript (`@openai/agents`) with the scripted model as
 * its chat-completions model, traced by OpenInference's processor for it
 * (`@arizeai/openinference-instrumentation-openai-agents`): the SDK has no OpenTelemetry exporter
 * of its own, but a `TracingProcessor` interface, which the instrumentation registers at start-up
 * (`manuallyInstrument(agents)`, exclusive: nothing goes to the OpenAI platform) and turns into
 * OpenInference spans — generations as LLM, function tools as TOOL, the agent as AGENT — exported
 * over OTLP/HTTP to flightrec's embedded server. Both turns run inside one SDK `withTrace`, so the
 * trace is the session (the processor writes no session id). The failing tools are the SDK's
 * own: the tool throws, the SDK tells the model and goes on.
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { OpenAIAgentsInstrumentation } from '@arizeai/openinference-instrumentation-openai-agents';
import * as agents from '@openai/agents';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BAD_SCRIPT, BAD_TIMELINE, expectDetections, GOOD_SCRIPT, GOOD_TIMELINE, GOOD_TURN_1, GOOD_TURN_2, PEER_TOOLS, runPeerTool, sessionsOf, timelineOf, TURN_1, TURN_2 } from '../support/peer-scenario.ts';
import { byTurnAndToolResults, startScriptedModel, type ScriptedModel } from '../../tools/scripted-model.ts';
import { allIngested, startTestServer, type TestServer } from '../support/embedded.ts';

const SERVICE = 'openai-agents-js';
let t: TestServer;
let model: ScriptedModel;
let provider: TracerProvider;

function mailAgent(): agents.Agent {
  const tools = Object.entries(PEER_TOOLS).map(([name, spec]) => agents.tool({
    name,
    description: spec.description,
    parameters: z.object(Object.fromEntries(spec.params.map((p) => [p, z.string()]))),
    execute: (args: Record<string, string>) => runPeerTool(name, args),
  }));
  const llm = new OpenAI({ baseURL: model.baseUrl, apiKey: 'scripted' });
  return new agents.Agent({ name: 'mail-agent', instructions: 'You help with mail and files.', model: new agents.OpenAIChatCompletionsModel(llm as never, 'scripted-gpt'), tools });
}

async function converse(script: typeof BAD_SCRIPT, turns: readonly string[]): Promise<void> {
  model.setScript(script, { pick: byTurnAndToolResults, json: true });
  const agent = mailAgent();
  await agents.withTrace('mail conversation', async () => {
    let history: agents.AgentInputItem[] = [];
    for (const prompt of turns) {
      const result = await agents.run(agent, [...history, agents.user(prompt)]);
      history = result.history;
    }
  });
}

beforeAll(async () => {
  t = await startTestServer();
  model = await startScriptedModel();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${t.server.otlpUrl}/v1/traces` }) })],
  });
  // The SDK turns its tracing off when NODE_ENV is 'test' (as under vitest); an application has it on.
  agents.setTracingDisabled(false);
  new OpenAIAgentsInstrumentation({ tracerProvider: provider }).manuallyInstrument(agents);
  await converse(BAD_SCRIPT, [TURN_1, TURN_2]);
  await converse(GOOD_SCRIPT, [GOOD_TURN_1, GOOD_TURN_2]);
  await agents.getGlobalTraceProvider().forceFlush();
  await provider.forceFlush();
  await allIngested(t);
  await provider.shutdown();
}, 120_000);

afterAll(async () => {
  await model?.close();
  await t?.stop();
});

describe('@openai/agents (JS) + @arizeai/openinference-instrumentation-openai-agents', () => {
  it('maps generations (LLM) with model and tokens, function tools (TOOL) with effect, arguments and the SDK\'s tool error', async () => {
    const [bad] = await sessionsOf(t.http, SERVICE);
    const rs = await t.http.query({ query: "SELECT SpanName, Record, Step, Tool, Effect, IsError, ArgumentsSha256 != '' AS HasArgs, Model, InputTokens > 0 AS HasTokens FROM flightrec_spans WHERE SessionId = {s:String} AND Record != '' ORDER BY Timestamp LIMIT 6", query_params: { s: bad }, format: 'JSONEachRow' });
    const rows = await rs.json<Record<string, unknown>>();
    expect(rows.slice(0, 2)).toEqual([
      { SpanName: 'generation', Record: 'decided', Step: 'model_call', Tool: '', Effect: '', IsError: 0, HasArgs: 0, Model: 'scripted-gpt', HasTokens: 1 },
      { SpanName: 'read_file', Record: 'touched', Step: 'tool', Tool: 'read_file', Effect: 'read', IsError: 0, HasArgs: 1, Model: '', HasTokens: 0 },
    ]);
    expect(rows[5]).toMatchObject({ Tool: 'run_shell_command', Effect: 'execute', IsError: 1 });
  });

  it('timeline reads decided / touched in order', async () => {
    const [bad, good] = await sessionsOf(t.http, SERVICE);
    expect(await timelineOf(t.http, bad!)).toEqual(BAD_TIMELINE);
    expect(await timelineOf(t.http, good!)).toEqual(GOOD_TIMELINE);
  });

  it('fires the detections on the bad run and none on the good one; the incident report renders', async () => {
    const [bad, good] = await sessionsOf(t.http, SERVICE);
    await expectDetections(t.http, bad!, good!);
  });
});
