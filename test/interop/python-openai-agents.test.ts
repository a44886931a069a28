/**
 * A real Python peer: the OpenAI Agents SDK (`openai-agents`) with the scripted model as its chat
 * completions model, traced by `openinference-instrumentation-openai-agents`, running the scripted
 * two-turn bad and good conversations of test/support/peer-scenario.ts into flightrec's embedded
 * server over OTLP/HTTP. Its failing tools are the SDK's own: the tool raises, the SDK reports the
 * error to the model and goes on.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_SCRIPT, BAD_TIMELINE, expectDetections, GOOD_SCRIPT, GOOD_TIMELINE, GOOD_TURN_1, GOOD_TURN_2, sessionsOf, timelineOf, TURN_1, TURN_2 } from '../support/peer-scenario.ts';
import { byTurnAndToolResults, startScriptedModel, type ScriptedModel } from '../support/scripted-model.ts';
import { startTestServer, type TestServer } from '../support/embedded.ts';
import { pythonVenv } from './support/python-venv.ts';

const HERE = fileURLToPath(new URL('./python-peers/', import.meta.url));
const REQUIREMENTS = join(HERE, 'requirements-agents.txt');
let t: TestServer;
let model: ScriptedModel;
let python = '';

async function run(script: typeof BAD_SCRIPT, turns: readonly string[]): Promise<void> {
  model.setScript(script, { pick: byTurnAndToolResults, json: true });
  const child = spawn(python, [join(HERE, 'agents_sdk_agent.py')], {
    env: { ...process.env, OTLP_URL: `${t.server.otlpUrl}/v1/traces`, MODEL_URL: model.baseUrl, PEER_TURNS: JSON.stringify(turns), SERVICE_NAME: 'python-openai-agents' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  expect(await new Promise<number | null>((r) => child.on('exit', r))).toBe(0);
}

beforeAll(async () => {
  python = pythonVenv(REQUIREMENTS);
  t = await startTestServer();
  model = await startScriptedModel();
  await run(BAD_SCRIPT, [TURN_1, TURN_2]);
  await run(GOOD_SCRIPT, [GOOD_TURN_1, GOOD_TURN_2]);
});

afterAll(async () => {
  await model?.close();
  await t?.stop();
});

describe('Python: OpenAI Agents SDK + openinference-instrumentation-openai-agents', () => {
  it('timeline reads decided / touched in order; detections fire on the bad run only; the report renders', async () => {
    const [bad, good] = await sessionsOf(t.http, 'python-openai-agents');
    expect(await timelineOf(t.http, bad!)).toEqual(BAD_TIMELINE);
    expect(await timelineOf(t.http, good!)).toEqual(GOOD_TIMELINE);
    await expectDetections(t.http, bad!, good!);
  });
});
