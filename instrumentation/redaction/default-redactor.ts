/**
 * flightrec's redactor: secret keys by name; secrets and personal data by value, with one rule
 * source shared with the collector config (rules/rules.generated.ts: gitleaks' default rule set,
 * pinned, plus flightrec's personal-data, connection-string and key-block rules with their
 * checksums); an allow list of keys that never carry content (hashes, ids, enumerations).
 *
 * The rules are data, not a library call: @secretlint/core is an async, file-oriented linter (a
 * Promise and a rule-context set-up per string; measured in bench/instrumentation-redaction-choice.ts)
 * and gitleaks is a Go program. The engine that runs them (rule-engine.ts) bounds the time per
 * value and fails closed.
 */
import { createHmac } from 'node:crypto';
import { Flightrec, GenAI } from '../semconv.ts';
import type { RedactionResult, Redactor } from './redactor.ts';
import { compileRules, RedactionTimeout, type RuleEngine } from './rule-engine.ts';
import { RULES } from './rules/rules.generated.ts';
import { applyValueRule, type ValueRule } from './value-rules.ts';

export { RedactionTimeout };
export interface RedactionConfig {
  /** More keys (exact, case-insensitive, or regex) whose values are always replaced. */
  readonly denyKeys?: readonly (string | RegExp)[];
  /** More keys never scanned (exact). Deny wins over allow. */
  readonly allowKeys?: readonly string[];
  /** More value rules, run after the defaults. */
  readonly rules?: readonly ValueRule[];
  /** Default rules to turn off by id, e.g. ['phone'] where phone numbers are not personal. */
  readonly disableRules?: readonly string[];
  /**
   * Time budget per value, in milliseconds (default 250): a value not scanned in time is not
   * exported at all — the attribute is dropped and listed in flightrec.dropped_keys, a status
   * message is replaced whole (fail closed).
   */
  readonly timeBudgetMs?: number;
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

/** Engines for the default rules, by the set of rules turned off (most programs have one). */
const engines = new Map<string, RuleEngine>();
function engineFor(disabled: ReadonlySet<string>): RuleEngine {
  const key = [...disabled].sort().join(',');
  let e = engines.get(key);
  if (!e) engines.set(key, (e = compileRules(RULES.filter((r) => !disabled.has(r.id)))));
  return e;
}

export function createRedactor(config: RedactionConfig = {}): Redactor {
  const base = config.replacement ?? '[REDACTED]';
  const tagged = (rule: string): string => (base.endsWith(']') ? `${base.slice(0, -1)}:${rule}]` : `${base}:${rule}`);
  const key = config.pseudonymKey;
  /** The replacement for one match: the rule's tag, with a keyed pseudonym for personal data when a key is set. */
  // The plain tag of each rule, built once.
  const tags = new Map<string, string>();
  const replacementFor = (rule: string, match: string): string => {
    const normal = key ? PSEUDONYMOUS_RULES[rule] : undefined;
    if (normal) return tagged(`${rule}:${createHmac('sha256', key!).update(normal(match)).digest('hex').slice(0, 12)}`);
    let tag = tags.get(rule);
    if (tag === undefined) tags.set(rule, (tag = tagged(rule)));
    return tag;
  };
  const disabled = new Set(config.disableRules ?? []);
  const engine = engineFor(disabled);
  const custom = (config.rules ?? []).filter((r) => !disabled.has(r.name));
  const budgetMs = config.timeBudgetMs ?? 250;
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

  const marker = base.endsWith(']') ? base.slice(0, -1) : base;

  const redactText = (text: string): RedactionResult => {
    const deadline = performance.now() + budgetMs;
    const found = engine.find(text, deadline, budgetMs);
    let out = text;
    const hits: string[] = [];
    if (found.length > 0) {
      let s = '';
      let last = 0;
      for (const f of found) {
        // Already redacted (at capture time, or by key): leave the tag as it is.
        if (f.end - f.start >= marker.length && text.startsWith(marker, f.start)) continue;
        s += text.slice(last, f.start) + replacementFor(f.rule, key ? text.slice(f.start, f.end) : '');
        last = f.end;
        hits.push(f.rule);
      }
      out = last === 0 ? text : s + text.slice(last);
    }
    for (const rule of custom) {
      out = applyValueRule(rule, out, marker, replacementFor, hits);
      if (performance.now() > deadline) throw new RedactionTimeout(budgetMs);
    }
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
