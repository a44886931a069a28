/**
 * The zero-install path: an operator turns on only OpenClaw's own diagnostics-otel plugin and points
 * it at flightrec. That plugin is installed from ClawHub, not npm, so it cannot run here; its spans
 * are reproduced as its source defines them (extensions/diagnostics-otel, OpenClaw 2026.9.x; see
 * docs/openclaw.md): OTLP/HTTP protobuf through the real OTLP proto exporter, instrumentation scope
 * `openclaw` with no version, every span INTERNAL, `service.name` "openclaw-gateway", the span
 * names and `openclaw.*` / `gen_ai.*` attributes of each event, parent/child by run.
 *
 * Then everything is read back as flightrec's users would: the flightrec_spans view, the saved
 * detections, the session timeline and a signed audit export.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { context, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../audit/audit-record.ts';
import { generateKeys, loadPrivateKey } from '../audit/keys.ts';
import type { Manifest } from '../audit/manifest.ts';
import { runExport } from '../audit/run-export.ts';
import { chTime } from '../cli/commands/export.ts';
import { findSavedQuery } from '../catalogue/saved-queries.ts';
import { runSavedQuery } from '../review/run-query.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { tempDir } from '../tools/temp-dir.ts';

let t: TestServer;
const tmp = tempDir('flightrec-oc-diag-');
const T0 = Date.now() - 60_000;
const at = (s: number): number => T0 + s * 1000;

/** Attributes diagnostics-otel puts on every span of a run (its "run attrs"). */
const RUN = { 'openclaw.provider': 'openai', 'openclaw.model': 'gpt-5.4', 'openclaw.channel': 'telegram', 'openclaw.trigger': 'user' };

function span(tracer: Tracer, parent: Span | undefined, name: string, start: number, end: number, attributes: Attributes, error?: string): Span {
  const ctx = parent ? trace.setSpan(context.active(), parent) : context.active();
  const s = tracer.startSpan(name, { startTime: at(start), attributes }, ctx);
  if (error) s.setStatus({ code: 2, message: error });
  s.end(at(end));
  return s;
}

let traceId = '';

beforeAll(async () => {
  t = await startTestServer();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'openclaw-gateway', 'host.name': 'gw-1', 'process.runtime.name': 'nodejs' }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${t.server.otlpUrl}/v1/traces` }) })],
  });
  const tracer = provider.getTracer('openclaw');

  // One Telegram message: the agent fetches a page, is blocked from running a shell command by a
  // plugin's before_tool_call, runs it anyway through `exec` on the next turn, and replies.
  const msgCtx = tracer.startSpan('openclaw.message.processed', { startTime: at(0), attributes: { 'openclaw.channel': 'telegram', 'openclaw.source': 'telegram', 'openclaw.outcome': 'completed' } });
  traceId = msgCtx.spanContext().traceId;
  const run = tracer.startSpan('openclaw.harness.run', { startTime: at(0.1), attributes: { ...RUN, 'openclaw.harness.id': 'openclaw', 'openclaw.outcome': 'completed' } }, trace.setSpan(context.active(), msgCtx));
  span(tracer, run, 'openclaw.context.assembled', 0.2, 0.3, { ...RUN, 'openclaw.context.message_count': 3, 'openclaw.context.prompt_chars': 5120 });
  span(tracer, run, 'openclaw.skill.used', 0.3, 0.3, { 'openclaw.skill.name': 'web-research', 'openclaw.skill.source': 'workspace', 'openclaw.agent': 'main', 'openclaw.toolName': 'web_fetch' });
  span(tracer, run, 'openclaw.model.call', 0.4, 1.4, { ...RUN, 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-5.4', 'gen_ai.operation.name': 'chat', 'openclaw.api': 'openai-responses', 'openclaw.transport': 'auto', 'openclaw.model_call.request_bytes': 60661, 'openclaw.model_call.response_bytes': 699 });
  span(tracer, run, 'openclaw.model.usage', 0.4, 1.4, { 'openclaw.channel': 'telegram', 'openclaw.agent': 'main', 'openclaw.provider': 'openai', 'openclaw.model': 'gpt-5.4', 'openclaw.tokens.input': 1200, 'openclaw.tokens.output': 80, 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-5.4', 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': 1200, 'gen_ai.usage.output_tokens': 80 });
  span(tracer, run, 'openclaw.tool.execution', 1.5, 2.5, { ...RUN, 'openclaw.toolName': 'web_fetch', 'gen_ai.tool.name': 'web_fetch', 'openclaw.tool.source': 'core', 'openclaw.tool.params.kind': 'object', 'openclaw.tool.params.length': 1 });
  // Blocked: a zero-length span with outcome "blocked" and the reason (diagnostics-otel's tool.execution.blocked).
  span(tracer, run, 'openclaw.tool.execution', 3, 3, { ...RUN, 'openclaw.toolName': 'exec', 'gen_ai.tool.name': 'exec', 'openclaw.tool.source': 'core', 'openclaw.outcome': 'blocked', 'openclaw.deniedReason': 'plugin-before-tool-call' });
  span(tracer, run, 'openclaw.model.call', 3.1, 4, { ...RUN, 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-5.4', 'gen_ai.operation.name': 'chat', 'openclaw.api': 'openai-responses' });
  span(tracer, run, 'openclaw.tool.execution', 4.1, 5, { ...RUN, 'openclaw.toolName': 'exec', 'gen_ai.tool.name': 'exec', 'openclaw.tool.source': 'core' });
  span(tracer, run, 'openclaw.exec', 4.2, 4.9, { 'openclaw.exec.target': 'host', 'openclaw.exec.mode': 'shell', 'openclaw.outcome': 'completed', 'openclaw.exec.exit_code': 0, 'openclaw.exec.command_length': 42 });
  span(tracer, run, 'openclaw.tool.execution', 5.1, 5.2, { ...RUN, 'openclaw.toolName': 'read', 'gen_ai.tool.name': 'read' }, 'TypeError');
  // The same model call as OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental names it: `{op} {model}`, CLIENT.
  tracer.startSpan('chat gpt-5.4', { kind: 2, startTime: at(5.3), attributes: { ...RUN, 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-5.4', 'gen_ai.operation.name': 'chat' } }, trace.setSpan(context.active(), run)).end(at(5.6));
  run.end(at(6));
  span(tracer, msgCtx, 'openclaw.message.delivery', 6, 6.5, { 'openclaw.channel': 'telegram', 'openclaw.delivery.kind': 'text', 'openclaw.outcome': 'completed', 'openclaw.delivery.result_count': 1 });
  msgCtx.end(at(6.5));
  // Roots of their own: the loop detector blocking a tool, and health.
  span(tracer, undefined, 'openclaw.tool.loop', 7, 7, { 'openclaw.toolName': 'web_search', 'openclaw.loop.level': 'critical', 'openclaw.loop.action': 'block', 'openclaw.loop.detector': 'repeat', 'openclaw.loop.count': 12 }, 'tool loop blocked');
  span(tracer, undefined, 'openclaw.session.stuck', 8, 8, { 'openclaw.state': 'processing', 'openclaw.queueDepth': 3 }, 'session stuck');
  await provider.forceFlush();
  await provider.shutdown();
});

afterAll(async () => {
  await t?.stop();
  tmp.cleanup();
});

interface Row {
  SpanName: string; ScopeName: string; Record: string; Step: string; Operation: string; Tool: string; Effect: string; Risk: string;
  Verdict: string; PolicyRule: string; Outcome: string; Model: string; Agent: string; Channel: string; InputTokens: string | number; SessionId: string;
}

async function rows(): Promise<Row[]> {
  const rs = await t.http.query({
    query: `SELECT SpanName, ScopeName, Record, Step, Operation, Tool, Effect, Risk, Verdict, PolicyRule, Outcome, Model, Agent, Channel, InputTokens, SessionId
            FROM flightrec_spans WHERE ServiceName = 'openclaw-gateway' ORDER BY Timestamp, SpanName`,
    format: 'JSONEachRow',
  });
  return rs.json<Row>();
}

const range = (): Record<string, string> => ({ from: chTime(new Date(T0 - 60_000)).slice(0, 23), to: chTime(new Date(Date.now() + 60_000)).slice(0, 23) });

describe('OpenClaw diagnostics-otel spans, mapped in storage', () => {
  it('land in otel_traces as the contrib exporter would store them: scope openclaw, INTERNAL (CLIENT for the renamed model call)', async () => {
    const rs = await t.http.query({ query: "SELECT DISTINCT ScopeName, ScopeVersion, SpanKind, ServiceName FROM otel_traces WHERE ServiceName = 'openclaw-gateway' ORDER BY SpanKind", format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([
      { ScopeName: 'openclaw', ScopeVersion: '', SpanKind: 'Client', ServiceName: 'openclaw-gateway' },
      { ScopeName: 'openclaw', ScopeVersion: '', SpanKind: 'Internal', ServiceName: 'openclaw-gateway' },
    ]);
  });

  it('classifies each span as saw / decided / touched (or plumbing), with step, effect, risk, verdict and outcome', async () => {
    const got = (await rows()).map((r) => [r.SpanName, r.Record, r.Step, r.Tool, r.Effect, r.Risk, r.Verdict, r.Outcome].join(' | '));
    expect(got).toEqual([
      'openclaw.message.processed | saw | message_in |  |  |  |  | ok',
      'openclaw.harness.run |  |  |  |  |  |  | ok',
      'openclaw.context.assembled | saw | context |  |  |  |  | ',
      'openclaw.skill.used | saw | context | web_fetch | read | medium |  | ',
      'openclaw.model.call | decided | model_call |  |  |  |  | ',
      'openclaw.model.usage |  |  |  |  |  |  | ',
      'openclaw.tool.execution | touched | tool | web_fetch | read | medium |  | ',
      'openclaw.tool.execution | decided | policy | exec | execute | high | deny | ',
      'openclaw.model.call | decided | model_call |  |  |  |  | ',
      'openclaw.tool.execution | touched | tool | exec | execute | high |  | ',
      'openclaw.exec |  |  |  |  |  |  | ok',
      'openclaw.tool.execution | touched | tool | read | read | low |  | error',
      'chat gpt-5.4 | decided | model_call |  |  |  |  | ',
      'openclaw.message.delivery | touched | send |  | send |  |  | ok',
      'openclaw.tool.loop | decided | policy | web_search | read | low | deny | error',
      'openclaw.session.stuck |  |  |  |  |  |  | error',
    ]);
  });

  it('fills model, tokens, agent, channel and the deny reason from OpenClaw’s own keys', async () => {
    const all = await rows();
    const call = all.find((r) => r.SpanName === 'openclaw.model.call')!;
    expect(call).toMatchObject({ Model: 'gpt-5.4', Operation: 'chat', Channel: 'telegram' });
    expect(Number(all.find((r) => r.SpanName === 'openclaw.model.usage')!.InputTokens)).toBe(1200);
    expect(all.find((r) => r.SpanName === 'openclaw.skill.used')!.Agent).toBe('main');
    expect(all.find((r) => r.Verdict === 'deny' && r.Tool === 'exec')!.PolicyRule).toBe('plugin-before-tool-call');
    expect(all.find((r) => r.Tool === 'web_fetch' && r.Record === 'touched')!.Operation).toBe('execute_tool');
    // diagnostics-otel drops session ids unless sessionAttribute is on: the run's trace is its session.
    expect(new Set(all.filter((r) => r.SpanName !== 'openclaw.tool.loop' && r.SpanName !== 'openclaw.session.stuck').map((r) => r.SessionId))).toEqual(new Set([traceId]));
  });

  it('feeds the saved detections: a tool denied then run anyway, a high-risk action with no approval', async () => {
    const denied = await runSavedQuery(t.http, findSavedQuery('detect_denied_then_retried'), range());
    expect(denied.filter((r) => r.SessionId === traceId).map((r) => r.DeniedAction)).toEqual(['exec']);
    const risky = await runSavedQuery(t.http, findSavedQuery('detect_unapproved_risky_action'), range());
    expect(risky.filter((r) => r.SessionId === traceId).map((r) => r.Action)).toEqual(['exec']);
  });

  it('gives the session timeline the saw / decided / touched sequence', async () => {
    const timeline = await runSavedQuery(t.http, findSavedQuery('session_timeline'), { session: traceId });
    expect(timeline.filter((r) => r.Record !== '').map((r) => `${r.Record}:${r.SpanName}`)).toEqual([
      'saw:openclaw.message.processed',
      'saw:openclaw.context.assembled',
      'saw:openclaw.skill.used',
      'decided:openclaw.model.call',
      'touched:openclaw.tool.execution',
      'decided:openclaw.tool.execution',
      'decided:openclaw.model.call',
      'touched:openclaw.tool.execution',
      'touched:openclaw.tool.execution',
      'decided:chat gpt-5.4',
      'touched:openclaw.message.delivery',
    ]);
  });

  it('exports into a signed audit trail with the mapped record, effect and verdict', async () => {
    const keys = generateKeys(join(tmp.path, 'keys'));
    const res = await runExport(t.http, { outDir: join(tmp.path, 'export'), privateKey: loadPrivateKey(keys.privateKeyPath), contentKey: randomBytes(32), filters: { to: chTime(new Date(Date.now() + 60_000)), session: traceId } });
    const m = JSON.parse(readFileSync(join(res.dir, 'manifest.json'), 'utf8')) as Manifest;
    const records = m.files.flatMap((f) => readFileSync(join(res.dir, f.name), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditRecord));
    const denial = records.find((r) => r.verdict === 'deny')!;
    expect(denial).toMatchObject({ record: 'decided', tool: 'exec', effect: 'execute', risk: 'high', policy_rule: 'plugin-before-tool-call', service: 'openclaw-gateway' });
    expect(records.filter((r) => r.record === 'touched').map((r) => r.tool || r.span_name)).toEqual(['web_fetch', 'exec', 'read', 'openclaw.message.delivery']);
  });
});
