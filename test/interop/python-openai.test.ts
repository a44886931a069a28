/**
 * Real Python peers: the `openai` client traced by `opentelemetry-instrumentation-openai-v2` (GenAI
 * conventions) and by `openinference-instrumentation-openai` (OpenInference), each running the
 * scripted two-turn bad and good conversations of test/support/peer-scenario.ts against the scripted
 * model and exporting over OTLP/HTTP to flightrec's embedded server. The virtual environment is
 * built once per requirements file and Python version, outside the clone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_SCRIPT, BAD_TIMELINE, expectDetections, GOOD_SCRIPT, GOOD_TIMELINE, GOOD_TURN_1, GOOD_TURN_2, sessionsOf, timelineOf, TURN_1, TURN_2 } from '../support/peer-scenario.ts';
import type { TestServer } from '../support/embedded.ts';
import { startPythonPeer, type PythonPeer } from './support/python-peer.ts';

let peer: PythonPeer;
let t: TestServer;
const GENAI_LATEST = { OTEL_SEMCONV_STABILITY_OPT_IN: 'gen_ai_latest_experimental' };

beforeAll(async () => {
  peer = await startPythonPeer('requirements.txt');
  t = peer.t;
  await peer.run({ agent: 'openai_agent.py', args: ['otel'], service: 'python-otel-genai', script: BAD_SCRIPT, turns: [TURN_1, TURN_2], env: GENAI_LATEST });
  await peer.run({ agent: 'openai_agent.py', args: ['otel'], service: 'python-otel-genai', script: GOOD_SCRIPT, turns: [GOOD_TURN_1, GOOD_TURN_2], env: GENAI_LATEST });
  await peer.run({ agent: 'openai_agent.py', args: ['openinference'], service: 'python-openinference', session: 'py-oi-bad', script: BAD_SCRIPT, turns: [TURN_1, TURN_2], env: GENAI_LATEST });
  await peer.run({ agent: 'openai_agent.py', args: ['openinference'], service: 'python-openinference', session: 'py-oi-good', script: GOOD_SCRIPT, turns: [GOOD_TURN_1, GOOD_TURN_2], env: GENAI_LATEST });
});

afterAll(async () => {
  await peer?.close();
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
