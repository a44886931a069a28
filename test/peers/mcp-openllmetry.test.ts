/**
 * A real MCP peer: the agent's tools live on an MCP server (`@modelcontextprotocol/sdk`'s
 * `McpServer`) and the agent calls them through the SDK's `Client` over its in-memory transport,
 * traced by OpenLLMetry's MCP instrumentation (`@traceloop/instrumentation-mcp`, registered by
 * `@traceloop/node-server-sdk`'s `initialize()` with `instrumentModules.mcp`) and its OpenAI
 * instrumentation for the model calls, exported over OTLP to flightrec's embedded server.
 *
 * The MCP SDK for TypeScript emits no spans of its own, and OpenLLMetry's MCP instrumentation
 * writes its own vocabulary, not the MCP conventions' `mcp.method.name`: a client-side
 * `{tool}.tool` span per `tools/call` with `traceloop.span.kind` = tool and the arguments and
 * result, the tool's `isError` as the span's error status. It wraps `Server.request` (requests the
 * server sends), not the handling of incoming calls, so the server side adds no tool span and a
 * call is recorded once.
 */
import { createRequire } from 'node:module';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as traceloop from '@traceloop/node-server-sdk';
import * as openai6 from 'openai6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chatAgent, type ChatClient } from '../../tools/openai-chat-agent.ts';
import { BAD_SCRIPT, BAD_TIMELINE, expectDetections, GOOD_SCRIPT, GOOD_TIMELINE, GOOD_TURN_1, GOOD_TURN_2, PEER_TOOLS, runPeerTool, sessionsOf, timelineOf, TURN_1, TURN_2 } from '../support/peer-scenario.ts';
import { byTurnAndToolResults, startScriptedModel, type ScriptedModel } from '../../tools/scripted-model.ts';
import { allIngested, startTestServer, type TestServer } from '../support/embedded.ts';

const SERVICE = 'mcp-agent';
let t: TestServer;
let model: ScriptedModel;

/** The peer tools served over MCP; a tool that throws is answered by the SDK as an `isError` result. */
function mcpServer(): McpServer {
  const server = new McpServer({ name: 'peer-tools', version: '1.0.0' });
  for (const [name, spec] of Object.entries(PEER_TOOLS)) {
    server.registerTool(name, { description: spec.description, inputSchema: Object.fromEntries(spec.params.map((p) => [p, z.string()])) },
      async (args: Record<string, string>) => ({ content: [{ type: 'text' as const, text: await runPeerTool(name, args) }] }));
  }
  return server;
}

async function converse(sessionId: string, script: typeof BAD_SCRIPT, turns: readonly string[]): Promise<void> {
  model.setScript(script, { pick: byTurnAndToolResults, json: true });
  const llm = new openai6.OpenAI({ baseURL: model.baseUrl, apiKey: 'scripted' }) as unknown as ChatClient;
  await traceloop.withAssociationProperties({ [traceloop.AssociationProperty.SESSION_ID]: sessionId }, () =>
    traceloop.withAgent({ name: 'mail-agent' }, async () => {
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      const server = mcpServer();
      await server.connect(serverSide);
      const mcp = new Client({ name: 'mail-agent', version: '1.0.0' });
      await mcp.connect(clientSide);
      await chatAgent(llm, turns, async (name, args) => {
        const res = await mcp.callTool({ name, arguments: args });
        const text = (res.content as { text: string }[])[0]?.text ?? '';
        if (res.isError) throw new Error(text);
        return text;
      });
      await mcp.close();
      await server.close();
    }));
}

beforeAll(async () => {
  t = await startTestServer();
  model = await startScriptedModel();
  traceloop.initialize({
    appName: SERVICE,
    baseUrl: t.server.otlpUrl,
    traceloopSyncEnabled: false,
    disableBatch: true,
    silenceInitializationMessage: true,
    instrumentModules: { openAI: openai6.OpenAI as never, mcp: { Client } as never },
  });
  await converse('mcp-bad', BAD_SCRIPT, [TURN_1, TURN_2]);
  await converse('mcp-good', GOOD_SCRIPT, [GOOD_TURN_1, GOOD_TURN_2]);
  await traceloop.forceFlush();
  await allIngested(t);
}, 120_000);

afterAll(async () => {
  await model?.close();
  await t?.stop();
});

describe('@modelcontextprotocol/sdk client and server + OpenLLMetry MCP instrumentation', () => {
  it('maps each tools/call as one touched record (OpenLLMetry tool span, client side) with the tool\'s error; MCP plumbing stays plumbing', async () => {
    const rs = await t.http.query({ query: "SELECT SpanName, ScopeName, Record, Step, Tool, Effect, IsError, ArgumentsSha256 != '' AS HasArgs, ResultSha256 != '' AS HasResult FROM flightrec_spans WHERE SessionId = 'mcp-bad' AND ScopeName = '@traceloop/instrumentation-mcp' ORDER BY Timestamp LIMIT 5", format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([
      { SpanName: 'mcp.client.session', ScopeName: '@traceloop/instrumentation-mcp', Record: '', Step: '', Tool: '', Effect: '', IsError: 0, HasArgs: 0, HasResult: 0 },
      { SpanName: 'initialize.mcp', ScopeName: '@traceloop/instrumentation-mcp', Record: '', Step: '', Tool: '', Effect: '', IsError: 0, HasArgs: 0, HasResult: 0 },
      { SpanName: 'read_file.tool', ScopeName: '@traceloop/instrumentation-mcp', Record: 'touched', Step: 'tool', Tool: 'read_file', Effect: 'read', IsError: 0, HasArgs: 1, HasResult: 1 },
      { SpanName: 'get_secret.tool', ScopeName: '@traceloop/instrumentation-mcp', Record: 'touched', Step: 'tool', Tool: 'get_secret', Effect: 'read', IsError: 0, HasArgs: 1, HasResult: 1 },
      { SpanName: 'run_shell_command.tool', ScopeName: '@traceloop/instrumentation-mcp', Record: 'touched', Step: 'tool', Tool: 'run_shell_command', Effect: 'execute', IsError: 1, HasArgs: 1, HasResult: 1 },
    ]);
  });

  it('names each conversation a session, and its timeline reads decided / touched in order', async () => {
    expect(await sessionsOf(t.http, SERVICE)).toEqual(['mcp-bad', 'mcp-good']);
    expect(await timelineOf(t.http, 'mcp-bad')).toEqual(BAD_TIMELINE);
    expect(await timelineOf(t.http, 'mcp-good')).toEqual(GOOD_TIMELINE);
  });

  it('fires the detections on the bad run and none on the good one; the incident report renders', async () => {
    await expectDetections(t.http, 'mcp-bad', 'mcp-good');
  });

  // docs/instrumentations.md: the SDK's content switch reaches its model-provider instrumentations, not
  // the MCP one. Last in the file: it adds a session.
  it('keeps recording MCP tool arguments with TRACELOOP_TRACE_CONTENT=false, which withTool obeys', async () => {
    const before = process.env.TRACELOOP_TRACE_CONTENT;
    process.env.TRACELOOP_TRACE_CONTENT = 'false';
    try {
      await traceloop.withAssociationProperties({ [traceloop.AssociationProperty.SESSION_ID]: 'mcp-no-content' }, async () => {
        const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
        const server = mcpServer();
        await server.connect(serverSide);
        const mcp = new Client({ name: 'mail-agent', version: '1.0.0' });
        await mcp.connect(clientSide);
        await traceloop.withTool({ name: 'local_lookup' }, async (a: { path: string }) => a.path, { path: 'notes.txt' });
        await mcp.callTool({ name: 'read_file', arguments: { path: 'notes.txt' } });
        await mcp.close();
        await server.close();
      });
    } finally {
      if (before === undefined) delete process.env.TRACELOOP_TRACE_CONTENT;
      else process.env.TRACELOOP_TRACE_CONTENT = before;
    }
    await traceloop.forceFlush();
    await allIngested(t);
    const rs = await t.http.query({ query: "SELECT SpanName, ArgumentsSha256 != '' AS HasArgs, ResultSha256 != '' AS HasResult FROM flightrec_spans WHERE SessionId = 'mcp-no-content' AND Record = 'touched' ORDER BY Timestamp", format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([
      { SpanName: 'local_lookup.tool', HasArgs: 0, HasResult: 0 },
      { SpanName: 'read_file.tool', HasArgs: 1, HasResult: 1 },
    ]);
  });
});
