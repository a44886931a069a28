/**
 * The demo workload (workload/scenario.ts) writes its spans' attributes by hand; here each of its
 * span builders is checked against the real instrumentation wrapper recording the same event, so
 * the demo cannot quietly record what the wrappers never would. For each builder: the span name,
 * and every attribute the demo sets, must be what the wrapper writes for the same inputs. The
 * differences known today are listed (KNOWN_DRIFT): the test fails on a new one, and on one that
 * went away (then shorten the list).
 */
import type { AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordInbound, startContextLoad } from '../instrumentation/record-context.ts';
import { startAgentInvocation } from '../instrumentation/record-agent.ts';
import { startApproval } from '../instrumentation/record-approval.ts';
import { startModelCall } from '../instrumentation/record-model.ts';
import { recordPolicyCheck } from '../instrumentation/record-policy.ts';
import { startTask } from '../instrumentation/record-task.ts';
import { startToolCall } from '../instrumentation/record-tool.ts';
import { approval, context, inbound, model, policy, task, taskStep, tool, turn, type SpanSpec } from '../workload/scenario.ts';
import { harness, type Harness } from './support/instrumentation-harness.ts';

let h: Harness;
beforeEach(() => {
  h = harness();
});
afterEach(async () => {
  await h.shutdown();
});

const show = (v: AttributeValue | undefined): string => (v === undefined ? '(absent)' : JSON.stringify(v));

/** Where the demo's span differs from the wrapper's: its name, and each attribute it sets that the wrapper does not set the same. */
function drift(demo: SpanSpec, real: ReadableSpan): string[] {
  const out: string[] = [];
  if (demo.name !== real.name) out.push(`name: demo ${JSON.stringify(demo.name)}, wrapper ${JSON.stringify(real.name)}`);
  for (const [key, value] of Object.entries(demo.attributes)) {
    const theirs = real.attributes[key];
    if (JSON.stringify(theirs) !== JSON.stringify(value)) out.push(`${key}: demo ${show(value)}, wrapper ${show(theirs)}`);
  }
  return out;
}

async function only(): Promise<ReadableSpan> {
  const spans = await h.spans();
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

/**
 * Differences between the demo and the wrappers today (see the issue note): the demo's policy
 * spans carry the attempted action's effect and target, which no wrapper records on a policy span;
 * the demo's send-effect tools say step `send` where the tool wrapper says `tool` (the wrappers
 * record sends with record-send instead); the demo hashes an approval subject as raw text where the
 * wrapper hashes its canonical JSON; and the demo names a retrieval `context …` where the wrapper
 * names it `retrieval …`.
 */
const KNOWN_DRIFT: Record<string, string[]> = {
  'agent turn': [],
  'model call': [],
  'policy check': [
    'flightrec.effect: demo "send", wrapper (absent)',
    'flightrec.target.system: demo "smtp", wrapper (absent)',
    'flightrec.target.resource: demo "mailto:a@example.com", wrapper (absent)',
  ],
  approval: ['flightrec.approval.subject_sha256: demo "846bb68dc756762997eb171023948c72b47aa6210e8841e6bed1a0ef327a7289", wrapper "9bbca95a090828e9aa91a828aad68190f130c7bd7eac7b193fb4b9c79dfeb558"'],
  'tool call': [],
  'tool call with a send effect': ['flightrec.step: demo "send", wrapper "tool"'],
  'failed tool call': [],
  'inbound message': [],
  'context load': [],
  retrieval: ['name: demo "context kb", wrapper "retrieval kb"'],
  task: [],
  'task step': [],
};

const CASES: [string, () => SpanSpec, () => void][] = [
  ['agent turn', () => turn('support-bot', 0, 10, []), () => startAgentInvocation({ agentName: 'support-bot' }).end()],
  [
    'model call',
    () => model({ at: 0, ms: 10, model: 'claude-sonnet-4', inputTokens: 120, outputTokens: 30, toolCalls: ['send_email'] }),
    () => startModelCall({ provider: 'anthropic', model: 'claude-sonnet-4' }).end({ responseModel: 'claude-sonnet-4', inputTokens: 120, outputTokens: 30, toolCalls: [{ name: 'send_email' }] }),
  ],
  [
    'policy check',
    () => policy({ at: 0, action: 'send_email', verdict: 'deny', rule: 'no-external-mail', reason: 'external recipient', effect: 'send', targetSystem: 'smtp', targetResource: 'mailto:a@example.com' }),
    () => recordPolicyCheck({ action: 'send_email', policy: 'acme-agent-policy', verdict: 'deny', rule: 'no-external-mail', reason: 'external recipient' }),
  ],
  [
    'approval',
    () => approval({ at: 0, ms: 5, action: 'refund', status: 'approved', approver: 'maria', subject: 'refund 40 EUR' }),
    () => startApproval({ action: 'refund', subject: 'refund 40 EUR' }).end({ status: 'approved', approver: 'maria' }),
  ],
  [
    'tool call',
    () => tool({ at: 0, ms: 5, name: 'lookup_order', effect: 'read', risk: 'low', targetSystem: 'orders-db', targetResource: 'order/1', reversible: true, args: { order: 1 }, idempotencyKey: 'k1', callId: 'call_1' }),
    () => startToolCall({ name: 'lookup_order', callId: 'call_1', arguments: { order: 1 }, idempotencyKey: 'k1', targetResource: 'order/1', spec: { effect: 'read', risk: 'low', targetSystem: 'orders-db', reversible: true } }).end(),
  ],
  [
    'tool call with a send effect',
    () => tool({ at: 0, ms: 5, name: 'slack_reply', effect: 'send', risk: 'low', targetSystem: 'slack', reversible: false, args: { text: 'hi' }, callId: 'call_2' }),
    () => startToolCall({ name: 'slack_reply', callId: 'call_2', arguments: { text: 'hi' }, spec: { effect: 'send', risk: 'low', targetSystem: 'slack', reversible: false } }).end(),
  ],
  [
    'failed tool call',
    () => tool({ at: 0, ms: 5, name: 'run_shell', effect: 'execute', risk: 'critical', targetSystem: 'shell', reversible: false, args: { cmd: 'ls' }, callId: 'call_3', error: 'exit 1' }),
    () => startToolCall({ name: 'run_shell', callId: 'call_3', arguments: { cmd: 'ls' }, spec: { effect: 'execute', risk: 'critical', targetSystem: 'shell', reversible: false } }).fail(Object.assign(new Error('exit 1'), { name: 'ToolError' })),
  ],
  [
    'inbound message',
    () => inbound({ at: 0, source: 'user_message', trust: 'trusted', text: 'Where is my order?', actor: 'slack:U1', channel: 'slack' }),
    () => void recordInbound({ source: 'user_message', trust: 'trusted', content: 'Where is my order?', actor: 'slack:U1', channel: 'slack' }),
  ],
  [
    'context load',
    () => context({ at: 0, name: 'orders.md', source: 'file', trust: 'trusted', sensitivity: 'internal', text: '# Orders', uri: 'file:///docs/orders.md' }),
    () => startContextLoad({ name: 'orders.md', source: 'file', trust: 'trusted', sensitivity: 'internal', uri: 'file:///docs/orders.md' }).end({ content: '# Orders' }),
  ],
  [
    'retrieval',
    () => context({ at: 0, name: 'kb', source: 'retrieval', trust: 'untrusted', text: 'chunk' }),
    () => startContextLoad({ name: 'kb', source: 'retrieval', trust: 'untrusted' }).end({ content: 'chunk' }),
  ],
  [
    'task',
    () => task({ at: 0, ms: 10, id: 't1', name: 'refund', steps: ['check', 'pay'], completion: 'verified_complete', verifiedBy: 'ops', children: [] }),
    () => {
      const t = startTask({ id: 't1', name: 'refund', steps: ['check', 'pay'] });
      t.complete({ completion: 'verified_complete', verifiedBy: 'ops' });
      t.end();
    },
  ],
  [
    'task step',
    () => taskStep({ at: 0, ms: 5, taskId: 't1', step: 'pay', state: 'completed' }),
    () => {
      const t = startTask({ id: 't1', name: 'refund', steps: ['check', 'pay'] });
      t.step('pay').end('completed');
    },
  ],
];

describe('the demo workload records what the instrumentation wrappers record', () => {
  it.each(CASES)('%s', async (name, demo, record) => {
    record();
    const spans = await h.spans();
    const spec = demo();
    // The task-step case records its task too: compare with the step.
    const real = spans.length === 1 ? await only() : spans.find((s) => s.name === spec.name || s.name.startsWith('task_step'))!;
    expect(drift(spec, real)).toEqual(KNOWN_DRIFT[name]);
  });
});
