/**
 * A real Python peer: OpenLLMetry's Python SDK (`traceloop-sdk` 0.62.4, with its OpenAI
 * instrumentation) tracing the smallest agent (python-peers/traceloop_agent.py): model calls by its
 * OpenAI instrumentation, tools as `@tool` functions, the conversation under an `@agent` function
 * named by the association property `session_id`, exported over OTLP/HTTP to flightrec's embedded
 * server (its anonymous telemetry off).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_SCRIPT, BAD_TIMELINE, expectDetections, GOOD_SCRIPT, GOOD_TIMELINE, GOOD_TURN_1, GOOD_TURN_2, sessionsOf, timelineOf, TURN_1, TURN_2 } from '../support/peer-scenario.ts';
import type { TestServer } from '../support/embedded.ts';
import { startPythonPeer, type PythonPeer } from './support/python-peer.ts';

const SERVICE = 'python-openllmetry';
let peer: PythonPeer;
let t: TestServer;

beforeAll(async () => {
  peer = await startPythonPeer('requirements-traceloop.txt');
  t = peer.t;
  await peer.run({ agent: 'traceloop_agent.py', service: SERVICE, session: 'tl-bad', script: BAD_SCRIPT, turns: [TURN_1, TURN_2] });
  await peer.run({ agent: 'traceloop_agent.py', service: SERVICE, session: 'tl-good', script: GOOD_SCRIPT, turns: [GOOD_TURN_1, GOOD_TURN_2] });
});

afterAll(async () => {
  await peer?.close();
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
