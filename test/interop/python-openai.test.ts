/**
 * Real Python peers: the `openai` client traced by `opentelemetry-instrumentation-openai-v2` (GenAI
 * conventions) and by `openinference-instrumentation-openai` (OpenInference), each running the
 * scripted two-turn bad and good conversations of test/support/peer-scenario.ts against the scripted
 * model and exporting over OTLP/HTTP to flightrec's embedded server. The virtual environment is
 * built once per requirements file and Python version, outside the clone.
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
const REQUIREMENTS = join(HERE, 'requirements.txt');
let t: TestServer;
let model: ScriptedModel;
let python = '';

const FAILING = Object.entries(PEER_TOOLS).filter(([, s]) => { try { s.run({}); return false; } catch { return true; } }).map(([n]) => n);
const TOOL_SPECS = Object.fromEntries(Object.entries(PEER_TOOLS).map(([n, s]) => [n, { description: s.description, params: s.params }]));

async function run(mode: 'otel' | 'openinference', service: string, session: string, script: typeof BAD_SCRIPT, turns: readonly string[]): Promise<void> {
  model.setScript(script, { pick: byTurnAndToolResults, json: true });
  const child = spawn(python, [join(HERE, 'openai_agent.py'), mode], {
    env: { ...process.env, OTLP_URL: `${t.server.otlpUrl}/v1/traces`, MODEL_URL: model.baseUrl, PEER_TURNS: JSON.stringify(turns), PEER_TOOLS: JSON.stringify(TOOL_SPECS),
      PEER_FAILING: JSON.stringify(FAILING), PEER_SESSION: session, SERVICE_NAME: service, OTEL_SEMCONV_STABILITY_OPT_IN: 'gen_ai_latest_experimental' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  expect(code).toBe(0);
}

beforeAll(async () => {
  python = pythonVenv(REQUIREMENTS);
  t = await startTestServer();
  model = await startScriptedModel();
  await run('otel', 'python-otel-genai', '', BAD_SCRIPT, [TURN_1, TURN_2]);
  await run('otel', 'python-otel-genai', '', GOOD_SCRIPT, [GOOD_TURN_1, GOOD_TURN_2]);
  await run('openinference', 'python-openinference', 'py-oi-bad', BAD_SCRIPT, [TURN_1, TURN_2]);
  await run('openinference', 'python-openinference', 'py-oi-good', GOOD_SCRIPT, [GOOD_TURN_1, GOOD_TURN_2]);
});

afterAll(async () => {
  await model?.close();
  await t?.stop();
});

describe('Python: openai + opentelemetry-instrumentation-openai-v2 (GenAI conventions)', () => {
  it('timeline reads decided / touched in order; detections fire on the bad run only; the report renders', async () => {
    const [bad, good] = await sessionsOf(t.http, 'python-otel-genai');
    expect(await timelineOf(t.http, bad!)).toEqual(BAD_TIMELINE);
    expect(await timelineOf(t.http, good!)).toEqual(GOOD_TIMELINE);
    await expectDetections(t.http, bad!, good!);
  });
});

describe('Python: openai + openinference-instrumentation-openai', () => {
  it('sessions from using_session; timeline in order; detections fire on the bad run only; the report renders', async () => {
    expect(await sessionsOf(t.http, 'python-openinference')).toEqual(['py-oi-bad', 'py-oi-good']);
    expect(await timelineOf(t.http, 'py-oi-bad')).toEqual(BAD_TIMELINE);
    expect(await timelineOf(t.http, 'py-oi-good')).toEqual(GOOD_TIMELINE);
    await expectDetections(t.http, 'py-oi-bad', 'py-oi-good');
  });
});
