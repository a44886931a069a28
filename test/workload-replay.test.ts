/**
 * The demo workload is recorded by flightrec's own recorders (workload/replay.ts drives them), so
 * what it stores is what an instrumented agent stores. What the replayer adds is the script: here,
 * every span, event and exception lands at the scripted time (not the wall clock), nests as the
 * scenario nests, and carries the session's conversation id.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { Flightrec, GenAI } from '../instrumentation/semconv.ts';
import { inMemoryTracer } from '../workload/in-memory-tracer.ts';
import { replay } from '../workload/replay.ts';
import { approval, context, inbound, model, policy, task, taskStep, tool, turn, type Scenario } from '../workload/scenario.ts';
import { scenarios } from '../workload/scenarios.ts';

function record(list: readonly Scenario[], now: Date): { spans: ReadableSpan[]; sessions: ReturnType<typeof replay> } {
  const { tracer, spans } = inMemoryTracer();
  const sessions = replay(tracer, list, { now, runTag: 'r1' });
  return { spans, sessions };
}

const ms = (t: readonly [number, number]): number => t[0] * 1_000 + t[1] / 1e6;

const NOW = new Date('2020-03-01T12:00:00.000Z');
const START = NOW.getTime() - 10 * 60_000;

const refund: Scenario = {
  key: 'refund', title: 'a refund with a failed notification', agent: 'finance-agent', minutesAgo: 10, expect: [],
  turns: [
    turn('finance-agent', 0, 9_000, [
      inbound({ at: 0, source: 'user_message', trust: 'trusted', text: 'refund order 1', actor: 'zendesk:7', channel: 'zendesk' }),
      context({ at: 20, name: 'memory order 1', source: 'memory', trust: 'trusted', text: 'order 1 lost', ageMs: 86_400_000 }),
      model({ at: 50, ms: 1_000, model: 'gpt-4.1', inputTokens: 100, outputTokens: 10, toolCalls: ['issue_refund'] }),
      task({
        at: 1_100, ms: 7_000, id: 'task-1', name: 'refund', steps: ['pay', 'notify'], completion: 'incomplete', children: [
          taskStep({ at: 1_110, ms: 3_000, taskId: 'task-1', step: 'pay', state: 'completed', children: [
            policy({ at: 1_120, action: 'issue_refund', verdict: 'require_approval', rule: 'over-50', effect: 'payment', targetSystem: 'stripe', targetResource: 'charge/1' }),
            approval({ at: 1_130, ms: 2_000, action: 'issue_refund', status: 'approved', approver: 'maria', subject: 'refund 60 EUR' }),
            tool({ at: 3_200, ms: 500, name: 'issue_refund', effect: 'payment', risk: 'high', targetSystem: 'stripe', targetResource: 'charge/1', reversible: false, args: { charge: 1 }, callId: 'c1' }),
          ] }),
          taskStep({ at: 4_200, ms: 1_000, taskId: 'task-1', step: 'notify', state: 'failed', error: 'no template', children: [
            tool({ at: 4_210, ms: 900, name: 'send_email', effect: 'send', risk: 'medium', targetSystem: 'email', reversible: false, args: { to: 'a@example.net' }, error: 'no template', outcome: 'unknown', callId: 'c2' }),
          ] }),
        ],
      }),
    ]),
    turn('finance-agent', 60_000, 1_000, [model({ at: 60_010, ms: 500, model: 'claude-sonnet-4-5', inputTokens: 5, outputTokens: 1 })]),
  ],
};

describe('replaying a scenario through the recorders', () => {
  const { spans, sessions } = record([refund], NOW);
  const byName = (name: string): ReadableSpan => {
    const found = spans.filter((s) => s.name === name);
    expect(found, name).toHaveLength(1);
    return found[0]!;
  };

  it('records one span per step, one trace per turn, under the session id', () => {
    expect(spans).toHaveLength(13);
    expect(sessions).toEqual([expect.objectContaining({ key: 'refund', sessionId: 'refund-r1', spans: 13, start: new Date(START) })]);
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set(sessions[0]!.traceIds));
    expect(sessions[0]!.traceIds).toHaveLength(2);
    for (const s of spans) expect(s.attributes[GenAI.conversationId], s.name).toBe('refund-r1');
    for (const s of spans) expect(s.attributes[GenAI.agentName], s.name).toBe('finance-agent');
  });

  it('puts every span, event and exception at the scripted time, not the wall clock', () => {
    const at = (name: string): [number, number] => { const s = byName(name); return [ms(s.startTime) - START, ms(s.endTime) - START]; };
    expect(at('message_in zendesk')).toEqual([0, 0]);
    expect(at('chat gpt-4.1')).toEqual([50, 1_050]);
    expect(at('task refund')).toEqual([1_100, 8_100]);
    expect(at('policy issue_refund')).toEqual([1_120, 1_122]);
    expect(at('approval issue_refund')).toEqual([1_130, 3_130]);
    expect(at('execute_tool issue_refund')).toEqual([3_200, 3_700]);
    expect(at('chat claude-sonnet-4-5')).toEqual([60_010, 60_510]);
    const policyEvent = byName('policy issue_refund').events[0]!;
    expect(ms(policyEvent.time) - START).toBe(1_122);
    const failedSend = byName('execute_tool send_email');
    expect(failedSend.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no template' });
    expect(failedSend.attributes[Flightrec.outcome]).toBe('unknown');
    const exception = failedSend.events.find((e) => e.name === 'exception')!;
    expect(ms(exception.time) - START).toBe(5_110);
    // A scripted failure has no stack: the replayer's own frames say nothing about the agent.
    expect(exception.attributes).toEqual({ 'exception.type': 'ToolError', 'exception.message': 'no template' });
    const memory = byName('context memory order 1');
    expect(Date.parse(String(memory.attributes[Flightrec.contentProducedAt]))).toBe(START + 20 - 86_400_000);
  });

  it('nests spans as the scenario nests them, task steps under their task', () => {
    const parentName = (name: string): string | undefined => {
      const parentId = byName(name).parentSpanContext?.spanId;
      return spans.find((s) => s.spanContext().spanId === parentId)?.name;
    };
    for (const root of spans.filter((s) => s.name === 'invoke_agent finance-agent')) expect(root.parentSpanContext).toBeUndefined();
    expect(parentName('task refund')).toBe('invoke_agent finance-agent');
    expect(parentName('task_step pay')).toBe('task refund');
    expect(parentName('execute_tool issue_refund')).toBe('task_step pay');
    expect(parentName('execute_tool send_email')).toBe('task_step notify');
    expect(byName('task_step notify').attributes[Flightrec.taskStepState]).toBe('failed');
    expect(byName('task refund').attributes[Flightrec.taskCompletion]).toBe('incomplete');
    expect(byName('policy issue_refund').attributes).toMatchObject({ [Flightrec.effect]: 'payment', [Flightrec.targetResource]: 'charge/1', [Flightrec.policyVerdict]: 'require_approval' });
  });

  it('refuses a task step outside its task', () => {
    const stray: Scenario = { ...refund, key: 'stray', turns: [turn('a', 0, 10, [taskStep({ at: 1, ms: 1, taskId: 'task-9', step: 'x', state: 'completed' })])] };
    expect(() => record([stray], NOW)).toThrow(/task step x of task-9 is not nested under that task/);
  });

  it('replays the bundled workload: one span per step, every session within its window', () => {
    const count = (specs: readonly { children?: readonly unknown[] }[]): number => specs.reduce((n, s) => n + 1 + count((s.children ?? []) as { children?: readonly unknown[] }[]), 0);
    const all = record(scenarios, NOW);
    expect(all.spans).toHaveLength(scenarios.reduce((n, s) => n + count(s.turns), 0));
    for (const s of all.sessions) {
      const own = all.spans.filter((x) => x.attributes[GenAI.conversationId] === s.sessionId);
      expect(own, s.key).toHaveLength(s.spans);
      for (const x of own) expect(ms(x.startTime), `${s.key} ${x.name}`).toBeGreaterThanOrEqual(s.start.getTime());
      for (const x of own) expect(ms(x.endTime), `${s.key} ${x.name}`).toBeLessThanOrEqual(NOW.getTime());
    }
  });
});
