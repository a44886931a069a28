/**
 * Every saved query: follows the header conventions (typed params, time windows as from/to
 * DateTime64(3), detection columns), and returns the expected rows on the bundled workload seeded
 * through OTLP into the embedded store. Expected figures are computed from the scenario data, not
 * copied from a previous run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Flightrec, GenAI } from '../instrumentation/semconv.ts';
import { detectionQueries, SEVERITIES } from '../review/detections.ts';
import { runSavedQuery, type Row } from '../review/run-query.ts';
import { findSavedQuery, loadSavedQueries } from '../catalogue/saved-queries.ts';
import { dateTimeParam } from '../review/time-range.ts';
import type { ReplayedSession } from '../workload/replay.ts';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { scenarios } from '../workload/scenarios.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { failed, recordedSpans, seedWorkload } from './support/seed-workload.ts';

let t: TestServer;
let sessions: ReplayedSession[];
const range = { from: dateTimeParam(new Date(Date.now() - 86_400_000)), to: dateTimeParam(new Date(Date.now() + 60_000)) };
const all = loadSavedQueries();
const allSpans = recordedSpans(scenarios);
const a = (s: ReadableSpan, k: string): string => String(s.attributes[k] ?? '');

beforeAll(async () => {
  t = await startTestServer();
  sessions = await seedWorkload(t);
});
afterAll(async () => {
  await t?.stop();
});

const run = (name: string, params: Record<string, string> = {}): Promise<Row[]> => {
  const q = findSavedQuery(name);
  const windowed = q.params.some((p) => p.name === 'from');
  return runSavedQuery(t.http, q, { ...(windowed ? range : {}), ...params });
};
const session = (key: string): ReplayedSession => sessions.find((s) => s.key === key)!;

describe('saved query conventions', () => {
  it('every query parses, and time windows are exactly from/to DateTime64(3)', () => {
    expect(all.length).toBeGreaterThanOrEqual(14);
    for (const q of all) {
      expect(q.description.length, q.name).toBeGreaterThan(20);
      const time = q.params.filter((p) => /^DateTime/.test(p.type));
      if (time.length) expect(time.map((p) => `${p.name} ${p.type}`), q.name).toEqual(['from DateTime64(3)', 'to DateTime64(3)']);
    }
  });

  it('detections declare a severity, take a time window and return the detection columns', async () => {
    const detections = detectionQueries(all);
    expect(detections.map((q) => q.name).sort()).toEqual([
      'detect_denied_then_retried', 'detect_duplicate_side_effects', 'detect_partial_completion', 'detect_runaway',
      'detect_stale_context', 'detect_toxic_flow', 'detect_unapproved_risky_action',
    ]);
    for (const q of detections) {
      expect(SEVERITIES, q.name).toContain(q.meta.severity);
      expect(q.params.slice(0, 2).map((p) => p.name), q.name).toEqual(['from', 'to']);
      for (const p of q.params.slice(2)) expect(p.default, `${q.name} ${p.name} has a default`).toBeDefined();
      const rs = await t.http.query({ query: `DESCRIBE (${q.sql})`, query_params: { from: range.from, to: range.to, ...Object.fromEntries(q.params.slice(2).map((p) => [p.name, p.default!.replace(/^'|'$/g, '')])) }, format: 'JSONEachRow' });
      const cols = Object.fromEntries(((await rs.json()) as { name: string; type: string }[]).map((c) => [c.name, c.type]));
      expect(cols, q.name).toMatchObject({ SessionId: 'String', TraceId: 'String', Time: 'DateTime64(3)', Evidence: 'String', EvidenceSpanIds: 'Array(String)' });
      // No working column leaks into a finding (a list of tuples is a query's scratch, not something to show).
      for (const [name, type] of Object.entries(cols)) expect(type, `${q.name}: ${name}`).not.toMatch(/Tuple/);
    }
  });

  it('queries read only the flightrec view and lookup, never otel_traces directly', () => {
    for (const q of all) expect(q.sql, q.name).not.toMatch(/\botel_traces\b/);
  });
});

describe('saved queries on the bundled workload', () => {
  it('session_timeline returns every span of a session in order, with depth and parent links', async () => {
    const s = session('approved-refund');
    const rows = await run('session_timeline', { session: s.sessionId });
    expect(rows).toHaveLength(s.spans);
    const times = rows.map((r) => Number(r.TimeMs));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    const ids = new Set(rows.map((r) => r.SpanId));
    for (const r of rows) {
      if (Number(r.Depth) === 0) expect(r.ParentSpanId).toBe('');
      else expect(ids.has(r.ParentSpanId)).toBe(true);
    }
    const depthOf = (name: string): number => Number(rows.find((r) => r.SpanName === name)!.Depth);
    expect(depthOf('invoke_agent finance-agent')).toBe(0);
    expect(depthOf('task refund_order')).toBe(1);
    expect(depthOf('task_step issue_refund')).toBe(2);
    expect(depthOf('execute_tool issue_refund')).toBe(3);
    const pay = rows.find((r) => r.SpanName === 'execute_tool issue_refund')!;
    expect(pay).toMatchObject({ Record: 'touched', Effect: 'payment', Risk: 'high', Reversible: 'false', Outcome: 'ok', Agent: 'finance-agent', TargetResource: 'charge/ch_3Pq77410' });
    // By trace id: the same spans.
    const byTrace = await run('session_timeline', { session: s.traceIds[0]! });
    expect(byTrace.map((r) => r.SpanId)).toEqual(rows.map((r) => r.SpanId));
  });

  it('context_before_action lists what was seen before the denied send, with trust and age', async () => {
    const s = session('injected-exfil');
    const timeline = await run('session_timeline', { session: s.sessionId });
    const denied = timeline.find((r) => r.Verdict === 'deny')!;
    const rows = await run('context_before_action', { session: s.sessionId, action: String(denied.SpanId) });
    expect(rows.map((r) => [r.SourceKind, r.Trust, r.Sensitivity])).toEqual([['user_message', 'trusted', ''], ['web', 'untrusted', 'public'], ['tool_result', 'trusted', 'pii']]);
    const web = rows[1]!;
    expect(Number(web.AgeSeconds)).toBeGreaterThanOrEqual(2 * 3600 + 6);
    expect(Number(web.AgeSeconds)).toBeLessThanOrEqual(2 * 3600 + 7);
    expect(web.ContentSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(web.BeforeAction).toBe('policy send_email');
    // Before the first model call only the user's message had been seen.
    const first = timeline.find((r) => r.Step === 'model_call')!;
    expect(await run('context_before_action', { session: s.sessionId, action: String(first.SpanId) })).toHaveLength(1);
  });

  it('span_attributes returns every attribute of every span of the session', async () => {
    const s = session('injected-exfil');
    const rows = await run('span_attributes', { session: s.sessionId });
    expect(rows).toHaveLength(s.spans);
    const denied = rows.find((r) => r.SpanName === 'policy send_email')!;
    expect(denied.SpanAttributes).toMatchObject({ [Flightrec.policyVerdict]: 'deny', [Flightrec.policyAction]: 'send_email', [GenAI.conversationId]: s.sessionId });
    expect(denied.ResourceAttributes).toMatchObject({ 'service.name': 'acme-agents' });
  });

  it('session_effects lists every side effect with reversibility and key', async () => {
    const rows = await run('session_effects', { session: session('double-send').sessionId });
    expect(rows.map((r) => [r.Action, r.Effect, r.Reversible, r.IdempotencyKey, r.Outcome])).toEqual([
      ['send_email', 'send', 'no', 'quote-Q-2211', 'unknown'],
      ['send_email', 'send', 'no', 'quote-Q-2211', 'ok'],
      ['slack_reply', 'send', 'no', '', 'ok'],
    ]);
    expect(await run('session_effects', { session: 'no-such-session' })).toEqual([]);
  });

  it('tool_error_rates counts calls, errors and retries per tool as the scenarios describe', async () => {
    const rows = await run('tool_error_rates');
    const tools = allSpans.filter((s) => a(s, Flightrec.record) === 'touched');
    for (const name of new Set(tools.map((s) => a(s, GenAI.toolName)))) {
      const calls = tools.filter((s) => a(s, GenAI.toolName) === name);
      const row = rows.find((r) => r.Tool === name)!;
      expect(Number(row.Calls), name).toBe(calls.length);
      expect(Number(row.Errors), name).toBe(calls.filter(failed).length);
    }
    expect(Number(rows.find((r) => r.Tool === 'lookup_order')!.Retries)).toBe(1);
    expect(Number(rows.find((r) => r.Tool === 'search_kb')!.Retries)).toBe(0);
  });

  it('overview adds up to the scenario data', async () => {
    const [row] = await run('overview');
    expect(Number(row!.Sessions)).toBe(scenarios.length);
    expect(Number(row!.Spans)).toBe(allSpans.length);
    expect(Number(row!.ModelCalls)).toBe(allSpans.filter((s) => a(s, Flightrec.step) === 'model_call').length);
    expect(Number(row!.Actions)).toBe(allSpans.filter((s) => a(s, Flightrec.record) === 'touched').length);
    expect(Number(row!.Denials)).toBe(allSpans.filter((s) => a(s, Flightrec.policyVerdict) === 'deny').length);
    expect(Number(row!.HighRiskActions)).toBe(allSpans.filter((s) => a(s, Flightrec.record) === 'touched' && ['high', 'critical'].includes(a(s, Flightrec.risk))).length);
    expect(Number(row!.Errors)).toBe(allSpans.filter(failed).length);
    expect(Number(row!.InputTokens)).toBe(allSpans.reduce((n, s) => n + Number(s.attributes[GenAI.usageInputTokens] ?? 0), 0));
    expect(Number(row!.OutputTokens)).toBe(allSpans.reduce((n, s) => n + Number(s.attributes[GenAI.usageOutputTokens] ?? 0), 0));
  });

  it('actions_by_effect_risk groups the actions', async () => {
    const rows = await run('actions_by_effect_risk');
    const touched = allSpans.filter((s) => a(s, Flightrec.record) === 'touched');
    expect(rows.reduce((n, r) => n + Number(r.Actions), 0)).toBe(touched.length);
    const payHigh = rows.find((r) => r.Effect === 'payment' && r.Risk === 'high')!;
    expect(Number(payHigh.Actions)).toBe(touched.filter((s) => a(s, Flightrec.effect) === 'payment' && a(s, Flightrec.risk) === 'high').length);
  });

  it('recent_sessions lists each session newest first with its tokens', async () => {
    const rows = await run('recent_sessions');
    expect(rows.map((r) => r.SessionId)).toEqual([...sessions].sort((x, y) => y.start.getTime() - x.start.getTime()).map((s) => s.sessionId));
    const loop = rows.find((r) => r.SessionId === session('search-loop').sessionId)!;
    const spans = recordedSpans(scenarios.filter((s) => s.key === 'search-loop'));
    expect(Number(loop.Tokens)).toBe(spans.reduce((n, s) => n + Number(s.attributes[GenAI.usageInputTokens] ?? 0) + Number(s.attributes[GenAI.usageOutputTokens] ?? 0), 0));
    expect(await run('recent_sessions', { limit: '2' })).toHaveLength(2);
  });
});
