/**
 * flightrec's wrappers speak the newest GenAI conventions beside their flightrec.* attributes: a
 * policy check is also an `apply_guardrail` with `gen_ai.guardrail.*` and the `gen_ai.guardrail.result`
 * event; captured tool arguments and results go under `gen_ai.tool.call.arguments` / `.result`; a
 * verified task completion is a `gen_ai.evaluation.result` event. And the store reads them back
 * through the same mapping it applies to other producers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { guard, PolicyDeniedError, withTask, wrapTool } from '../instrumentation/index.ts';
import { Flightrec, GenAI, GenAIEvaluation, GenAIEvents, GenAIGuardrail } from '../instrumentation/semconv.ts';
import { harness, type Harness } from './support/instrumentation-harness.ts';

let h: Harness;
afterEach(async () => {
  await h?.shutdown();
});

describe('flightrec wrappers in GenAI conventions terms', () => {
  it('a policy check is an apply_guardrail with the verdict as the guardrail’s native result, and its event', async () => {
    h = harness();
    const send = guard(wrapTool(async (to: string) => `sent to ${to}`, { name: 'send_email' }), {
      action: 'send_email', policy: 'outbound-mail',
      check: () => ({ verdict: 'deny', rule: 'external-domain', reason: 'the recipient is outside the company' }),
    });
    await expect(send('x@evil.test')).rejects.toBeInstanceOf(PolicyDeniedError);
    const policy = await h.one('policy send_email');
    expect(policy.attributes).toMatchObject({
      [GenAI.operationName]: 'apply_guardrail', [GenAIGuardrail.componentName]: 'flightrec', [GenAIGuardrail.policyId]: 'outbound-mail',
      [GenAIGuardrail.resultType]: 'verdict', [GenAIGuardrail.resultValue]: 'deny', [GenAIGuardrail.resultReason]: 'external-domain',
      [Flightrec.policyVerdict]: 'deny', [Flightrec.policyReason]: 'the recipient is outside the company',
    });
    // The free-text reason never goes into the conventions' low-cardinality reason.
    expect(Object.values(policy.attributes).filter((v) => v === 'the recipient is outside the company')).toHaveLength(1);
    expect(policy.events.map((e) => [e.name, e.attributes])).toEqual([[GenAIEvents.guardrailResult, { [GenAIGuardrail.resultType]: 'verdict', [GenAIGuardrail.resultValue]: 'deny', [GenAIGuardrail.resultReason]: 'external-domain' }]]);
  });

  it('captured tool arguments and results go under gen_ai.tool.call.arguments / .result', async () => {
    h = harness({ captureMode: 'full' });
    await wrapTool(async (q: { city: string }) => ({ temp: 21, city: q.city }), { name: 'get_weather' })({ city: 'Berlin' });
    const span = await h.one('execute_tool get_weather');
    expect(JSON.parse(String(span.attributes[GenAI.toolCallArguments]))).toEqual({ city: 'Berlin' });
    expect(JSON.parse(String(span.attributes[GenAI.toolCallResult]))).toEqual({ temp: 21, city: 'Berlin' });
  });

  it('a verified completion is a gen_ai.evaluation.result event; a completion nobody verified is not', async () => {
    h = harness();
    await withTask({ id: 'T-1', name: 'refund' }, async (task) => task.complete({ completion: 'verified_complete', verifiedBy: 'ledger-check' }));
    await withTask({ id: 'T-2', name: 'notify' }, async (task) => task.complete({ completion: 'incomplete' }));
    const verified = await h.one('task refund');
    expect(verified.events.map((e) => [e.name, e.attributes])).toEqual([[GenAIEvents.evaluationResult, {
      [GenAIEvaluation.name]: 'task_completion', [GenAIEvaluation.scoreLabel]: 'verified_complete', [GenAIEvaluation.explanation]: 'verified by ledger-check',
    }]]);
    expect((await h.one('task notify')).events).toEqual([]);
  });
});
