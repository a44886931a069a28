/**
 * flightrec's redactor: secret keys by name, secrets and PII by value pattern (value-rules.ts),
 * an allow list of keys that never carry content (hashes, ids, enumerations).
 *
 * Hand-written rather than @secretlint/core or @pinojs/redact, measured in
 * bench/instrumentation-redaction-choice.ts: secretlint is an async, file-oriented linter (a
 * Promise and a rule-context set-up per string; orders of magnitude over the per-span budget) and
 * @pinojs/redact redacts known object paths, while span attributes are flat keys matched by name
 * and content needs value patterns. The provider key formats follow secretlint's preset.
 */
import { createHmac } from 'node:crypto';
import { Flightrec, GenAI } from '../semconv.ts';
import type { RedactionResult, Redactor } from './redactor.ts';
import { DEFAULT_VALUE_RULES, type ValueRule } from './value-rules.ts';

export interface RedactionConfig {
  /** More keys (exact, case-insensitive, or regex) whose values are always replaced. */
  readonly denyKeys?: readonly (string | RegExp)[];
  /** More keys never scanned (exact). Deny wins over allow. */
  readonly allowKeys?: readonly string[];
  /** More value rules, run after the defaults. */
  readonly rules?: readonly ValueRule[];
  /** Default rules to turn off by name, e.g. ['phone'] where phone numbers are not personal. */
  readonly disableRules?: readonly string[];
  /** Replacement text; the rule name is appended as `[REDACTED:email]`. */
  readonly replacement?: string;
  /**
   * When set (FLIGHTREC_REDACTION_KEY for init()), personal data the value rules find — e-mail
   * addresses and phone numbers — is replaced by a keyed pseudonym, `[REDACTED:email:3f9a0c1d2b7e]`:
   * the first 12 hex digits of HMAC-SHA256(key, the normalised value). The same person reads the
   * same across spans and processes sharing the key (so a detection can tell "retried to the same
   * recipient" from "sent to someone else"), and nobody without the key can test a guess. Secrets
   * (keys, tokens, passwords) are always replaced plainly.
   */
  readonly pseudonymKey?: string;
}

/** Value rules whose matches are personal data, pseudonymised when a key is given; each with its normal form. */
const PSEUDONYMOUS_RULES: Readonly<Record<string, (match: string) => string>> = {
  email: (m) => m.toLowerCase(),
  phone: (m) => m.replace(/[^\d+]/g, ''),
};

/**
 * A key names a secret when its last segment (after the last '.') is, or ends in, one of these
 * words: `password`, `db_password`, `x-api-key`, `authorization`… but not `input_tokens`.
 */
const SECRET_KEY_SEGMENT = /(?:^|[_-])(?:password|passwd|pwd|secret|client[_-]?secret|api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|auth[_-]?token|id[_-]?token|session[_-]?token|token|authorization|proxy[_-]authorization|cookie|set[_-]cookie|private[_-]?key|credentials?|passphrase)$/i;

/** Keys whose values are hashes, ids, numbers or closed enumerations: never content. */
export const DEFAULT_ALLOW_KEYS: readonly string[] = [
  GenAI.operationName, GenAI.providerName, GenAI.requestModel, GenAI.responseModel, GenAI.responseFinishReasons,
  GenAI.toolName, GenAI.toolCallId, GenAI.toolType, GenAI.agentId, GenAI.agentName, GenAI.agentVersion, GenAI.errorType, GenAI.responseId,
  Flightrec.record, Flightrec.step, Flightrec.sourceKind, Flightrec.sourceTrust, Flightrec.sourceSensitivity,
  Flightrec.contentSha256, Flightrec.contentProducedAt, Flightrec.contentCapture, Flightrec.policyVerdict, Flightrec.approvalStatus,
  Flightrec.approvalSubjectSha256, Flightrec.effect, Flightrec.risk, Flightrec.reversible, Flightrec.argumentsSha256, Flightrec.outcome,
  Flightrec.taskStepState, Flightrec.taskCompletion, Flightrec.redactedKeys, Flightrec.droppedKeys, Flightrec.inputMessagesSha256,
  Flightrec.outputMessagesSha256, Flightrec.resultSha256, Flightrec.streamAborted, Flightrec.streamChunks, Flightrec.decisionToolCalls,
  'openinference.span.kind',
];

const MAX_DEPTH = 64;

function firstSecretGroup(groups: Record<string, string | undefined>): string | undefined {
  for (const k in groups) if (k.startsWith('secret') && groups[k]) return groups[k];
  return undefined;
}

export function createRedactor(config: RedactionConfig = {}): Redactor {
  const base = config.replacement ?? '[REDACTED]';
  const tagged = (rule: string): string => (base.endsWith(']') ? `${base.slice(0, -1)}:${rule}]` : `${base}:${rule}`);
  const key = config.pseudonymKey;
  /** The replacement for one match: the rule's tag, with a keyed pseudonym for personal data when a key is set. */
  const replacementFor = (rule: string, match: string): string => {
    const normal = key ? PSEUDONYMOUS_RULES[rule] : undefined;
    return normal ? tagged(`${rule}:${createHmac('sha256', key!).update(normal(match)).digest('hex').slice(0, 12)}`) : tagged(rule);
  };
  const disabled = new Set(config.disableRules ?? []);
  const rules = [...DEFAULT_VALUE_RULES, ...(config.rules ?? [])].filter((r) => !disabled.has(r.name));
  const denyExact = new Set<string>();
  const denyRe: RegExp[] = [];
  for (const k of config.denyKeys ?? []) {
    if (typeof k === 'string') denyExact.add(k.toLowerCase());
    else denyRe.push(k);
  }
  const allow = new Set([...DEFAULT_ALLOW_KEYS, ...(config.allowKeys ?? [])]);

  const decideSecretKey = (key: string): boolean => {
    const lower = key.toLowerCase();
    if (denyExact.has(lower)) return true;
    for (const re of denyRe) if (re.test(key)) return true;
    const dot = key.lastIndexOf('.');
    return SECRET_KEY_SEGMENT.test(dot >= 0 ? key.slice(dot + 1) : key);
  };
  // Attribute keys repeat on every span: decide each once (bounded, in case keys are generated).
  const keyCache = new Map<string, boolean>();
  const isSecretKey = (key: string): boolean => {
    let v = keyCache.get(key);
    if (v === undefined) {
      v = decideSecretKey(key);
      if (keyCache.size >= 10_000) keyCache.clear();
      keyCache.set(key, v);
    }
    return v;
  };

  // One pass over the text finds every literal trigger; regex triggers are tested one by one.
  const literalOwners = new Map<string, ValueRule[]>();
  for (const r of rules) {
    if (r.trigger instanceof RegExp) continue;
    for (const t of r.trigger) literalOwners.set(t, [...(literalOwners.get(t) ?? []), r]);
  }
  const literalScan = literalOwners.size > 0
    ? new RegExp([...literalOwners.keys()].sort((a, b) => b.length - a.length).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g')
    : undefined;

  const triggeredRules = (text: string): ValueRule[] => {
    const hit = new Set<ValueRule>();
    if (literalScan) {
      literalScan.lastIndex = 0;
      for (let m = literalScan.exec(text); m; m = literalScan.exec(text)) {
        for (const r of literalOwners.get(m[0])!) hit.add(r);
        // Overlapping triggers ("sk-" inside "sk-ant-"): look again from the next character.
        literalScan.lastIndex = m.index + 1;
      }
    }
    const out: ValueRule[] = [];
    for (const r of rules) if (r.trigger instanceof RegExp ? r.trigger.test(text) : hit.has(r)) out.push(r);
    return out;
  };

  const marker = base.endsWith(']') ? base.slice(0, -1) : base;

  const applyRule = (rule: ValueRule, text: string, hits: string[]): string => {
    const re = rule.pattern;
    re.lastIndex = 0;
    let out = '';
    let last = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      let start = m.index;
      const end = start + m[0].length;
      if (rule.extendLeft) while (start > last && rule.extendLeft.test(text[start - 1]!)) start--;
      const match = text.slice(start, end);
      if (rule.accept && !rule.accept(match)) continue;
      const secret = m.groups ? firstSecretGroup(m.groups) : undefined;
      // Already redacted by an earlier, more specific rule (or by key): leave the tag as it is.
      if ((secret ?? match).startsWith(marker)) continue;
      hits.push(rule.name);
      if (secret) {
        const at = start + match.lastIndexOf(secret);
        out += text.slice(last, at) + replacementFor(rule.name, secret);
        last = at + secret.length;
      } else {
        out += text.slice(last, start) + replacementFor(rule.name, match);
        last = end;
      }
    }
    return last === 0 ? text : out + text.slice(last);
  };

  const redactText = (text: string): RedactionResult => {
    const candidates = triggeredRules(text);
    if (candidates.length === 0) return { value: text, rules: [] };
    let out = text;
    const hits: string[] = [];
    for (const rule of candidates) out = applyRule(rule, out, hits);
    return { value: out, rules: hits.length ? [...new Set(hits)] : [] };
  };

  const redactDeep = (value: unknown, scan: boolean, depth: number): unknown => {
    if (depth > MAX_DEPTH) throw new Error('redaction: value nested too deeply');
    if (typeof value === 'string') return scan ? redactText(value).value : value;
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => redactDeep(v, scan, depth + 1));
    const src = (typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON(): unknown }).toJSON() : value);
    if (src === null || typeof src !== 'object') return redactDeep(src, scan, depth + 1);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(src)) out[k] = isSecretKey(k) && v !== null && v !== undefined && v !== '' ? base : redactDeep(v, scan, depth + 1);
    return out;
  };

  return {
    replacement: base,
    redactText,
    isSecretKey,
    isAllowedKey: (key) => allow.has(key) && !isSecretKey(key),
    redactDeep: (value, scanValues = true) => redactDeep(value, scanValues, 0),
  };
}

let shared: Redactor | undefined;

/** The redactor with default rules, built once. */
export function defaultRedactor(): Redactor {
  return (shared ??= createRedactor());
}
