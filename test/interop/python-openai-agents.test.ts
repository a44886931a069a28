/**
 * A real Python peer: the OpenAI Agents SDK (`openai-agents`) with the scripted model as its chat
 * completions model, traced by `openinference-instrumentation-openai-agents`, running the scripted
 * two-turn bad and good conversations of test/support/peer-scenario.ts into flightrec's embedded
 * server over OTLP/HTTP. Its failing tools are the SDK's own: the tool raises, the SDK reports the
 * error to the model and goes on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_SCRIPT, BAD_TIMELINE, expectDetections, GOOD_SCRIPT, GOOD_TIMELINE, GOOD_TURN_1, GOOD_TURN_2, sessionsOf, timelineOf, TURN_1, TURN_2 } from '../support/peer-scenario.ts';
import type { TestServer } from '../support/embedded.ts';
import { startPythonPeer, type PythonPeer } from './support/python-peer.ts';

let peer: PythonPeer;
let t: TestServer;

beforeAll(async () => {
  peer = await startPythonPeer('requirements-agents.txt');
  t = peer.t;
  await peer.run({ agent: 'agents_sdk_agent.py', service: 'python-openai-agents', script: BAD_SCRIPT, turns: [TURN_1, TURN_2] });
  await peer.run({ agent: 'agents_sdk_agent.py', service: 'python-openai-agents', script: GOOD_SCRIPT, turns: [GOOD_TURN_1, GOOD_TURN_2] });
});

afterAll(async () => {
  await peer?.close();
});

describe('Python: OpenAI Agents SDK + openinference-instrumentation-openai-agents', () => {
  it('timeline reads decided / touched in order; detections fire on the bad run only; the report renders', async () => {
    const [bad, good] = await sessionsOf(t.http, 'python-openai-agents');
    expect(await timelineOf(t.http, bad!)).toEqual(BAD_TIMELINE);
    expect(await timelineOf(t.http, good!)).toEqual(GOOD_TIMELINE);
    await expectDetections(t.http, bad!, good!);
  });
});
