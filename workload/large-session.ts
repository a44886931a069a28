/**
 * One long session of a given size, for measuring the incident report on sessions far larger than
 * the demo's: a research agent that reads many web pages and tool results in a loop, with policy
 * checks, an approval, and side effects — a realistic mix of saw / decided / touched spans, built
 * with the same constructors as the bundled workload. It is written to trip the runaway and toxic
 * flow detections, so the report has findings with long evidence lists.
 */
import { approval, context, inbound, model, policy, tool, turn, type Scenario } from './scenario.ts';
import type { SpanSpec } from './scenario.ts';

/** Spans per turn (trace): an agent's long session is many turns, and the SDK's batch queue holds 2,048 spans. */
export const LARGE_SESSION_TURN = 1_000;

/** A session of about `spans` spans (± 4): one trace per LARGE_SESSION_TURN spans. */
export function largeSession(spans: number, key = `large-${spans}`): Scenario {
  const children: SpanSpec[] = [inbound({ at: 0, source: 'user_message', trust: 'trusted', text: 'Research every supplier and mail me a summary', actor: 'slack:U07RESEARCH', channel: 'slack' })];
  let at = 10;
  // Each cycle: model call → tool call → what the tool returned (3 spans); every 20th cycle adds a policy check.
  for (let i = 0; children.length < spans - 4; i++) {
    const url = `https://suppliers.example/catalogue/page-${i}`;
    children.push(model({ at, ms: 400, model: 'claude-sonnet-4-5', inputTokens: 3_000 + i * 20, outputTokens: 60, toolCalls: ['fetch_url'] }));
    children.push(tool({ at: at + 410, ms: 300, name: 'fetch_url', effect: 'read', risk: 'low', targetSystem: 'web', targetResource: url, reversible: true, args: { url }, callId: `call_l_${i}` }));
    children.push(context({ at: at + 720, name: `supplier page ${i}`, source: 'web', trust: i % 7 === 0 ? 'untrusted' : 'trusted', sensitivity: i % 11 === 0 ? 'confidential' : 'public', text: `Supplier ${i}: prices, terms and contacts. `.repeat(4), uri: url, ageMs: 3_600_000 }));
    if (i % 20 === 19) children.push(policy({ at: at + 750, action: 'fetch_url', verdict: 'allow', rule: 'web-read-allowed', reason: 'reads from the public web are allowed', effect: 'read', targetSystem: 'web', targetResource: url }));
    at += 800;
  }
  children.push(policy({ at, action: 'send_email', verdict: 'require_approval', rule: 'external-mail-needs-approval', reason: 'mail to an address outside acme.example', effect: 'send', targetSystem: 'email', targetResource: 'mailto:owner@suppliers.example' }));
  children.push(approval({ at: at + 10, ms: 20_000, action: 'send_email', status: 'approved', approver: 'lead@acme.example', subject: 'supplier summary' }));
  children.push(tool({ at: at + 20_100, ms: 500, name: 'send_email', effect: 'send', risk: 'high', targetSystem: 'email', targetResource: 'mailto:owner@suppliers.example', reversible: false, args: { subject: 'Supplier summary' }, callId: 'call_l_send' }));
  const turns: SpanSpec[] = [];
  for (let i = 0; i < children.length; i += LARGE_SESSION_TURN - 1) {
    const part = children.slice(i, i + LARGE_SESSION_TURN - 1);
    const start = part[0]!.at;
    const end = Math.max(...part.map((c) => c.at + ('ms' in c ? c.ms : 0)));
    turns.push(turn('research-agent', start, end - start + 10, part));
  }
  return { key, title: `A research session of ${spans} spans`, agent: 'research-agent', minutesAgo: Math.ceil((at + 30_000) / 60_000) + 1, expect: ['detect_runaway', 'detect_toxic_flow'], turns };
}
