/**
 * A real Python MCP peer: the `mcp` SDK (2.x), whose client and server emit OpenTelemetry spans of
 * their own under the MCP conventions (`mcp.method.name`, `jsonrpc.request.id`; the server's
 * `tools/call` span also GenAI `execute_tool` with `gen_ai.tool.name`), with the agent's model calls
 * traced by `opentelemetry-instrumentation-openai-v2`. The tools live on an MCP server that the SDK's
 * Client starts as a child process over stdio; agent and server each export over OTLP/HTTP to
 * flightrec's embedded server. The SDK carries the trace in each request's `_meta`, so a call's
 * client and server spans share the trace and the JSON-RPC request id: two spans, one call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_SCRIPT, BAD_TIMELINE, expectDetections, GOOD_SCRIPT, GOOD_TIMELINE, GOOD_TURN_1, GOOD_TURN_2, sessionsOf, timelineOf, TURN_1, TURN_2 } from '../support/peer-scenario.ts';
import type { TestServer } from '../support/embedded.ts';
import { startPythonPeer, type PythonPeer } from './support/python-peer.ts';

const SERVICE = 'python-mcp-agent';
let peer: PythonPeer;
let t: TestServer;
const GENAI_LATEST = { OTEL_SEMCONV_STABILITY_OPT_IN: 'gen_ai_latest_experimental' };
/** Each tool call is in the timeline twice — the client's span, then the server's: both are evidence, one call. */
const twice = (timeline: readonly string[]): string[] => timeline.flatMap((e) => (e.startsWith('touched:') ? [e, e] : [e]));

beforeAll(async () => {
  peer = await startPythonPeer('requirements-mcp.txt');
  t = peer.t;
  await peer.run({ agent: 'mcp_agent.py', service: SERVICE, script: BAD_SCRIPT, turns: [TURN_1, TURN_2], env: GENAI_LATEST });
  await peer.run({ agent: 'mcp_agent.py', service: SERVICE, script: GOOD_SCRIPT, turns: [GOOD_TURN_1, GOOD_TURN_2], env: GENAI_LATEST });
});

afterAll(async () => {
  await peer?.close();
});

describe('Python: mcp SDK client + server (its own MCP spans) + opentelemetry-instrumentation-openai-v2', () => {
  it('reads the MCP conventions: tools/call on both sides is touched (tool from gen_ai.tool.name, or the client span\'s name), other methods plumbing', async () => {
    const rs = await t.http.query({ query: "SELECT ServiceName, SpanName, Record, Step, Tool, Effect, IsError, ToolCallId LIKE 'mcp:%' AS McpCallId FROM flightrec_spans WHERE SpanAttributes['mcp.method.name'] != '' ORDER BY Timestamp LIMIT 10", format: 'JSONEachRow' });
    const rows = await rs.json<Record<string, unknown>>();
    const plumbing = { Record: '', Step: '', Tool: '', Effect: '', IsError: 0, McpCallId: 0 };
    expect(rows.slice(0, 4)).toEqual([
      { ServiceName: SERVICE, SpanName: 'MCP send server/discover', ...plumbing },
      { ServiceName: 'python-mcp-server', SpanName: 'server/discover', ...plumbing },
      { ServiceName: SERVICE, SpanName: 'MCP send tools/call read_file', Record: 'touched', Step: 'tool', Tool: 'read_file', Effect: 'read', IsError: 0, McpCallId: 1 },
      { ServiceName: 'python-mcp-server', SpanName: 'tools/call read_file', Record: 'touched', Step: 'tool', Tool: 'read_file', Effect: 'read', IsError: 0, McpCallId: 1 },
    ]);
    const shell = rows.filter((r) => r.Tool === 'run_shell_command');
    expect(shell.map((r) => [r.ServiceName, r.IsError])).toEqual([[SERVICE, 0], ['python-mcp-server', 1]]); // the server knows the tool failed
  });

  it('maps both sides of each tools/call to touched records sharing one call id; the timeline reads in order', async () => {
    const [bad, good] = await sessionsOf(t.http, SERVICE);
    expect(await timelineOf(t.http, bad!)).toEqual(twice(BAD_TIMELINE));
    expect(await timelineOf(t.http, good!)).toEqual(twice(GOOD_TIMELINE));
  });

  it('counts each call once: detections fire on the bad run only; the report renders', async () => {
    const [bad, good] = await sessionsOf(t.http, SERVICE);
    // The SDK's spans carry no tool arguments, so two sends of the same mail cannot be told apart from two mails.
    await expectDetections(t.http, bad!, good!, { argumentsRecorded: false });
  });
});
