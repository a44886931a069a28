/**
 * A real Python peer: Grafana's agent-observability SDK (`agento11y` 0.21.0, with its OpenAI
 * wrappers `agento11y-openai`) recording the smallest agent (python-peers/agento11y_agent.py):
 * generation spans for the model calls, `execute_tool` spans for the tools, the conversation named
 * with its `with_conversation_id`, exported through the application's tracer provider over
 * OTLP/HTTP to flightrec's embedded server. Its generation ingest (to Grafana's service) is off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_SCRIPT, BAD_TIMELINE, expectDetections, GOOD_SCRIPT, GOOD_TIMELINE, GOOD_TURN_1, GOOD_TURN_2, sessionsOf, timelineOf, TURN_1, TURN_2 } from '../support/peer-scenario.ts';
import type { TestServer } from '../support/embedded.ts';
import { startPythonPeer, type PythonPeer } from './support/python-peer.ts';

const SERVICE = 'python-agento11y';
let peer: PythonPeer;
let t: TestServer;

beforeAll(async () => {
  peer = await startPythonPeer('requirements-agento11y.txt');
  t = peer.t;
  await peer.run({ agent: 'agento11y_agent.py', service: SERVICE, session: 'ao-bad', script: BAD_SCRIPT, turns: [TURN_1, TURN_2] });
  await peer.run({ agent: 'agento11y_agent.py', service: SERVICE, session: 'ao-good', script: GOOD_SCRIPT, turns: [GOOD_TURN_1, GOOD_TURN_2] });
});

afterAll(async () => {
  await peer?.close();
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
