/**
 * A real Python MCP peer: the `mcp` SDK (2.x), whose client and server emit OpenTelemetry spans of
 * their own under the MCP conventions (`mcp.method.name`, `jsonrpc.request.id`; the server's
 * `tools/call` span also GenAI `execute_tool` with `gen_ai.tool.name`), with the agent's model calls
 * traced by `opentelemetry-instrumentation-openai-v2`. The tools live on an MCP server that the SDK's
 * Client starts as a child process over stdio; agent and server each export over OTLP/HTTP to
 * flightrec's embedded server. The SDK carries the trace in each request's `_meta`, so a call's
 * client and server spans share the trace and the JSON-RPC request id: two spans, one call.
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
const REQUIREMENTS = join(HERE, 'requirements-mcp.txt');
const SERVICE = 'python-mcp-agent';
let t: TestServer;
let model: ScriptedModel;
let python = '';

const FAILING = Object.entries(PEER_TOOLS).filter(([, s]) => { try { s.run({}); return false; } catch { return true; } }).map(([n]) => n);
const TOOL_SPECS = Object.fromEntries(Object.entries(PEER_TOOLS).map(([n, s]) => [n, { description: s.description, params: s.params }]));
/** Each tool call is in the timeline twice — the client's span, then the server's: both are evidence, one call. */
const twice = (timeline: readonly string[]): string[] => timeline.flatMap((e) => (e.startsWith('touched:') ? [e, e] : [e]));

async function run(script: typeof BAD_SCRIPT, turns: readonly string[]): Promise<void> {
  model.setScript(script, { pick: byTurnAndToolResults, json: true });
  const child = spawn(python, [join(HERE, 'mcp_agent.py')], {
    env: { ...process.env, OTLP_URL: `${t.server.otlpUrl}/v1/traces`, MODEL_URL: model.baseUrl, PEER_TURNS: JSON.stringify(turns), PEER_TOOLS: JSON.stringify(TOOL_SPECS),
      PEER_FAILING: JSON.stringify(FAILING), SERVICE_NAME: SERVICE, OTEL_SEMCONV_STABILITY_OPT_IN: 'gen_ai_latest_experimental' },
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
