/**
 * Provenance of a tool result as it enters the agent's context (a SAW record): where it came from,
 * whether it is trusted, and how sensitive it is. Sensitivity is the highest of: the catalogue's
 * fixed value, a sensitive-path match, and what the redactor's secret/PII rules find in the content.
 */
import { matchesGlob } from 'node:path';
import type { Redactor } from '../instrumentation/redaction/redactor.ts';
import { Sensitivities, type Sensitivity, type SourceKind, type Trust } from '../instrumentation/semconv.ts';
import type { OpenClawToolSpec } from './builtin-tools.ts';

export interface Provenance {
  readonly source: SourceKind;
  readonly trust: Trust;
  readonly sensitivity?: Sensitivity;
}

export interface ProvenanceRules {
  readonly sensitivePaths: readonly string[];
  readonly trustedPaths: readonly string[];
  readonly redactor: Redactor | undefined;
}

const PII_RULES = new Set(['email', 'phone', 'card_number']);

function matchesAny(path: string, globs: readonly string[]): boolean {
  return globs.some((g) => {
    try {
      return matchesGlob(path, g);
    } catch {
      return false; // a malformed glob matches nothing rather than failing the hook
    }
  });
}

function higher(a: Sensitivity | undefined, b: Sensitivity | undefined): Sensitivity | undefined {
  if (!a) return b;
  if (!b) return a;
  return Sensitivities.indexOf(a) >= Sensitivities.indexOf(b) ? a : b;
}

/** What the redactor's value rules find: secrets outrank PII. */
export function contentSensitivity(text: string | undefined, redactor: Redactor | undefined): Sensitivity | undefined {
  if (!text || !redactor) return undefined;
  const { rules } = redactor.redactText(text);
  if (rules.length === 0) return undefined;
  return rules.some((r) => !PII_RULES.has(r)) ? 'secret' : 'pii';
}

export function resultProvenance(spec: OpenClawToolSpec, path: string | undefined, text: string | undefined, rules: ProvenanceRules): Provenance {
  let trust: Trust = spec.resultTrust ?? 'untrusted';
  let sensitivity = spec.resultSensitivity;
  if (path && spec.resultSource === 'file') {
    if (matchesAny(path, rules.trustedPaths)) trust = 'trusted';
    if (matchesAny(path, rules.sensitivePaths)) sensitivity = higher(sensitivity, 'secret');
  }
  sensitivity = higher(sensitivity, contentSensitivity(text, rules.redactor));
  return { source: spec.resultSource ?? 'tool_result', trust, sensitivity };
}

/** The text of an OpenClaw tool result: its `content` text parts, else its details' output. */
export function resultText(result: unknown): string | undefined {
  if (result === undefined || result === null) return undefined;
  if (typeof result === 'string') return result;
  if (typeof result !== 'object') return String(result);
  const r = result as { content?: unknown; details?: { aggregated?: unknown } };
  if (Array.isArray(r.content)) {
    const parts = r.content
      .filter((p): p is { type: 'text'; text: string } => typeof p === 'object' && p !== null && (p as { type?: unknown }).type === 'text' && typeof (p as { text?: unknown }).text === 'string')
      .map((p) => p.text);
    if (parts.length) return parts.join('\n');
  }
  if (typeof r.details?.aggregated === 'string') return r.details.aggregated;
  try {
    return JSON.stringify(result);
  } catch {
    return undefined;
  }
}
