/**
 * One tool call recorded by two instrumentations — OpenInference's TOOL span with the GenAI
 * `execute_tool` span inside it (same call id), or the MCP client's and server's `tools/call` spans
 * (same JSON-RPC request) — is one action, one side effect and, when it fails, one error, in every
 * total: the overview, recent sessions, actions by effect and risk, the tool error rates, a session's
 * effects, and each dashboard panel as Grafana sends it. A model call recorded twice fails once too
 * (its shadow, queries/fragments/model_call_shadows.sql). The rule is written twice over one notion
 * (the same session, the same tool call id): the view column CallRef (storage/derived-columns.ts),
 * by which the detections and a session's figures keep one row per call, and the fragment
 * queries/fragments/tool_call_twins.sql, which the range totals take off (over the narrow calls
 * table: counting distinct CallRef over every span of a range was 3–6× slower, docs/instrumentations.md).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSavedQuery, loadSavedQueries, QUERIES_DIR } from '../catalogue/saved-queries.ts';
import { runSavedQuery } from '../review/run-query.ts';
import { runDashboardPanels } from './support/dashboard-panels.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { rangeAround, scriptedSpans } from './support/scripted-spans.ts';

const SESSION = 'conv-twins';
const T0 = Date.now() - 60_000;
const ARGS = JSON.stringify({ to: 'cfo@acme.example', body: 'Q4 numbers' });

let t: TestServer;
let traceId = '';
let toolSpanId = '';

beforeAll(async () => {
  t = await startTestServer();
  const spans = scriptedSpans(t.server.otlpUrl, 'twins-agent', T0);
  const emit = spans.emit;
  const genai = spans.tracer('@opentelemetry/instrumentation-openai');
  const oi = spans.tracer('@arizeai/openinference-instrumentation-openai');
  const mcp = spans.tracer('mcp');
  const s = { 'gen_ai.conversation.id': SESSION };
  const agent = emit(genai, 'invoke_agent mailer', 0, 20, { ...s, 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'mailer' });
  traceId = agent.spanContext().traceId;
  // A model call both instrumentations recorded, failed.
  const llm = emit(oi, 'OpenAI Chat Completions', 0.5, 0.9, { 'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-5-mini', 'session.id': SESSION }, { parent: agent, error: true });
  emit(genai, 'chat gpt-5-mini', 0.6, 0.8, { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5-mini' }, { parent: llm, error: true });
  // send_email (send, high in the default catalogue) recorded by OpenInference and the GenAI conventions, failed.
  const outer = emit(oi, 'send_email', 1, 3, { 'session.id': SESSION, 'openinference.span.kind': 'TOOL', 'tool.name': 'send_email', 'tool_call.id': 'c1', 'input.value': ARGS }, { parent: agent, error: true });
  emit(genai, 'execute_tool send_email', 1.1, 2.9, { ...s, 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'send_email', 'gen_ai.tool.call.id': 'c1', 'gen_ai.tool.call.arguments': ARGS }, { parent: outer, error: true });
  // Retried over MCP: the client's span and the server's, one call.
  const client = emit(mcp, 'tools/call send_email', 4, 6, { ...s, 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'send_email', 'jsonrpc.request.id': '7', 'mcp.session.id': 'm1', 'gen_ai.tool.call.arguments': ARGS }, { parent: agent, kind: 2 });
  emit(mcp, 'tools/call send_email', 4.5, 5.5, { ...s, 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'send_email', 'jsonrpc.request.id': '7', 'mcp.session.id': 'm1', 'gen_ai.tool.call.arguments': ARGS }, { parent: client, kind: 1 });
  // A tool call recorded once.
  toolSpanId = emit(genai, 'execute_tool read_file', 7, 8, { ...s, 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'read_file', 'gen_ai.tool.call.id': 'c2' }, { parent: agent }).spanContext().spanId;
  await spans.send();
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

const range = (): Record<string, string> => rangeAround(T0);

describe('a tool call two instrumentations recorded, in the totals', () => {
  it('is stored as two touched spans for each call (the premise)', async () => {
    const rs = await t.http.query({ query: "SELECT Tool, count() AS spans, uniqExact(CallRef) AS calls, countIf(IsError = 1) AS failed FROM flightrec_spans WHERE Record = 'touched' GROUP BY Tool ORDER BY Tool", format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ Tool: 'read_file', spans: 1, calls: 1, failed: 0 }, { Tool: 'send_email', spans: 4, calls: 2, failed: 2 }]);
  });

  it('counts once in the overview: actions, side effects, high-risk actions, errors', async () => {
    const [row] = await runSavedQuery(t.http, findSavedQuery('overview'), range());
    expect(row).toMatchObject({ Spans: 8, ModelCalls: 1, Actions: 3, SideEffects: 2, HighRiskActions: 2, Errors: 2 });
  });

  it('counts once in recent sessions', async () => {
    const rows = await runSavedQuery(t.http, findSavedQuery('recent_sessions'), range());
    const row = rows.find((r) => r.SessionId === SESSION);
    expect(row).toMatchObject({ SideEffects: 2 });
    // The session's errors: the tool call and the model call (whose inner span names no session: its trace).
    expect(rows.reduce((n, r) => n + Number(r.Errors), 0)).toBe(2);
  });

  it('counts once by effect and risk, and in the tool error rates (failed when either span failed)', async () => {
    const byEffect = await runSavedQuery(t.http, findSavedQuery('actions_by_effect_risk'), range());
    expect(byEffect.map((r) => [r.Effect, r.Risk, Number(r.Actions), Number(r.Errors), Number(r.Irreversible)])).toEqual([['read', 'low', 1, 0, 0], ['send', 'high', 2, 1, 2]]);
    const rates = await runSavedQuery(t.http, findSavedQuery('tool_error_rates'), range());
    expect(rates.map((r) => [r.Tool, Number(r.Calls), Number(r.Errors), Number(r.Retries)])).toEqual([['send_email', 2, 1, 1], ['read_file', 1, 0, 0]]);
  });

  it('is reported once by the detections that list actions', async () => {
    const risky = await runSavedQuery(t.http, findSavedQuery('detect_unapproved_risky_action'), range());
    expect(risky.filter((r) => r.SessionId === SESSION).map((r) => r.Action)).toEqual(['send_email', 'send_email']);
    const dup = await runSavedQuery(t.http, findSavedQuery('detect_duplicate_side_effects'), { ...range(), min_executions: '2' });
    expect(dup.filter((r) => r.SessionId === SESSION)).toEqual([]);
  });

  it("lists each of a session's effects once, by its first span", async () => {
    const rows = await runSavedQuery(t.http, findSavedQuery('session_effects'), { session: SESSION });
    expect(rows.map((r) => [r.Action, r.Outcome])).toEqual([['send_email', 'error'], ['send_email', '']]);
  });

  const FIGURES = ['Actions', 'SideEffects', 'HighRiskActions', 'Touched', 'Errors', 'Calls', 'Retries'];
  /** Every panel target's figures among FIGURES, summed over its rows. */
  async function panelFigures(picks: Record<string, string>): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const r of await runDashboardPanels(t.http, picks, { from: new Date(T0 - 60_000), to: new Date(Date.now() + 60_000) })) {
      const names = r.columns.filter((n) => FIGURES.includes(n));
      if (names.length > 0) out[r.where] = Object.fromEntries(names.map((n) => [n, r.rows.reduce((sum, x) => sum + Number(x[n]), 0)]));
    }
    return out;
  }

  it('counts once in each dashboard panel that counts actions, calls or errors', async () => {
    const panels = await panelFigures({ session: SESSION, trace: traceId, action: toolSpanId });
    // The panels this is about, each found: totals, actions over time, errors over time, per tool, by effect, sessions, one session.
    expect(Object.keys(panels).join('\n')).toMatch(/Totals[\s\S]*Actions by effect and risk over time[\s\S]*errors over time[\s\S]*Error and retry rates by tool[\s\S]*Recent sessions[\s\S]*Session in figures/);
    for (const [where, figures] of Object.entries(panels)) {
      // Errors per tool or per effect are the tool call's; elsewhere the model call's count too.
      const toolErrors = /by tool|Tool error|effect risk/.test(where);
      const expected: Record<string, number> = { Actions: 3, Touched: 3, Calls: 3, SideEffects: 2, HighRiskActions: 2, Retries: 1, Errors: toolErrors ? 1 : 2 };
      for (const [name, value] of Object.entries(figures)) expect(value, `${where}: ${name}`).toBe(expected[name]);
    }
  });
});

describe('the call rule, written once', () => {
  const queries = readdirSync(QUERIES_DIR).filter((f) => f.endsWith('.sql')).map((f) => [f, readFileSync(join(QUERIES_DIR, f), 'utf8')] as const);
  it('no query spells out the tool call id fallback or the twin rule itself', () => {
    for (const [f, sql] of queries) {
      expect(sql, f).not.toMatch(/if\(\s*ToolCallId\s*=\s*''/);
      expect(sql.replace(/-- include: tool_call_twins,?/g, ''), f).not.toMatch(/cityHash64\(SessionKey, CallId\)/);
    }
  });
  it('every query that counts or lists actions or errors reads CallRef or takes the twins off', () => {
    const counters = queries.filter(([, sql]) => /count(If)?\([^)]*(Record = 'touched'|IsError)|AS (Actions|Errors|Calls)\b|Record = 'touched' AND Effect/.test(sql));
    expect(counters.length).toBeGreaterThan(5);
    for (const [f, sql] of counters) expect(sql, f).toMatch(/CallRef|FROM tool_call_twins/);
    // … and every query that includes the twins fragment uses it.
    for (const [f, sql] of queries.filter(([, x]) => x.includes('include: tool_call_twins'))) expect(sql, f).toMatch(/FROM tool_call_twins/);
  });
  it('the saved queries expand it as written in the fragment', () => {
    const fragment = readFileSync(join(QUERIES_DIR, 'fragments/tool_call_twins.sql'), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('--')).join(' ').replace(/\s+/g, ' ').trim();
    const includers = loadSavedQueries().filter((q) => readFileSync(join(QUERIES_DIR, `${q.name}.sql`), 'utf8').includes('include: tool_call_twins'));
    expect(includers.map((q) => q.name).sort()).toEqual(['actions_by_effect_risk', 'grafana_actions_over_time', 'grafana_activity_over_time', 'grafana_overview_totals', 'overview', 'recent_sessions', 'tool_error_rates']);
    for (const q of includers) expect(q.sql.replace(/\s+/g, ' '), q.name).toContain(fragment);
  });
});
