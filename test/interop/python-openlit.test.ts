/**
 * A real Python peer: OpenLIT (`openlit.init()`) tracing the `openai` client of the smallest agent
 * (python-peers/openai_agent.py, mode `openlit`), its tools as GenAI `execute_tool` spans under one
 * `invoke_agent` span, exported over OTLP/HTTP to flightrec's embedded server. OpenLIT gets its own
 * virtual environment (requirements-openlit.txt): it needs openai < 3 and pins a whole line of
 * OpenTelemetry instrumentations, which the other Python peers' pins do not fit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_SCRIPT, BAD_TIMELINE, expectDetections, GOOD_SCRIPT, GOOD_TIMELINE, GOOD_TURN_1, GOOD_TURN_2, sessionsOf, timelineOf, TURN_1, TURN_2 } from '../support/peer-scenario.ts';
import type { TestServer } from '../support/embedded.ts';
import { startPythonPeer, type PythonPeer } from './support/python-peer.ts';

const SERVICE = 'python-openlit';
let peer: PythonPeer;
let t: TestServer;

beforeAll(async () => {
  peer = await startPythonPeer('requirements-openlit.txt');
  t = peer.t;
  await peer.run({ agent: 'openai_agent.py', args: ['openlit'], service: SERVICE, script: BAD_SCRIPT, turns: [TURN_1, TURN_2] });
  await peer.run({ agent: 'openai_agent.py', args: ['openlit'], service: SERVICE, script: GOOD_SCRIPT, turns: [GOOD_TURN_1, GOOD_TURN_2] });
});

afterAll(async () => {
  await peer?.close();
});

describe('Python: openai + OpenLIT', () => {
  it('maps its chat spans (GenAI names) as model calls, with the tool the model asked for; the arguments hashed are the execution\'s', async () => {
    const [bad] = await sessionsOf(t.http, SERVICE);
    const rs = await t.http.query({ query: "SELECT SpanName, ScopeName, Record, Step, Tool, ArgumentsSha256 != '' AS HasArgs, Model, InputTokens, OutputTokens FROM flightrec_spans WHERE SessionId = {s:String} AND Record != '' ORDER BY Timestamp LIMIT 2", query_params: { s: bad }, format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([
      // OpenLIT puts the requested call's gen_ai.tool.name / .call.id / gen_ai.tool.args on the chat span.
      { SpanName: 'chat scripted-gpt', ScopeName: 'openlit.instrumentation.openai', Record: 'decided', Step: 'model_call', Tool: 'read_file', HasArgs: 0, Model: 'scripted-gpt', InputTokens: 101, OutputTokens: 11 },
      { SpanName: 'execute_tool read_file', ScopeName: 'python-agent', Record: 'touched', Step: 'tool', Tool: 'read_file', HasArgs: 1, Model: '', InputTokens: 0, OutputTokens: 0 },
    ]);
  });

  it('timeline reads decided / touched in order; detections fire on the bad run only; the report renders', async () => {
    const [bad, good] = await sessionsOf(t.http, SERVICE);
    expect(await timelineOf(t.http, bad!)).toEqual(BAD_TIMELINE);
    expect(await timelineOf(t.http, good!)).toEqual(GOOD_TIMELINE);
    await expectDetections(t.http, bad!, good!);
  });
});
