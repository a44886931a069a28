/**
 * Policy mode: the verdict for one tool call, from the configured rules (first match wins; no
 * match allows). Pure, so the decision can be tested without OpenClaw.
 */
import type { PolicyDecision } from '../instrumentation/record-policy.ts';
import type { OpenClawToolSpec } from './builtin-tools.ts';
import type { PolicyConfig } from './config.ts';

export function decide(policy: PolicyConfig, toolName: string, spec: OpenClawToolSpec): PolicyDecision {
  for (const rule of policy.rules) {
    if (rule.tools && !rule.tools.includes(toolName)) continue;
    if (rule.effects && !rule.effects.includes(spec.effect)) continue;
    if (rule.risks && !rule.risks.includes(spec.risk)) continue;
    return {
      verdict: rule.verdict,
      rule: rule.name,
      reason: rule.reason ?? `${toolName} (${spec.effect}, ${spec.risk} risk) ${rule.verdict === 'deny' ? 'is denied' : 'needs approval'} by ${policy.name} rule ${rule.name}`,
    };
  }
  return { verdict: 'allow' };
}

/** OpenClaw's approval severities, from flightrec's risk. */
export function approvalSeverity(spec: OpenClawToolSpec): 'info' | 'warning' | 'critical' {
  return spec.risk === 'critical' ? 'critical' : spec.risk === 'high' ? 'warning' : 'info';
}
