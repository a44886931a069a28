/**
 * Spans of the agent instrumentations flightrec did not write, shaped as each one's own source and
 * semantic-conventions package define them (names and versions in docs/instrumentations.md), sent
 * through the real OTLP/protobuf exporter and read back through flightrec_spans and the saved
 * detections: the mapping in conventions/span-mapping.ts, the tool catalogue, and the rule that a
 * tool call recorded by two instrumentations counts once.
 */
import { context, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chTime } from '../cli/commands/export.ts';
import { lookupTool, DEFAULT_TOOL_CATALOGUE, parseToolCatalogue } from '../conventions/tool-catalogue.ts';
import { runSavedQuery } from '../review/run-query.ts';
import { findSavedQuery } from '../catalogue/saved-queries.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';

let t: TestServer;
const T0 = Date.now() - 120_000;
const at = (s: number): number => T0 + s * 1000;
const ARGS = JSON.stringify({ to: 'cfo@acme.example', body: 'Q4 numbers' });

type Emit = (name: string, start: number, end: number, attributes: Attributes, o?: { parent?: Span; error?: string; kind?: number; events?: [string, Attributes][] }) => Span;

function emitter(tracer: Tracer): Emit {
  return (name, start, end, attributes, o = {}) => {
    const ctx = o.parent ? trace.setSpan(context.active(), o.parent) : context.active();
    const s = tracer.startSpan(name, { startTime: at(start), attributes, kind: o.kind }, ctx);
    for (const [n, a] of o.events ?? []) s.addEvent(n, a, at(end));
    if (o.error) s.setStatus({ code: 2, message: o.error });
    s.end(at(end));
    return s;
  };
}

beforeAll(async () => {
  t = await startTestServer();
  const providers: TracerProvider[] = [];
  const tracerFor = (service: string, scope: string): Tracer => {
    const p = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${t.server.otlpUrl}/v1/traces` }) })],
    });
    providers.push(p);
    return p.getTracer(scope);
  };

  // OTel GenAI conventions (semantic-conventions-genai), the newest names and the previous token names.
  const g = emitter(tracerFor('genai-agent', 'opentelemetry.instrumentation.openai_v2'));
  const conv = { 'gen_ai.conversation.id': 'conv-genai' };
  const agent = g('invoke_agent mailer', 0, 20, { ...conv, 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'mailer' });
  g('retrieval docs', 1, 2, { ...conv, 'gen_ai.operation.name': 'retrieval', 'gen_ai.data_source.id': 'kb-1' }, { parent: agent });
  g('search_memory prefs', 2, 3, { ...conv, 'gen_ai.operation.name': 'search_memory', 'gen_ai.memory.store.id': 'prefs' }, { parent: agent });
  g('chat gpt-5', 3, 4, { ...conv, 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5', 'gen_ai.response.model': 'gpt-5-2026', 'gen_ai.usage.input_tokens': 120, 'gen_ai.usage.output_tokens': 30 },
    { parent: agent, events: [['gen_ai.evaluation.result', { 'gen_ai.evaluation.name': 'Relevance', 'gen_ai.evaluation.score.value': 4, 'gen_ai.evaluation.score.label': 'relevant' }]] });
  g('chat gpt-4o', 4, 5, { ...conv, 'gen_ai.operation.name': 'chat', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.prompt_tokens': 70, 'gen_ai.usage.completion_tokens': 7 }, { parent: agent });
  g('apply_guardrail OpenAI Agents', 5, 6, { ...conv, 'gen_ai.operation.name': 'apply_guardrail', 'gen_ai.guardrail.component.name': 'OpenAI Agents', 'gen_ai.guardrail.result.type': 'tripwire_triggered', 'gen_ai.guardrail.result.value': 'true', 'gen_ai.guardrail.policy.id': 'no-pii' }, { parent: agent });
  g('execute_tool read_file', 6, 7, { ...conv, 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'read_file', 'gen_ai.tool.call.id': 'g1', 'gen_ai.tool.call.arguments': '{"path":"a.txt"}', 'gen_ai.tool.call.result': 'hello' }, { parent: agent });
  g('execute_tool run_shell_command', 7, 8, { ...conv, 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'run_shell_command', 'gen_ai.tool.call.id': 'g2', 'error.type': 'ExitCode' }, { parent: agent, error: 'exit 1' });
  g('create_memory prefs', 8, 9, { ...conv, 'gen_ai.operation.name': 'create_memory', 'gen_ai.memory.store.id': 'prefs' }, { parent: agent });

  // MCP: client and server spans of one tools/call (same trace, same JSON-RPC id), and a resource read.
  const m = emitter(tracerFor('mcp-agent', '@modelcontextprotocol/sdk'));
  const root = m('turn', 0, 10, { 'gen_ai.conversation.id': 'conv-mcp' });
  // The client span as the Python MCP SDK 2.3 names it: the tool only in the span name, no gen_ai.tool.name.
  const client = m('MCP send tools/call send_email', 1, 3, { 'gen_ai.conversation.id': 'conv-mcp', 'mcp.method.name': 'tools/call', 'jsonrpc.request.id': '7', 'mcp.session.id': 's1', 'gen_ai.tool.call.arguments': ARGS }, { parent: root, kind: 2 });
  m('tools/call send_email', 1.5, 2.5, { 'gen_ai.conversation.id': 'conv-mcp', 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'send_email', 'jsonrpc.request.id': '7', 'mcp.session.id': 's1', 'gen_ai.tool.call.arguments': ARGS }, { parent: client, kind: 1 });
  m('resources/read file:///notes.md', 4, 5, { 'gen_ai.conversation.id': 'conv-mcp', 'mcp.method.name': 'resources/read', 'mcp.resource.uri': 'file:///notes.md' }, { parent: root, kind: 2 });
  m('tools/list', 5, 5.1, { 'gen_ai.conversation.id': 'conv-mcp', 'mcp.method.name': 'tools/list' }, { parent: root, kind: 2 });

  // OpenInference (@arizeai/openinference-semantic-conventions 2.12).
  const o = emitter(tracerFor('oi-agent', '@arizeai/openinference-instrumentation-openai'));
  const sess = { 'session.id': 'conv-oi', 'user.id': 'u-42' };
  o('ChatCompletion', 0, 1, { ...sess, 'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-5-mini', 'llm.token_count.prompt': 50, 'llm.token_count.completion': 5 });
  o('lookup_customer', 1, 2, { ...sess, 'openinference.span.kind': 'TOOL', 'tool.name': 'lookup_customer', 'input.value': '{"id":1}', 'output.value': '{"name":"Ada"}' });
  o('retrieve', 2, 3, { ...sess, 'openinference.span.kind': 'RETRIEVER' });
  o('guard', 3, 4, { ...sess, 'openinference.span.kind': 'GUARDRAIL' });

  // OpenLLMetry (@traceloop/ai-semantic-conventions): a tool entity and an LLM span with the previous token names.
  const l = emitter(tracerFor('traceloop-agent', '@traceloop/instrumentation-openai'));
  const tl = { 'traceloop.association.properties.session_id': 'conv-tl' };
  l('openai.chat', 0, 1, { ...tl, 'llm.request.type': 'chat', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4.1', 'gen_ai.usage.prompt_tokens': 40, 'gen_ai.usage.completion_tokens': 4 });
  l('charge_card.tool', 1, 2, { ...tl, 'traceloop.span.kind': 'tool', 'traceloop.entity.name': 'charge_card', 'traceloop.entity.input': '{"amount":5000}' });

  // The Vercel AI SDK's ai.* spans (@ai-sdk/otel LegacyOpenTelemetry).
  const v = emitter(tracerFor('vercel-agent', 'ai'));
  const gen = v('ai.generateText', 0, 5, { 'operation.name': 'ai.generateText', 'ai.model.id': 'm1' });
  v('ai.generateText.doGenerate', 0.1, 1, { 'operation.name': 'ai.generateText.doGenerate', 'ai.model.id': 'm1', 'ai.model.provider': 'openai.chat', 'gen_ai.system': 'openai.chat', 'gen_ai.request.model': 'm1', 'ai.usage.inputTokens': 33, 'ai.usage.outputTokens': 3 }, { parent: gen });
  v('ai.toolCall', 1, 2, { 'operation.name': 'ai.toolCall', 'ai.toolCall.name': 'http_post', 'ai.toolCall.id': 'v1', 'ai.toolCall.args': '{"url":"https://hooks.example"}', 'ai.toolCall.result': '"ok"' }, { parent: gen });

  // Dedupe: one send_email recorded by OpenInference (outer) and the GenAI conventions (inner), same call id —
  // then a real second send with the same arguments.
  const d = emitter(tracerFor('dual-agent', 'dual'));
  const dual = { 'gen_ai.conversation.id': 'conv-dual', 'session.id': 'conv-dual' };
  const outer = d('send_email', 1, 3, { ...dual, 'openinference.span.kind': 'TOOL', 'tool.name': 'send_email', 'tool_call.id': 'c1', 'input.value': ARGS });
  d('execute_tool send_email', 1.1, 2.9, { ...dual, 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'send_email', 'gen_ai.tool.call.id': 'c1', 'gen_ai.tool.call.arguments': ARGS }, { parent: outer });
  d('chat m', 0, 0.5, { ...dual, 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm' });

  // agento11y 0.21 (as its spans read): generations named for their mode, operation generateText /
  // streamText; tools as GenAI execute_tool; a framework thread id when no conversation id is set.
  // OpenLIT 1.45: its chat span carries the tool call the model asked for (gen_ai.tool.args) — no action.
  const ao = emitter(tracerFor('agento11y-agent', 'github.com/grafana/sigil/sdks/python'));
  const thread = { 'agento11y.framework.thread_id': 'thread-ao' };
  ao('generateText gpt-5', 0, 1, { ...thread, 'gen_ai.operation.name': 'generateText', 'agento11y.generation.id': 'gen_1', 'gen_ai.request.model': 'gpt-5', 'gen_ai.usage.input_tokens': 40, 'gen_ai.usage.output_tokens': 4 });
  ao('streamText gpt-5', 1, 2, { ...thread, 'gen_ai.operation.name': 'streamText', 'agento11y.generation.id': 'gen_2', 'gen_ai.request.model': 'gpt-5' });
  ao('execute_tool send_email', 2, 3, { ...thread, 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'send_email', 'gen_ai.tool.call.id': 'ao1', 'gen_ai.tool.call.arguments': ARGS });
  const ol = emitter(tracerFor('openlit-agent', 'openlit.instrumentation.openai'));
  ol('chat gpt-5', 0, 1, { 'gen_ai.conversation.id': 'conv-ol', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5', 'gen_ai.tool.name': 'send_email', 'gen_ai.tool.call.id': 'ol1', 'gen_ai.tool.args': ARGS });

  for (const p of providers) { await p.forceFlush(); await p.shutdown(); }
});

afterAll(async () => {
  await t?.stop();
});

interface Row { SpanName: string; Record: string; Step: string; Operation: string; Tool: string; ToolCallId: string; Model: string; InputTokens: number; OutputTokens: number;
  Effect: string; Risk: string; Reversible: string; Verdict: string; PolicyRule: string; Action: string; SessionId: string; SourceKind: string; SourceUri: string; Trust: string;
  Sensitivity: string; ArgumentsSha256: string; ResultSha256: string; Outcome: string; Actor: string; Evaluations: string; GuardrailResult: string; Agent: string }

async function spans(service: string): Promise<Row[]> {
  const rs = await t.http.query({ query: `SELECT * EXCEPT (SpanAttributes, ResourceAttributes) FROM flightrec_spans WHERE ServiceName = {s:String} ORDER BY Timestamp, SpanKind`, query_params: { s: service }, format: 'JSONEachRow' });
  return rs.json<Row>();
}
const line = (r: Row): string => [r.SpanName, r.Record, r.Step, r.Tool, r.Effect, r.Risk].join(' | ');
const range = (): Record<string, string> => ({ from: chTime(new Date(T0 - 60_000)).slice(0, 23), to: chTime(new Date(Date.now() + 60_000)).slice(0, 23) });

describe('foreign dialects, mapped in storage', () => {
  it('GenAI conventions: agent, retrieval, memory, chat (both token names), guardrail, tools, evaluation', async () => {
    const rows = await spans('genai-agent');
    expect(rows.map(line)).toEqual([
      'invoke_agent mailer |  | agent |  |  | ',
      'retrieval docs | saw | context |  |  | ',
      'search_memory prefs | saw | context |  |  | ',
      'chat gpt-5 | decided | model_call |  |  | ',
      'chat gpt-4o | decided | model_call |  |  | ',
      'apply_guardrail OpenAI Agents | decided | policy |  |  | ',
      'execute_tool read_file | touched | tool | read_file | read | low',
      'execute_tool run_shell_command | touched | tool | run_shell_command | execute | high',
      'create_memory prefs | touched | write |  | write | ',
    ]);
    const by = (n: string): Row => rows.find((r) => r.SpanName === n)!;
    expect(new Set(rows.map((r) => r.SessionId))).toEqual(new Set(['conv-genai']));
    expect(by('chat gpt-5')).toMatchObject({ Model: 'gpt-5-2026', InputTokens: 120, OutputTokens: 30, Evaluations: 'Relevance relevant' });
    expect(by('chat gpt-4o')).toMatchObject({ Model: 'gpt-4o', InputTokens: 70, OutputTokens: 7 });
    expect(by('apply_guardrail OpenAI Agents')).toMatchObject({ Verdict: 'deny', PolicyRule: 'no-pii', Action: 'OpenAI Agents', GuardrailResult: 'tripwire_triggered=true' });
    expect(by('retrieval docs')).toMatchObject({ SourceKind: 'retrieval', Trust: 'untrusted', SourceUri: 'kb-1' });
    expect(by('search_memory prefs')).toMatchObject({ SourceKind: 'memory', Trust: 'untrusted' });
    expect(by('execute_tool read_file').ArgumentsSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(by('execute_tool read_file').ResultSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(by('execute_tool read_file')).toMatchObject({ ToolCallId: 'g1', Trust: 'untrusted', SourceKind: 'tool_result' });
    expect(by('execute_tool run_shell_command')).toMatchObject({ Outcome: 'error', Reversible: 'false' });
  });

  it('MCP: tools/call (client and server, one call id), resources/read as saw, the rest plumbing', async () => {
    const rows = await spans('mcp-agent');
    expect(rows.map(line)).toEqual([
      'turn |  |  |  |  | ',
      'MCP send tools/call send_email | touched | tool | send_email | send | high',
      'tools/call send_email | touched | tool | send_email | send | high',
      'resources/read file:///notes.md | saw | context |  |  | ',
      'tools/list |  |  |  |  | ',
    ]);
    const calls = rows.filter((r) => r.Tool === 'send_email');
    expect(new Set(calls.map((r) => r.ToolCallId)).size).toBe(1);
    expect(rows.find((r) => r.SpanName.startsWith('resources/read'))).toMatchObject({ SourceUri: 'file:///notes.md', SourceKind: 'retrieval' });
  });

  it('agento11y: generateText / streamText generations are model calls; the session is the framework thread', async () => {
    const rows = await spans('agento11y-agent');
    expect(rows.map(line)).toEqual([
      'generateText gpt-5 | decided | model_call |  |  | ',
      'streamText gpt-5 | decided | model_call |  |  | ',
      'execute_tool send_email | touched | tool | send_email | send | high',
    ]);
    expect(rows[0]).toMatchObject({ Model: 'gpt-5', InputTokens: 40, OutputTokens: 4, SessionId: 'thread-ao' });
    expect(rows[2]!.ArgumentsSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('OpenLIT: a chat span\'s requested tool call (gen_ai.tool.args) is not hashed as a tool execution\'s arguments', async () => {
    const [chat] = await spans('openlit-agent');
    expect(chat).toMatchObject({ Record: 'decided', Step: 'model_call', ArgumentsSha256: '' });
  });

  it('OpenLIT: the tool catalogue gives no effect or risk to a chat span that names the tool it asks for (only touched records get them)', async () => {
    const [chat] = await spans('openlit-agent');
    expect(chat).toMatchObject({ Record: 'decided', Tool: 'send_email', Effect: '', Risk: '', Reversible: '', Trust: '', Sensitivity: '' });
  });

  it('OpenInference, OpenLLMetry and the Vercel AI SDK’s ai.* spans', async () => {
    expect((await spans('oi-agent')).map((r) => [line(r), r.Model, r.InputTokens, r.SessionId, r.Actor].join(' | '))).toEqual([
      'ChatCompletion | decided | model_call |  |  |  | gpt-5-mini | 50 | conv-oi | u-42',
      'lookup_customer | touched | tool | lookup_customer | read | low |  | 0 | conv-oi | u-42',
      'retrieve | saw | context |  |  |  |  | 0 | conv-oi | u-42',
      'guard | decided | policy |  |  |  |  | 0 | conv-oi | u-42',
    ]);
    expect((await spans('traceloop-agent')).map((r) => [line(r), r.Model, r.InputTokens, r.SessionId, r.ArgumentsSha256 !== ''].join(' | '))).toEqual([
      'openai.chat | decided | model_call |  |  |  | gpt-4.1 | 40 | conv-tl | false',
      'charge_card.tool | touched | tool | charge_card | payment | critical |  | 0 | conv-tl | true',
    ]);
    const vercel = await spans('vercel-agent');
    expect(vercel.map((r) => [line(r), r.Operation, r.Model, r.InputTokens, r.ToolCallId].join(' | '))).toEqual([
      'ai.generateText |  | agent |  |  |  |  | m1 | 0 | ',
      'ai.generateText.doGenerate | decided | model_call |  |  |  | chat | m1 | 33 | ',
      'ai.toolCall | touched | tool | http_post | send | high | execute_tool |  | 0 | v1',
    ]);
  });

  it('counts a tool call recorded by two instrumentations once: duplicates, risky actions, loops', async () => {
    const dup = await runSavedQuery(t.http, findSavedQuery('detect_duplicate_side_effects'), range());
    // conv-mcp: client + server span of one call; conv-dual: OpenInference + GenAI spans of one call.
    expect(dup.filter((r) => ['conv-mcp', 'conv-dual'].includes(String(r.SessionId)))).toEqual([]);
    const risky = await runSavedQuery(t.http, findSavedQuery('detect_unapproved_risky_action'), range());
    expect(risky.filter((r) => r.SessionId === 'conv-dual').map((r) => r.Action)).toEqual(['send_email']);
    expect(risky.filter((r) => r.SessionId === 'conv-mcp').map((r) => r.Action)).toEqual(['send_email']);
    const loops = await runSavedQuery(t.http, findSavedQuery('detect_runaway'), { ...range(), max_tool_calls: '1' });
    expect(loops.filter((r) => ['conv-mcp', 'conv-dual'].includes(String(r.SessionId)))).toEqual([]);
  });
});

describe('the tool catalogue', () => {
  it('matches names and patterns first-match-wins, case-insensitively', () => {
    const effect = (n: string): string | undefined => lookupTool(DEFAULT_TOOL_CATALOGUE, n)?.effect;
    expect(['send_email', 'SendEmail', 'read_email', 'get_secret', 'stripe_refund', 'bash', 'write_file', 'http_post', 'fetch_url', 'get_weather', 'frobnicate'].map(effect))
      .toEqual(['send', 'send', 'read', 'read', 'payment', 'execute', 'write', 'send', 'read', 'read', undefined]);
  });

  it('rejects a bad file with one line naming the entry and the key', () => {
    expect(() => parseToolCatalogue('tools:\n  - { match: send_fax, effect: fax, risk: high }', 'cat.yaml')).toThrow('tool catalogue cat.yaml, tools[0]: effect must be one of read, write, send, delete, execute, payment, got "fax"');
    expect(() => parseToolCatalogue('tools:\n  - { match: x, effect: read, risk: low, colour: red }', 'cat.yaml')).toThrow(/unknown key "colour"/);
    expect(() => parseToolCatalogue('[1, 2', 'cat.yaml')).toThrow(/tool catalogue cat.yaml: not YAML or JSON/);
    expect(parseToolCatalogue('{"tools": [{"match": "deploy_*", "effect": "execute", "risk": "critical", "reversible": false}]}').tools).toEqual([{ match: 'deploy_*', effect: 'execute', risk: 'critical', reversible: false }]);
  });
});
