/**
 * A real Python peer: OpenLLMetry's Python SDK (`traceloop-sdk` 0.62.4, with its OpenAI
 * instrumentation) tracing the smallest agent (python-peers/traceloop_agent.py): model calls by its
 * OpenAI instrumentation, tools as `@tool` functions, the conversation under an `@agent` function
 * named by the association property `session_id`, exported over OTLP/HTTP to flightrec's embedded
 * server (its anonymous telemetry off).
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
const REQUIREMENTS = join(HERE, 'requirements-traceloop.txt');
const SERVICE = 'python-openllmetry';
let t: TestServer;
let model: ScriptedModel;
let python = '';

const FAILING = Object.entries(PEER_TOOLS).filter(([, s]) => { try { s.run({}); return false; } catch { return true; } }).map(([n]) => n);
const TOOL_SPECS = Object.fromEntries(Object.entries(PEER_TOOLS).map(([n, s]) => [n, { description: s.description, params: s.params }]));

async function run(session: string, script: typeof BAD_SCRIPT, turns: readonly string[]): Promise<void> {
  model.setScript(script, { pick: byTurnAndToolResults, json: true });
  const child = spawn(python, [join(HERE, 'traceloop_agent.py')], {
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
  await run('tl-bad', BAD_SCRIPT, [TURN_1, TURN_2]);
  await run('tl-good', GOOD_SCRIPT, [GOOD_TURN_1, GOOD_TURN_2]);
});

afterAll(async () => {
  await model?.close();
  await t?.stop();
});

describe('Python: openai + OpenLLMetry (traceloop-sdk)', () => {
  it('maps its model calls (GenAI names on openai.chat) and its @tool spans (traceloop.span.kind = tool) with effect, arguments and the tool\'s exception', async () => {
    const rs = await t.http.query({ query: "SELECT SpanName, ScopeName, Record, Step, Tool, Effect, IsError, ArgumentsSha256 != '' AS HasArgs, Model, InputTokens FROM flightrec_spans WHERE SessionId = 'tl-bad' AND Record != '' ORDER BY Timestamp LIMIT 6", format: 'JSONEachRow' });
    const rows = await rs.json<Record<string, unknown>>();
    expect(rows.slice(0, 2)).toEqual([
      { SpanName: 'openai.chat', ScopeName: 'opentelemetry.instrumentation.openai.v1', Record: 'decided', Step: 'model_call', Tool: '', Effect: '', IsError: 0, HasArgs: 0, Model: 'scripted-gpt', InputTokens: 101 },
      { SpanName: 'read_file.tool', ScopeName: 'traceloop.tracer', Record: 'touched', Step: 'tool', Tool: 'read_file', Effect: 'read', IsError: 0, HasArgs: 1, Model: '', InputTokens: 0 },
    ]);
    expect(rows[5]).toMatchObject({ SpanName: 'run_shell_command.tool', Tool: 'run_shell_command', Effect: 'execute', IsError: 1 });
  });

  it('names each conversation a session (association property session_id); timeline in order; detections fire on the bad run only; the report renders', async () => {
    expect(await sessionsOf(t.http, SERVICE)).toEqual(['tl-bad', 'tl-good']);
    expect(await timelineOf(t.http, 'tl-bad')).toEqual(BAD_TIMELINE);
    expect(await timelineOf(t.http, 'tl-good')).toEqual(GOOD_TIMELINE);
    await expectDetections(t.http, 'tl-bad', 'tl-good');
  });
});
