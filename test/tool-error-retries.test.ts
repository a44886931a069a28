/**
 * Errors and retries per tool when two instrumentations record each call and only one of the two
 * spans says it failed (OpenInference's TOOL span around the GenAI `execute_tool` span, each with
 * its own status). As in every range total (the overview's Errors among them), a call counts once,
 * by its first span — its failure too — and a retry is the next call of the tool in the session
 * after a failed call. Until 2026-12-07 the dashboard panel had its own query, which took the
 * previous *span*: a call after one whose second span failed was a retry of a call that counted
 * no error (a retry below where there is none).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSavedQuery } from '../catalogue/saved-queries.ts';
import { runSavedQuery } from '../review/run-query.ts';
import { runDashboardPanels } from './support/dashboard-panels.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { rangeAround, scriptedSpans } from './support/scripted-spans.ts';

const SESSION = 'conv-retries';
const T0 = Date.now() - 60_000;

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
  const spans = scriptedSpans(t.server.otlpUrl, 'billing-agent', T0);
  const emit = spans.emit;
  const genai = spans.tracer('@opentelemetry/instrumentation-openai');
  const oi = spans.tracer('@arizeai/openinference-instrumentation-openai');
  const s = { 'gen_ai.conversation.id': SESSION };
  const agent = emit(genai, 'invoke_agent billing', 0, 20, { ...s, 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'billing' });
  /** One charge_card call recorded by both instrumentations; each span's own failure as given. */
  const call = (id: string, start: number, failed: { outer: boolean; inner: boolean }): void => {
    const outer = emit(oi, 'charge_card', start, start + 1, { 'session.id': SESSION, 'openinference.span.kind': 'TOOL', 'tool.name': 'charge_card', 'tool_call.id': id }, { parent: agent, error: failed.outer && 'card declined' });
    emit(genai, 'execute_tool charge_card', start + 0.1, start + 0.9, { ...s, 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'charge_card', 'gen_ai.tool.call.id': id }, { parent: outer, error: failed.inner && 'card declined' });
  };
  call('k1', 1, { outer: false, inner: true }); // only the second span failed: the call counts as done
  call('k2', 3, { outer: false, inner: false }); // so this is no retry
  call('k3', 5, { outer: true, inner: false }); // the first span failed: a failed call, the session's last
  await spans.send();
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

const range = (): Record<string, string> => rangeAround(T0);

describe('tool errors and retries when one of a call\'s two spans failed', () => {
  it('the premise: three calls, six touched spans, two of them failed', async () => {
    const rs = await t.http.query({ query: "SELECT count() AS spans, uniqExact(CallRef) AS calls, countIf(IsError = 1) AS failed FROM flightrec_spans WHERE Record = 'touched'", format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ spans: 6, calls: 3, failed: 2 }]);
  });

  it('tool_error_rates: three calls, one failed (by its first span), no retry', async () => {
    const rows = await runSavedQuery(t.http, findSavedQuery('tool_error_rates'), range());
    expect(rows.map((r) => [r.Tool, Number(r.Calls), Number(r.Errors), Number(r.Retries), Number(r.Sessions)])).toEqual([['charge_card', 3, 1, 0, 1]]);
  });

  it("agrees with the overview's actions and errors", async () => {
    const [row] = await runSavedQuery(t.http, findSavedQuery('overview'), range());
    expect(row).toMatchObject({ Actions: 3, Errors: 1 });
  });

  it('the Agent overview panel shows the same figures', async () => {
    const [panel, ...more] = await runDashboardPanels(t.http, {}, { from: new Date(T0 - 60_000), to: new Date(Date.now() + 60_000) }, 'Error and retry rates by tool');
    expect(panel, 'the panel is on the dashboard, once').toBeDefined();
    expect(more).toEqual([]);
    expect(panel!.rows.map((r) => [r.Tool, Number(r.Calls), Number(r.Errors), Number(r.Retries)])).toEqual([['charge_card', 3, 1, 0]]);
  });
});
