/**
 * The plugin's hook handlers without OpenClaw, fed the event and context shapes a real
 * `openclaw agent --local` run produced (OBSERVED with openclaw@2026.9.6, see docs/openclaw.md):
 * catalogued tools reached through the `tool_call` dispatcher, and session goals as task state.
 * The real-run proof of the same paths is in openclaw-agent.test.ts.
 */
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import type { OpenClawPluginApi } from 'openclaw/plugin-sdk/plugin-entry';
import { afterEach, describe, expect, it } from 'vitest';
import { currentTelemetry } from '../openclaw/exporter.ts';
import { registerFlightrec, resetFlightrecPlugin } from '../openclaw/register.ts';

type Handler = (event: unknown, ctx: unknown) => unknown;

const RUN = 'run-1';
const TRACE = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: '01' };
const agentCtx = { runId: RUN, agentId: 'main', sessionKey: 'agent:main:main', sessionId: 'sess-1', trace: TRACE, trigger: 'user' };
const toolCtx = (toolName: string, toolCallId: string) => ({ toolName, toolCallId, agentId: 'main', sessionKey: 'agent:main:main', sessionId: 'sess-1', runId: RUN, trace: TRACE });

/** A stand-in for OpenClaw's plugin API that keeps the handlers, so a test can fire hooks in OpenClaw's order. */
function plugin(pluginConfig: Record<string, unknown>) {
  const handlers = new Map<string, Handler>();
  const memory = new InMemorySpanExporter();
  const api = {
    registrationMode: 'full',
    pluginConfig: { endpoint: 'http://127.0.0.1:9', ...pluginConfig },
    config: {},
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    on: (hook: string, handler: Handler) => handlers.set(hook, handler),
    registerService: () => undefined,
  } as unknown as OpenClawPluginApi;
  registerFlightrec(api, { exporter: memory });
  const fire = (hook: string, event: unknown, ctx: unknown): unknown => handlers.get(hook)!(event, ctx);
  /** One tool call as OpenClaw 2026.9.6 makes it through the dispatcher: outer before, inner before/after, outer after. */
  const dispatched = (outerId: string, tool: string, args: Record<string, unknown>, innerResult: unknown, n = 1) => {
    const innerId = `tool_search_code:${outerId}:${tool}:${n}`;
    const verdicts = [
      fire('before_tool_call', { toolName: 'tool_call', params: { id: tool, args }, runId: RUN, toolCallId: outerId }, toolCtx('tool_call', outerId)),
      fire('before_tool_call', { toolName: tool, params: args, runId: RUN, toolCallId: innerId }, toolCtx(tool, innerId)),
    ];
    fire('after_tool_call', { toolName: tool, params: args, runId: RUN, toolCallId: innerId, result: innerResult, durationMs: 5 }, toolCtx(tool, innerId));
    fire('after_tool_call', { toolName: 'tool_call', params: { id: tool, args }, runId: RUN, toolCallId: outerId, result: { content: [{ type: 'text', text: JSON.stringify({ tool: { name: tool }, result: innerResult }) }], details: { tool: { name: tool }, result: innerResult } }, durationMs: 9 }, toolCtx('tool_call', outerId));
    return verdicts;
  };
  const end = async (): Promise<ReadableSpan[]> => {
    await fire('agent_end', { runId: RUN, messages: [], success: true, durationMs: 40 }, agentCtx);
    return memory.getFinishedSpans();
  };
  return { fire, dispatched, end };
}

const goalResult = (status: string, goal: Record<string, unknown>) => {
  const details = { status, goal: { schemaVersion: 1, objective: 'Summarise the notes', createdAt: 1, updatedAt: 2, tokensUsed: 0, ...goal } };
  return { content: [{ type: 'text', text: JSON.stringify(details, null, 2) }], details };
};

afterEach(async () => {
  await currentTelemetry()?.shutdown();
  resetFlightrecPlugin();
});

describe('flightrec plugin hook handlers', () => {
  it('records a tool reached through tool_call once, under its own name, and a session goal as a task the model cannot verify', async () => {
    const p = plugin({});
    p.fire('agent_turn_prepare', {}, agentCtx);
    p.dispatched('call_1', 'create_goal', { objective: 'Summarise the notes' }, goalResult('created', { id: 'goal-1', status: 'active' }));
    p.dispatched('call_2', 'update_goal', { status: 'complete', note: 'All summarised' }, goalResult('updated', { id: 'goal-1', status: 'complete', lastStatusNote: 'All summarised' }));
    const spans = await p.end();

    const root = spans.find((s) => s.name === 'invoke_agent main')!;
    const tools = spans.filter((s) => s.name.startsWith('execute_tool'));
    expect(tools.map((s) => s.name)).toEqual(['execute_tool create_goal', 'execute_tool update_goal']);
    expect(tools.every((s) => s.parentSpanContext?.spanId === root.spanContext().spanId)).toBe(true);
    expect(tools[0]!.attributes['flightrec.effect']).toBe('write');
    // The dispatcher's wrapper result is not read back as a second (untrusted) context record.
    expect(spans.filter((s) => s.name.startsWith('context ')).map((s) => s.name)).toEqual(['context create_goal', 'context update_goal']);

    const task = spans.find((s) => s.attributes['flightrec.step'] === 'task')!;
    expect(task.name).toBe('task goal');
    expect(task.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(task.attributes).toMatchObject({
      'flightrec.task.id': 'goal-1',
      'openclaw.goal.status': 'complete',
      // The model said complete; nobody verified it.
      'flightrec.task.completion': 'unknown',
    });
    expect(task.attributes['openclaw.goal.note_sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(task.spanContext().traceId).toBe(TRACE.traceId);
  });

  it('reports a goal the agent left blocked as incomplete', async () => {
    const p = plugin({});
    p.fire('agent_turn_prepare', {}, agentCtx);
    p.dispatched('call_1', 'update_goal', { status: 'blocked', note: 'need credentials' }, goalResult('updated', { id: 'goal-2', status: 'blocked' }));
    const task = (await p.end()).find((s) => s.attributes['flightrec.step'] === 'task')!;
    expect(task.attributes).toMatchObject({ 'flightrec.task.id': 'goal-2', 'openclaw.goal.status': 'blocked', 'flightrec.task.completion': 'incomplete' });
  });

  it('in policy mode judges the forwarded tool, not the dispatcher: a denied web_fetch is blocked and never executes', async () => {
    const p = plugin({
      policy: { mode: 'enforce', name: 'p', rules: [
        { name: 'no-web', tools: ['web_fetch'], verdict: 'deny', reason: 'no browsing' },
        // Would catch the dispatcher (catalogued as execute) if it were judged as an action itself.
        { name: 'no-exec', effects: ['execute'], verdict: 'deny' },
      ] },
    });
    p.fire('agent_turn_prepare', {}, agentCtx);
    const url = 'http://127.0.0.1:9/collect';
    const blocked = { content: [{ type: 'text', text: 'no browsing' }], details: { status: 'blocked', deniedReason: 'plugin-before-tool-call', reason: 'no browsing' } };
    const [outer, inner] = p.dispatched('call_1', 'web_fetch', { url }, blocked);
    expect(outer).toBeUndefined();
    expect(inner).toEqual({ block: true, blockReason: 'no browsing' });
    const spans = await p.end();
    const policies = spans.filter((s) => s.attributes['flightrec.step'] === 'policy');
    expect(policies.map((s) => [s.name, s.attributes['flightrec.policy.verdict'], s.attributes['flightrec.policy.rule']])).toEqual([['policy web_fetch', 'deny', 'no-web']]);
    expect(spans.filter((s) => s.name.startsWith('execute_tool'))).toEqual([]);
  });

  it('still records a dispatcher call that reached no tool (unknown id)', async () => {
    const p = plugin({});
    p.fire('agent_turn_prepare', {}, agentCtx);
    p.fire('before_tool_call', { toolName: 'tool_call', params: { id: 'nope' }, runId: RUN, toolCallId: 'call_9' }, toolCtx('tool_call', 'call_9'));
    p.fire('after_tool_call', { toolName: 'tool_call', params: { id: 'nope' }, runId: RUN, toolCallId: 'call_9', error: 'Tool nope not found', result: { content: [{ type: 'text', text: 'Tool nope not found' }], details: {} }, durationMs: 3 }, toolCtx('tool_call', 'call_9'));
    const tools = (await p.end()).filter((s) => s.name.startsWith('execute_tool'));
    expect(tools.map((s) => [s.name, s.status.code])).toEqual([['execute_tool tool_call', 2]]);
  });
});
