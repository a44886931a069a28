/**
 * Realistic agent sessions for the Grafana tests and bench: one good run and one of each failure
 * pattern the detections look for, so every dashboard panel has rows to show. They are workload
 * scenarios (workload/scenario.ts) recorded by flightrec's own recorders (workload/replay.ts), then
 * sent as OTLP/HTTP JSON through the embedded receiver, the path real spans take, with timestamps in
 * the last hour.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { GenAI } from '../instrumentation/semconv.ts';
import { inMemoryTracer } from '../workload/in-memory-tracer.ts';
import { replay } from '../workload/replay.ts';
import { approval, context, inbound, model, policy, task, taskStep, tool, turn, type Scenario, type SeenSpec, type ToolSpec } from '../workload/scenario.ts';

export interface SeededSession {
  readonly sessionId: string;
  readonly service: string;
  readonly agent: string;
  readonly channel: string;
  readonly traceIds: readonly string[];
  /** Span ids by role, for variables such as `action`. */
  readonly spans: Record<string, string>;
}

/** A recorded session: what the tests and the bench need to know of it, and its spans. */
export interface RecordedSession {
  readonly info: SeededSession;
  readonly spans: readonly ReadableSpan[];
}

export interface Seed {
  readonly sessions: Record<string, SeededSession>;
  readonly spanCount: number;
}

const DAY = 24 * 3_600_000;

interface SessionPlan {
  readonly service: string;
  readonly channel: string;
  readonly scenario: Scenario;
  /** Roles whose span ids the tests pick as variables: the first span the predicate accepts. */
  readonly roles: Record<string, (s: ReadableSpan) => boolean>;
}

const named = (name: string) => (s: ReadableSpan): boolean => s.name === name;

/** The five sessions; `tag` makes their ids, call ids and content unique per copy. */
function plans(tag: string): SessionPlan[] {
  let calls = 0;
  const callId = (): string => `call-${tag}-${++calls}`;
  const saw = (channel: string, s: Omit<SeenSpec, 'text' | 'actor' | 'channel'>): SeenSpec => ({ ...s, text: `${s.source} seen in copy ${tag} at ${s.at}`, actor: 'user:alice', channel });
  const act = (t: Omit<ToolSpec, 'ms' | 'callId' | 'targetSystem' | 'args' | 'reversible'> & { reversible?: boolean }): ReturnType<typeof tool> =>
    tool({ ...t, ms: 120, callId: callId(), targetSystem: t.targetResource!.split(':')[0]!, reversible: t.reversible ?? t.effect === 'read', args: { copy: tag, at: t.at } });
  const check = (at: number, action: string, verdict: 'allow' | 'deny' | 'require_approval', rule: string, effect: ToolSpec['effect'], resource: string): ReturnType<typeof policy> =>
    policy({ at, action, verdict, rule, reason: `${rule} matched`, effect, targetSystem: resource.split(':')[0]!, targetResource: resource });
  const scenario = (key: string, agent: string, minutesAgo: number, turns: Scenario['turns']): Scenario => ({ key, title: key, agent, minutesAgo, expect: [], turns });

  return [
    // A good session over two traces: read, model, approved send.
    {
      service: 'mail-agent', channel: 'slack',
      scenario: scenario('sess-good', 'mail-agent', 50, [
        turn('mail-agent', 0, 59_000, [
          inbound(saw('slack', { at: 10, source: 'user_message', trust: 'trusted', sensitivity: 'internal' })),
          model({ at: 100, ms: 900, model: 'gpt-4.1', inputTokens: 1200, outputTokens: 300 }),
          act({ at: 1200, name: 'search_mail', effect: 'read', risk: 'low', targetResource: 'mail:inbox' }),
        ]),
        turn('mail-agent', 59_000, 181_000, [
          check(60_000, 'send_email', 'require_approval', 'external-send', 'send', 'mail:bob@example.com'),
          approval({ at: 60_010, ms: 30_000, action: 'send_email', status: 'approved', approver: 'user:carol', subject: `send_email to bob@example.com (copy ${tag})` }),
          act({ at: 95_000, name: 'send_email', effect: 'send', risk: 'medium', targetResource: 'mail:bob@example.com', idempotencyKey: `idem-good-${tag}` }),
        ]),
      ]),
      roles: { inbound: (s) => s.name.startsWith('message_in'), send: named('execute_tool send_email') },
    },
    // Toxic flow: untrusted web page, secret file, a denied send, then a send that ran.
    {
      service: 'mail-agent', channel: 'email',
      scenario: scenario('sess-toxic', 'mail-agent', 45, [
        turn('mail-agent', 0, 240_000, [
          inbound(saw('email', { at: 10, source: 'user_message', trust: 'trusted', sensitivity: 'internal' })),
          context({ name: 'web page', ...saw('email', { at: 200, source: 'web', trust: 'untrusted', sensitivity: 'public', uri: 'https://evil.example/page' }) }),
          context({ name: 'keys file', ...saw('email', { at: 400, source: 'file', trust: 'trusted', sensitivity: 'secret', uri: 'file:///etc/keys.txt' }) }),
          model({ at: 600, ms: 900, model: 'gpt-4.1', inputTokens: 4000, outputTokens: 800 }),
          check(1500, 'send_email', 'deny', 'no-secrets-out', 'send', 'mail:attacker@evil.example'),
          approval({ at: 1600, ms: 30_000, action: 'http_post', status: 'pending', approver: '', subject: `http_post to evil.example (copy ${tag})` }),
          act({ at: 3000, name: 'http_post', effect: 'send', risk: 'high', targetResource: 'mail:attacker@evil.example' }),
        ]),
      ]),
      roles: { untrusted: named('context web page'), model: named('chat gpt-4.1'), exfil: named('execute_tool http_post') },
    },
    // Unapproved critical action: a payment with no approval.
    {
      service: 'billing-agent', channel: 'api',
      scenario: scenario('sess-pay', 'billing-agent', 40, [
        turn('billing-agent', 0, 240_000, [
          inbound(saw('api', { at: 10, source: 'user_message', trust: 'trusted', sensitivity: 'internal' })),
          model({ at: 100, ms: 900, model: 'claude-sonnet-4', inputTokens: 2000, outputTokens: 100 }),
          act({ at: 1500, name: 'pay_invoice', effect: 'payment', risk: 'critical', targetResource: 'bank:acct-42', reversible: false }),
        ]),
      ]),
      roles: { payment: named('execute_tool pay_invoice') },
    },
    // Runaway: the same tool twelve times in a few minutes, half of them failing and retried; token burn.
    {
      service: 'ops-agent', channel: 'slack',
      scenario: scenario('sess-loop', 'ops-agent', 35, [
        turn('ops-agent', 0, 240_000, [
          inbound(saw('slack', { at: 10, source: 'user_message', trust: 'trusted', sensitivity: 'internal' })),
          ...Array.from({ length: 12 }, (_, i) => [
            model({ at: 100 + i * 10_000, ms: 900, model: 'gpt-4.1', inputTokens: 18_000, outputTokens: 2000 }),
            act({ at: 5000 + i * 10_000, name: 'restart_service', effect: 'execute', risk: 'medium', targetResource: 'k8s:svc/api', error: i % 2 === 0 ? 'timeout' : undefined }),
          ]).flat(),
        ]),
      ]),
      roles: {},
    },
    // Partial completion, duplicate send, denied-then-retried and stale context in one busy session.
    {
      service: 'ops-agent', channel: 'api',
      scenario: scenario('sess-task', 'ops-agent', 30, [
        turn('ops-agent', 0, 240_000, [
          context({ name: 'runbook', ...saw('api', { at: 10, source: 'retrieval', trust: 'trusted', sensitivity: 'internal', uri: 'wiki:runbook', ageMs: 3 * DAY }) }),
          task({
            at: 50, ms: 200_000, id: 'task-1', name: 'migrate-db', steps: ['backup', 'migrate', 'verify'], completion: 'incomplete', children: [
              taskStep({ at: 100, ms: 1000, taskId: 'task-1', step: 'backup', state: 'completed' }),
              act({ at: 1200, name: 'write_db', effect: 'write', risk: 'high', targetResource: 'db:prod/users' }),
              taskStep({ at: 2000, ms: 1000, taskId: 'task-1', step: 'migrate', state: 'failed' }),
              act({ at: 4000, name: 'notify', effect: 'send', risk: 'low', targetResource: 'slack:#ops', idempotencyKey: `idem-dup-${tag}` }),
              act({ at: 5000, name: 'notify', effect: 'send', risk: 'low', targetResource: 'slack:#ops', idempotencyKey: `idem-dup-${tag}` }),
            ],
          }),
          check(6000, 'drop_table', 'deny', 'no-destructive-ddl', 'delete', 'db:prod/users'),
          act({ at: 7000, name: 'run_sql', effect: 'delete', risk: 'high', targetResource: 'db:prod/users' }),
        ]),
      ]),
      roles: {},
    },
  ];
}

/** Record the sessions with the recorders; `now` anchors them in the last hour. */
export function buildSeed(now = Date.now(), tag = '1'): { sessions: RecordedSession[] } {
  return {
    sessions: plans(tag).map((p) => {
      const { tracer, spans } = inMemoryTracer({ 'service.name': p.service, [GenAI.agentName]: p.scenario.agent });
      const [replayed] = replay(tracer, [p.scenario], { now: new Date(now), runTag: tag });
      const roles = Object.fromEntries(Object.entries(p.roles).map(([role, is]) => {
        const span = spans.find(is);
        if (!span) throw new Error(`seed: no span for role ${role} in ${p.scenario.key}`);
        return [role, span.spanContext().spanId];
      }));
      const info: SeededSession = { sessionId: replayed!.sessionId, service: p.service, agent: p.scenario.agent, channel: p.channel, traceIds: replayed!.traceIds, spans: roles };
      return { info, spans };
    }),
  };
}

/** OTLP/JSON request body for some sessions, as the SDK's OTLP/HTTP JSON exporter serialises it. */
export function otlpBody(sessions: readonly RecordedSession[]): Uint8Array {
  return JsonTraceSerializer.serializeRequest(sessions.flatMap((s) => s.spans))!;
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
