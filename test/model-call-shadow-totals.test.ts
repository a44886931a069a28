/**
 * A model call recorded by two instrumentations on one client — OpenInference's LLM span with the
 * GenAI `chat` span inside it, as the two real instrumentations write them
 * (test/peers/two-instrumentations-openai.test.ts) — counts once, with its tokens once, in every
 * total: the overview, recent sessions, and each dashboard panel as Grafana sends it. The rule's SQL
 * is written once (queries/fragments/model_call_shadows.sql) and every query that totals model calls
 * or tokens includes it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSavedQuery, loadSavedQueries, QUERIES_DIR } from '../catalogue/saved-queries.ts';
import { runSavedQuery } from '../review/run-query.ts';
import { runDashboardPanels } from './support/dashboard-panels.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { rangeAround, scriptedSpans } from './support/scripted-spans.ts';

const SESSION = 'conv-shadow';
const T0 = Date.now() - 60_000;
/** One call recorded twice (50 in, 5 out), one recorded once (70 in, 7 out). */
const EXPECTED = { ModelCalls: 2, InputTokens: 120, OutputTokens: 12, Tokens: 132, Decided: 2 };

let t: TestServer;
let traceId = '';
let toolSpanId = '';

beforeAll(async () => {
  t = await startTestServer();
  const spans = scriptedSpans(t.server.otlpUrl, 'shadow-agent', T0);
  const emit = (tracer: Tracer, name: string, start: number, end: number, attributes: Attributes, parent?: Span): Span => spans.emit(tracer, name, start, end, attributes, { parent });
  const genai = spans.tracer('@opentelemetry/instrumentation-openai');
  const oi = spans.tracer('@arizeai/openinference-instrumentation-openai');
  const agent = emit(genai, 'invoke_agent mailer', 0, 10, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'mailer', 'gen_ai.conversation.id': SESSION });
  traceId = agent.spanContext().traceId;
  // OpenInference's span outside, the GenAI one inside (it names no session: its session is the trace).
  const outer = emit(oi, 'OpenAI Chat Completions', 1, 3, { 'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-5-mini', 'llm.token_count.prompt': 50, 'llm.token_count.completion': 5, 'session.id': SESSION }, agent);
  emit(genai, 'chat gpt-5-mini', 1.1, 2.9, { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5-mini', 'gen_ai.response.model': 'gpt-5-mini-2026-01-01', 'gen_ai.usage.input_tokens': 50, 'gen_ai.usage.output_tokens': 5 }, outer);
  toolSpanId = emit(genai, 'execute_tool read_file', 4, 5, { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'read_file', 'gen_ai.tool.call.id': 'c1', 'gen_ai.conversation.id': SESSION }, agent).spanContext().spanId;
  emit(oi, 'OpenAI Chat Completions', 6, 8, { 'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-5-mini', 'llm.token_count.prompt': 70, 'llm.token_count.completion': 7, 'session.id': SESSION }, agent);
  await spans.send();
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

const range = (): Record<string, string> => rangeAround(T0);

describe('a model call two instrumentations recorded, in the totals', () => {
  it('is stored as two model-call spans, one inside the other (the premise)', async () => {
    const rs = await t.http.query({ query: "SELECT count() AS n, sum(InputTokens) AS i FROM flightrec_spans WHERE Step = 'model_call'", format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ n: 3, i: 170 }]);
  });

  it('counts once in the overview: model calls and tokens', async () => {
    const [row] = await runSavedQuery(t.http, findSavedQuery('overview'), range());
    expect(row).toMatchObject({ ModelCalls: EXPECTED.ModelCalls, InputTokens: EXPECTED.InputTokens, OutputTokens: EXPECTED.OutputTokens, Spans: 5, Actions: 1 });
  });

  it('counts once in recent sessions, under the outer span\'s session', async () => {
    const rows = await runSavedQuery(t.http, findSavedQuery('recent_sessions'), range());
    const tokens = Object.fromEntries(rows.map((r) => [String(r.SessionId), Number(r.Tokens)]));
    expect(tokens).toEqual({ [SESSION]: EXPECTED.Tokens, [traceId]: 0 });
  });

  const window = () => ({ from: new Date(T0 - 60_000), to: new Date(Date.now() + 60_000) });
  /** Every panel target's figures named in EXPECTED, summed over its rows (a span listing: its spans that are no shadow). */
  async function panelFigures(picks: Record<string, string>, only?: string): Promise<{ where: string; figures: Record<string, number> }[]> {
    const out: { where: string; figures: Record<string, number> }[] = [];
    for (const r of await runDashboardPanels(t.http, picks, window(), only)) {
      const names = r.columns.filter((n) => n in EXPECTED);
      if (names.length === 0) continue;
      const rows = r.columns.includes('ShadowOf') ? r.rows.filter((x) => x.ShadowOf === '') : r.rows;
      out.push({ where: r.where, figures: Object.fromEntries(names.map((n) => [n, rows.reduce((sum, x) => sum + Number(x[n]), 0)])) });
    }
    return out;
  }

  it('counts once in each dashboard panel that totals model calls or tokens', async () => {
    const panels = await panelFigures({ session: SESSION, trace: traceId, action: toolSpanId });
    // The panels this is about: the overview totals, tokens over time, the session in figures, the timeline.
    expect(panels.map((p) => p.where).join('\n')).toMatch(/Totals[\s\S]*Tokens by model over time[\s\S]*Session in figures[\s\S]*Session timeline/);
    for (const { where, figures } of panels) {
      for (const [name, value] of Object.entries(figures)) expect(value, `${where}: ${name}`).toBe(EXPECTED[name as keyof typeof EXPECTED]);
    }
  });

  it('under a conversation filter, the call counts under its outer span\'s session', async () => {
    const totals = async (conversation: string) => (await panelFigures({ conversation }, 'Totals'))[0]!.figures.Tokens;
    expect(await totals(SESSION)).toBe(EXPECTED.Tokens);
    expect(await totals(traceId)).toBe(0);
  });
});

describe('the shadow rule, written once', () => {
  const fragment = readFileSync(join(QUERIES_DIR, 'fragments/model_call_shadows.sql'), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('--')).join('\n').trim();
  it('every saved query that reads model calls or tokens includes it', () => {
    const readers = loadSavedQueries().filter((q) => /InputTokens|OutputTokens|'model_call'|Kind = 'model'/.test(q.sql));
    expect(readers.map((q) => q.name).sort()).toEqual([
      'detect_runaway', 'grafana_activity_over_time', 'grafana_overview_totals', 'grafana_session_summary', 'grafana_tokens_over_time', 'overview', 'recent_sessions', 'session_timeline',
    ]);
    const flat = (x: string): string => x.replace(/\s+/g, ' ');
    for (const q of readers) expect(flat(q.sql), q.name).toContain(flat(fragment));
  });
  it('no query file writes the parent link out itself', () => {
    const files = readdirSync(QUERIES_DIR).filter((f) => f.endsWith('.sql'));
    for (const f of files) expect(readFileSync(join(QUERIES_DIR, f), 'utf8'), f).not.toMatch(/ParentSpanId\)\s+IN|has\(model_calls/);
    // … and every reader takes the shadows off or flags them.
    for (const f of files.filter((x) => readFileSync(join(QUERIES_DIR, x), 'utf8').includes('include: model_call_shadows'))) {
      expect(readFileSync(join(QUERIES_DIR, f), 'utf8').replace(/-- include: model_call_shadows/g, ''), f).toMatch(/FROM model_call_shadows/);
    }
  });
});
