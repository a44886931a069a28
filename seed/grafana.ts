/**
 * Realistic agent sessions for the Grafana tests, sent as OTLP/HTTP JSON through the embedded
 * receiver (the path real spans take), with timestamps in the last hour. Every attribute name
 * comes from instrumentation/semconv.ts. The sessions cover one good run and one of each failure
 * pattern the detections look for, so every dashboard panel has rows to show.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { randomBytes } from 'node:crypto';
import { Flightrec, GenAI } from '../instrumentation/semconv.ts';

type Attrs = Record<string, string | number>;

interface SpanInput {
  readonly name: string;
  readonly at: number; // ms offset from the session start
  readonly ms: number; // duration
  readonly attrs: Attrs;
  readonly parent?: string; // span id
  readonly error?: string;
  readonly id?: string;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: string } }[];
  status?: { code: number; message?: string };
  events?: { timeUnixNano: string; name: string; attributes: { key: string; value: { stringValue: string } }[] }[];
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const ns = (ms: number): string => (BigInt(Math.round(ms)) * 1_000_000n).toString();

export interface SeededSession {
  readonly sessionId: string;
  readonly service: string;
  readonly agent: string;
  readonly channel: string;
  readonly traceIds: string[];
  /** Span ids by role, for variables such as `action`. */
  readonly spans: Record<string, string>;
}

/** OTLP/JSON request body for some sessions. */
export function otlpBody(sessions: readonly { info: SeededSession; spans: unknown[] }[]): string {
  return JSON.stringify({
    resourceSpans: sessions.map((s) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: s.info.service } }, { key: GenAI.agentName, value: { stringValue: s.info.agent } }] },
      scopeSpans: [{ scope: { name: 'flightrec-test' }, spans: s.spans }],
    })),
  });
}

export interface Seed {
  readonly sessions: Record<string, SeededSession>;
  readonly spanCount: number;
}

class SessionBuilder {
  readonly spans: OtlpSpan[] = [];
  readonly info: SeededSession;
  #trace: string;
  readonly #start: number;

  constructor(sessionId: string, service: string, agent: string, channel: string, startMs: number) {
    this.#trace = hex(16);
    this.#start = startMs;
    this.info = { sessionId, service, agent, channel, traceIds: [this.#trace], spans: {} };
  }

  newTrace(): void {
    this.#trace = hex(16);
    this.info.traceIds.push(this.#trace);
  }

  span(s: SpanInput): string {
    const id = s.id ?? hex(8);
    const attrs: Attrs = { [GenAI.conversationId]: this.info.sessionId, [GenAI.agentName]: this.info.agent, ...s.attrs };
    const start = this.#start + s.at;
    this.spans.push({
      traceId: this.#trace,
      spanId: id,
      ...(s.parent ? { parentSpanId: s.parent } : {}),
      name: s.name,
      kind: 1,
      startTimeUnixNano: ns(start),
      endTimeUnixNano: ns(start + s.ms),
      attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } })),
      ...(s.error ? { status: { code: 2, message: s.error }, events: [{ timeUnixNano: ns(start + s.ms), name: 'exception', attributes: [{ key: 'exception.message', value: { stringValue: s.error } }] }] } : {}),
    });
    return id;
  }

  root(): string {
    return this.span({ name: `invoke_agent ${this.info.agent}`, at: 0, ms: 240_000, attrs: { [GenAI.operationName]: 'invoke_agent', [Flightrec.record]: 'decided', [Flightrec.step]: 'agent' } });
  }

  inbound(parent: string, at: number, trust: string, sensitivity = 'internal', kind = 'user_message', uri = '', producedAgoMs = 0): string {
    return this.span({
      name: `context ${kind}`, at, ms: 5, parent,
      attrs: {
        [Flightrec.record]: 'saw', [Flightrec.step]: kind === 'user_message' ? 'message_in' : 'context',
        [Flightrec.sourceKind]: kind, [Flightrec.sourceTrust]: trust, [Flightrec.sourceSensitivity]: sensitivity,
        [Flightrec.channel]: this.info.channel, [Flightrec.actor]: 'user:alice',
        [Flightrec.contentSha256]: hex(32),
        [Flightrec.contentProducedAt]: new Date(this.#start + at - producedAgoMs).toISOString(),
        ...(uri ? { [Flightrec.sourceUri]: uri } : {}),
      },
    });
  }

  model(parent: string, at: number, tokensIn: number, tokensOut: number, model = 'gpt-4.1'): string {
    return this.span({
      name: `chat ${model}`, at, ms: 900, parent,
      attrs: {
        [Flightrec.record]: 'decided', [Flightrec.step]: 'model_call', [GenAI.operationName]: 'chat',
        [GenAI.requestModel]: model, [GenAI.responseModel]: model,
        [GenAI.usageInputTokens]: tokensIn, [GenAI.usageOutputTokens]: tokensOut,
      },
    });
  }

  policy(parent: string, at: number, action: string, verdict: string, rule: string, effect: string, resource: string): string {
    return this.span({
      name: `policy ${action}`, at, ms: 2, parent,
      attrs: {
        [Flightrec.record]: 'decided', [Flightrec.step]: 'policy', [Flightrec.policyAction]: action, [Flightrec.policyVerdict]: verdict,
        [Flightrec.policyRule]: rule, [Flightrec.policyReason]: `${rule} matched`, [Flightrec.effect]: effect, [Flightrec.targetResource]: resource,
        [Flightrec.targetSystem]: resource.split(':')[0] ?? '',
      },
    });
  }

  approval(parent: string, at: number, action: string, status: string, approver = ''): string {
    return this.span({
      name: `approval ${action}`, at, ms: 30_000, parent,
      attrs: {
        [Flightrec.record]: 'decided', [Flightrec.step]: 'approval', [Flightrec.policyAction]: action, [Flightrec.approvalStatus]: status,
        [Flightrec.approvalReason]: 'needs a human', ...(approver ? { [Flightrec.approvalApprover]: approver, [Flightrec.actor]: approver } : {}),
      },
    });
  }

  tool(parent: string, at: number, tool: string, effect: string, risk: string, resource: string, opts: { error?: string; key?: string; args?: string; reversible?: boolean } = {}): string {
    return this.span({
      name: `execute_tool ${tool}`, at, ms: 120, parent, error: opts.error,
      attrs: {
        [Flightrec.record]: 'touched', [Flightrec.step]: effect === 'send' ? 'send' : effect === 'read' ? 'tool' : 'write',
        [GenAI.operationName]: 'execute_tool', [GenAI.toolName]: tool, [GenAI.toolCallId]: hex(4),
        [Flightrec.effect]: effect, [Flightrec.risk]: risk, [Flightrec.targetSystem]: resource.split(':')[0] ?? '', [Flightrec.targetResource]: resource,
        [Flightrec.reversible]: String(opts.reversible ?? effect === 'read'), [Flightrec.outcome]: opts.error ? 'error' : 'ok',
        [Flightrec.argumentsSha256]: opts.args ?? hex(32),
        ...(opts.key ? { [Flightrec.idempotencyKey]: opts.key } : {}),
      },
    });
  }
}

/** Build the sessions; `now` anchors them in the last hour. */
export function buildSeed(now = Date.now(), tag = '1'): { sessions: SessionBuilder[] } {
  const t0 = now - 50 * 60_000;
  const out: SessionBuilder[] = [];

  // A good session over two traces: read, model, approved send.
  const good = new SessionBuilder(`sess-good-${tag}`, 'mail-agent', 'mail-agent', 'slack', t0);
  let r = good.root();
  good.info.spans.inbound = good.inbound(r, 10, 'trusted');
  good.model(r, 100, 1200, 300);
  good.tool(r, 1200, 'search_mail', 'read', 'low', 'mail:inbox');
  good.newTrace();
  r = good.root();
  good.policy(r, 60_000, 'send_email', 'require_approval', 'external-send', 'send', 'mail:bob@example.com');
  good.approval(r, 60_010, 'send_email', 'approved', 'user:carol');
  good.info.spans.send = good.tool(r, 95_000, 'send_email', 'send', 'medium', 'mail:bob@example.com', { key: `idem-good-${tag}` });
  out.push(good);

  // Toxic flow: untrusted web page, secret file, a denied send, then a send that ran.
  const toxic = new SessionBuilder(`sess-toxic-${tag}`, 'mail-agent', 'mail-agent', 'email', t0 + 5 * 60_000);
  r = toxic.root();
  toxic.inbound(r, 10, 'trusted');
  toxic.info.spans.untrusted = toxic.inbound(r, 200, 'untrusted', 'public', 'web', 'https://evil.example/page');
  toxic.inbound(r, 400, 'trusted', 'secret', 'file', 'file:///etc/keys.txt');
  toxic.info.spans.model = toxic.model(r, 600, 4000, 800);
  toxic.policy(r, 1500, 'send_email', 'deny', 'no-secrets-out', 'send', 'mail:attacker@evil.example');
  toxic.approval(r, 1600, 'http_post', 'pending');
  toxic.info.spans.exfil = toxic.tool(r, 3000, 'http_post', 'send', 'high', 'mail:attacker@evil.example');
  out.push(toxic);

  // Unapproved critical action: a payment with no approval.
  const pay = new SessionBuilder(`sess-pay-${tag}`, 'billing-agent', 'billing-agent', 'api', t0 + 10 * 60_000);
  r = pay.root();
  pay.inbound(r, 10, 'trusted');
  pay.model(r, 100, 2000, 100, 'claude-sonnet-4');
  pay.info.spans.payment = pay.tool(r, 1500, 'pay_invoice', 'payment', 'critical', 'bank:acct-42', { reversible: false });
  out.push(pay);

  // Runaway: the same tool twelve times in a few minutes, half of them failing and retried; token burn.
  const loop = new SessionBuilder(`sess-loop-${tag}`, 'ops-agent', 'ops-agent', 'slack', t0 + 15 * 60_000);
  r = loop.root();
  loop.inbound(r, 10, 'trusted');
  for (let i = 0; i < 12; i++) {
    loop.model(r, 100 + i * 10_000, 18_000, 2000, 'gpt-4.1');
    loop.tool(r, 5000 + i * 10_000, 'restart_service', 'execute', 'medium', 'k8s:svc/api', { error: i % 2 === 0 ? 'timeout' : undefined });
  }
  out.push(loop);

  // Partial completion, duplicate send, denied-then-retried and stale context in one busy session.
  const task = new SessionBuilder(`sess-task-${tag}`, 'ops-agent', 'ops-agent', 'api', t0 + 20 * 60_000);
  r = task.root();
  task.inbound(r, 10, 'trusted', 'internal', 'retrieval', 'wiki:runbook', 3 * 24 * 3600_000);
  const t = task.span({
    name: 'task migrate-db', at: 50, ms: 200_000, parent: r,
    attrs: { [Flightrec.record]: 'decided', [Flightrec.step]: 'task', [Flightrec.taskId]: 'task-1', [Flightrec.taskName]: 'migrate-db', [Flightrec.taskSteps]: 3, [Flightrec.taskCompletion]: 'incomplete' },
  });
  task.span({ name: 'task_step backup', at: 100, ms: 1000, parent: t, attrs: { [Flightrec.step]: 'task_step', [Flightrec.taskId]: 'task-1', [Flightrec.taskStep]: 'backup', [Flightrec.taskStepState]: 'completed' } });
  task.tool(t, 1200, 'write_db', 'write', 'high', 'db:prod/users');
  task.span({ name: 'task_step migrate', at: 2000, ms: 1000, parent: t, attrs: { [Flightrec.step]: 'task_step', [Flightrec.taskId]: 'task-1', [Flightrec.taskStep]: 'migrate', [Flightrec.taskStepState]: 'failed' } });
  task.tool(t, 4000, 'notify', 'send', 'low', 'slack:#ops', { key: `idem-dup-${tag}` });
  task.tool(t, 5000, 'notify', 'send', 'low', 'slack:#ops', { key: `idem-dup-${tag}` });
  task.policy(r, 6000, 'drop_table', 'deny', 'no-destructive-ddl', 'delete', 'db:prod/users');
  task.tool(r, 7000, 'run_sql', 'delete', 'high', 'db:prod/users');
  out.push(task);
  return { sessions: out };
}

/** Send the seed through the receiver and wait until every span is stored. */
export async function seedThroughReceiver(otlpUrl: string, store: ClickHouseClient, flushIngestLog: () => Promise<void>, now = Date.now()): Promise<Seed> {
  const { sessions } = buildSeed(now);
  let spanCount = 0;
  for (const s of sessions) {
    const res = await fetch(`${otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: otlpBody([s]) });
    if (res.status !== 200) throw new Error(`seed rejected: ${res.status} ${await res.text()}`);
    spanCount += s.spans.length;
  }
  // One rejected request, so pipeline health has something to show.
  await fetch(`${otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceSpans": [' });
  for (let i = 0; i < 200; i++) {
    const rows = await (await store.query({ query: 'SELECT count() AS n FROM otel_traces', format: 'JSONEachRow' })).json<{ n: string }>();
    if (Number(rows[0]!.n) >= spanCount) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await flushIngestLog();
  return { sessions: Object.fromEntries(sessions.map((s) => [s.info.sessionId, s.info])), spanCount };
}
