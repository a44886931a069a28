/**
 * End to end with the env-only setup: `init()` with no arguments, configured by OTEL_* and
 * FLIGHTREC_* variables, a small agent run through the real OTLP/HTTP exporter into the embedded
 * server, read back through the flightrec_spans view: every record kind lands with its columns,
 * the conversation id is on every span, and the denied action has no execute_tool child.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { guard, init, PolicyDeniedError, recordInbound, startModelCall, withAgent, withTask, withTaskStep, wrapMessageSend, wrapTool, type FlightrecRuntime } from '../instrumentation/index.ts';

let t: TestServer;
let fr: FlightrecRuntime;
beforeAll(async () => {
  t = await startTestServer();
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `${t.server.otlpUrl}/v1/traces`;
  process.env.OTEL_SERVICE_NAME = 'e2e-agent-service';
  process.env.FLIGHTREC_AGENT_NAME = 'e2e-agent';
  process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'redacted';
});
afterAll(async () => {
  await t?.stop();
});

interface Row {
  SpanId: string; ParentSpanId: string; SpanName: string; SessionId: string; Record: string; Step: string; Agent: string; Tool: string;
  Effect: string; Risk: string; Reversible: string; Verdict: string; PolicyRule: string; ApprovalStatus: string; Outcome: string;
  SourceKind: string; Trust: string; ContentSha256: string; TaskId: string; TaskStepState: string; TaskCompletion: string; ArgumentsSha256: string;
  InputTokens: string | number; ServiceName: string; Redacted: string;
}

describe('end to end', () => {
  it('an agent run lands in flightrec_spans with every record kind', async () => {
    fr = init();
    expect(fr.captureMode).toBe('redacted');
    const conversationId = `conv-${Date.now()}`;
    const tools = { send_email: { effect: 'send', risk: 'high', reversible: false, targetSystem: 'smtp' }, read_inbox: { effect: 'read', risk: 'low' } } as const;
    const { configure } = await import('../instrumentation/index.ts');
    configure({ tools });
    const readInbox = wrapTool(async () => ['invoice from ann@example.com'], { name: 'read_inbox' });
    const sendEmail = guard(wrapTool(async (to: string) => `sent:${to}`, { name: 'send_email' }), {
      action: 'send_email', check: (to) => (to.endsWith('@corp.example') ? 'allow' : { verdict: 'deny', rule: 'external-recipient' }),
    });
    const notify = wrapMessageSend(async (_text: string) => 'ok', { channel: 'slack', content: (text) => text });

    await withAgent({ agentName: 'e2e-agent', conversationId }, async () => {
      recordInbound({ source: 'user_message', trust: 'trusted', actor: 'u1', content: 'pay the invoice' });
      const m = startModelCall({ provider: 'openai', model: 'gpt-x' });
      m.end({ inputTokens: 50, outputTokens: 7, toolCalls: [{ id: 'c1', name: 'send_email' }] });
      await withTask({ id: 'task-1', steps: ['read', 'send'] }, async (task) => {
        await withTaskStep(task, 'read', () => readInbox());
        await withTaskStep(task, 'send', async () => {
          await expect(sendEmail('mallory@evil.test')).rejects.toBeInstanceOf(PolicyDeniedError);
          await sendEmail('boss@corp.example');
        });
        task.complete({ completion: 'verified_complete', verifiedBy: 'test' });
      });
      await notify('done, card 4111 1111 1111 1111');
    });
    await fr.shutdown();

    const rows = await (await t.http.query({
      query: `SELECT SpanId, ParentSpanId, SpanName, SessionId, Record, Step, Agent, Tool, Effect, Risk, Reversible, Verdict, PolicyRule, ApprovalStatus,
                     Outcome, SourceKind, Trust, ContentSha256, TaskId, TaskStepState, TaskCompletion, ArgumentsSha256, InputTokens, ServiceName,
                     SpanAttributes['flightrec.redacted_keys'] AS Redacted
              FROM flightrec_spans WHERE TraceId IN (SELECT TraceId FROM otel_traces WHERE SpanAttributes['gen_ai.conversation.id'] = {c:String})`,
      query_params: { c: conversationId },
      format: 'JSONEachRow',
    })).json<Row>();

    const by = (name: string) => rows.filter((r) => r.SpanName === name);
    expect(rows.every((r) => r.SessionId === conversationId)).toBe(true);
    expect(rows.every((r) => r.Agent === 'e2e-agent' && r.ServiceName === 'e2e-agent-service')).toBe(true);
    expect(by('message_in user_message')[0]).toMatchObject({ Record: 'saw', SourceKind: 'user_message', Trust: 'trusted' });
    expect(by('message_in user_message')[0]!.ContentSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(by('chat gpt-x')[0]).toMatchObject({ Record: 'decided', Step: 'model_call' });
    expect(Number(by('chat gpt-x')[0]!.InputTokens)).toBe(50);
    const policies = by('policy send_email');
    expect(policies.map((p) => p.Verdict).sort()).toEqual(['allow', 'deny']);
    const deny = policies.find((p) => p.Verdict === 'deny')!;
    expect(deny.PolicyRule).toBe('external-recipient');
    expect(rows.filter((r) => r.ParentSpanId === deny.SpanId)).toHaveLength(0);
    const sends = by('execute_tool send_email');
    expect(sends).toHaveLength(1);
    expect(sends[0]).toMatchObject({ Record: 'touched', Effect: 'send', Risk: 'high', Reversible: 'false', Outcome: 'ok', ParentSpanId: policies.find((p) => p.Verdict === 'allow')!.SpanId });
    expect(by('execute_tool read_inbox')[0]).toMatchObject({ Effect: 'read', Risk: 'low' });
    expect(by('task task-1')[0]).toMatchObject({ TaskId: 'task-1', TaskCompletion: 'verified_complete' });
    expect(rows.filter((r) => r.Step === 'task_step').map((r) => r.TaskStepState)).toEqual(['completed', 'completed']);
    const slack = by('send_message slack')[0]!;
    expect(slack).toMatchObject({ Record: 'touched', Effect: 'send' });
    expect(slack.Redacted).toContain('input.value'); // the card number in the message body
    const all = JSON.stringify(await (await t.http.query({ query: 'SELECT SpanAttributes, Events.Attributes FROM otel_traces', format: 'JSONEachRow' })).json());
    expect(all).not.toContain('4111 1111 1111 1111');
    expect(all).not.toContain('ann@example.com');
  });
});
