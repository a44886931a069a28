/**
 * A real Python peer: Grafana's agent-observability SDK (`agento11y` 0.21.0, with its OpenAI
 * wrappers `agento11y-openai`) recording the smallest agent (python-peers/agento11y_agent.py):
 * generation spans for the model calls, `execute_tool` spans for the tools, the conversation named
 * with its `with_conversation_id`, exported through the application's tracer provider over
 * OTLP/HTTP to flightrec's embedded server. Its generation ingest (to Grafana's service) is off.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_SCRIPT, BAD_TIMELINE, expectDetections, GOOD_SCRIPT, GOOD_TIMELINE, GOOD_TURN_1, GOOD_TURN_2, PEER_TOOLS, sessionsOf, timelineOf, TURN_1, TURN_2 } from '../support/peer-scenario.ts';
import { byTurnAndToolResults, startScriptedModel, type ScriptedModel } from '../support/scripted-model.ts';
import { startTestServer, type TestServer } from '../support/embedded.ts';
import { pythonVenv } from './support/python-venv.ts';

const HERE = fileURLToPath(new URL('./python-peers/', import.meta.url));
const REQUIREMENTS = join(HERE, 'requirements-agento11y.txt');
const SERVICE = 'python-agento11y';
let t: TestServer;
let model: ScriptedModel;
let python = '';

const FAILING = Object.entries(PEER_TOOLS).filter(([, s]) => { try { s.run({}); return false; } catch { return true; } }).map(([n]) => n);
const TOOL_SPECS = Object.fromEntries(Object.entries(PEER_TOOLS).map(([n, s]) => [n, { description: s.description, params: s.params }]));

async function run(session: string, script: typeof BAD_SCRIPT, turns: readonly string[]): Promise<void> {
  model.setScript(script, { pick: byTurnAndToolResults, json: true });
  const child = spawn(python, [join(HERE, 'agento11y_agent.py')], {
    env: { ...process.env, OTLP_URL: `${t.server.otlpUrl}/v1/traces`, MODEL_URL: model.baseUrl, PEER_TURNS: JSON.stringify(turns), PEER_TOOLS: JSON.stringify(TOOL_SPECS),
      PEER_FAILING: JSON.stringify(FAILING), PEER_SESSION: session, SERVICE_NAME: SERVICE },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  expect(await new Promise<number | null>((r) => child.on('exit', r))).toBe(0);
}

beforeAll(async () => {
  python = pythonVenv(REQUIREMENTS);
  t = await startTestServer();
  model = await startScriptedModel();
  await run('ao-bad', BAD_SCRIPT, [TURN_1, TURN_2]);
  await run('ao-good', GOOD_SCRIPT, [GOOD_TURN_1, GOOD_TURN_2]);
});

afterAll(async () => {
  await model?.close();
  await t?.stop();
});

describe('Python: openai + agento11y (Grafana agent observability)', () => {
  it('maps its generation spans (operation generateText) as model calls and its execute_tool spans with call id, arguments, result and errors', async () => {
    const rs = await t.http.query({ query: "SELECT SpanName, Record, Step, Operation, Tool, ToolCallId, Effect, IsError, ArgumentsSha256 != '' AS HasArgs, ResultSha256 != '' AS HasResult, Model, InputTokens FROM flightrec_spans WHERE SessionId = 'ao-bad' ORDER BY Timestamp LIMIT 6", format: 'JSONEachRow' });
    const rows = await rs.json<Record<string, unknown>>();
    expect(rows.slice(0, 2)).toEqual([
      { SpanName: 'generateText scripted-gpt', Record: 'decided', Step: 'model_call', Operation: 'generateText', Tool: '', ToolCallId: '', Effect: '', IsError: 0, HasArgs: 0, HasResult: 0, Model: 'scripted-gpt', InputTokens: 101 },
      { SpanName: 'execute_tool read_file', Record: 'touched', Step: 'tool', Operation: 'execute_tool', Tool: 'read_file', ToolCallId: 'call_scripted_1', Effect: 'read', IsError: 0, HasArgs: 1, HasResult: 1, Model: '', InputTokens: 0 },
    ]);
    expect(rows[5]).toMatchObject({ Tool: 'run_shell_command', Effect: 'execute', IsError: 1 });
  });

  it('names each conversation a session (gen_ai.conversation.id); timeline in order; detections fire on the bad run only; the report renders', async () => {
    expect(await sessionsOf(t.http, SERVICE)).toEqual(['ao-bad', 'ao-good']);
    expect(await timelineOf(t.http, 'ao-bad')).toEqual(BAD_TIMELINE);
    expect(await timelineOf(t.http, 'ao-good')).toEqual(GOOD_TIMELINE);
    await expectDetections(t.http, 'ao-bad', 'ao-good');
  });
});
