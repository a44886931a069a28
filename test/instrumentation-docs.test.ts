/**
 * docs/semantic-conventions.md describes every attribute and enumerated value declared in
 * instrumentation/semconv.ts (the one source of truth), so the doc cannot silently fall behind.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AllAttributeKeys, ApprovalStatuses, OpenClaw, CaptureModes, Effects, Outcomes, Risks, Sensitivities, SourceKinds, StepKinds, StepStates, TaskCompletions, Trust, Verdicts,
} from '../instrumentation/semconv.ts';
import { RULES } from '../instrumentation/redaction/rules/rules.generated.ts';

const doc = readFileSync(new URL('../docs/semantic-conventions.md', import.meta.url), 'utf8');
const openclawDoc = readFileSync(new URL('../docs/openclaw.md', import.meta.url), 'utf8');
const openclawKeys = new Set<string>(Object.values(OpenClaw));

describe('docs/semantic-conventions.md', () => {
  it('names every declared attribute (the openclaw.* ones in docs/openclaw.md)', () => {
    const missing = [...AllAttributeKeys].filter((k) => !(openclawKeys.has(k) ? openclawDoc : doc).includes(`\`${k}\``));
    expect(missing).toEqual([]);
  });

  it('names every enumerated value and flightrec redaction rule (the gitleaks ones are listed in rules.generated.ts)', () => {
    const values = [...SourceKinds, ...Trust, ...Sensitivities, ...Verdicts, ...ApprovalStatuses, ...Effects, ...Risks, ...Outcomes, ...StepStates, ...TaskCompletions, ...CaptureModes, ...Object.values(StepKinds), ...RULES.filter((r) => r.source === 'flightrec').map((r) => r.id)];
    expect(values.filter((v) => !doc.includes(`\`${v}\``))).toEqual([]);
  });
});
