/**
 * Content on spans according to the capture mode: nothing (`none`), a SHA-256 (`hash`), the
 * content with secrets and PII replaced (`redacted`), or as it is (`full`). The hash is of the
 * original content, so a reviewer holding the stored original can prove it is what the agent used.
 */
import type { Attributes } from '@opentelemetry/api';
import { contentText, sha256Hex } from './canonical-hash.ts';
import type { CapturedContentKey } from './content-keys.ts';
import { defaultRedactor } from './redaction/default-redactor.ts';
import type { Redactor } from './redaction/redactor.ts';
import { Flightrec, type CaptureMode } from './semconv.ts';
import { settings } from './settings.ts';
import { contain } from './telemetry-errors.ts';

export interface ContentKeys {
  /**
   * Where the content itself goes in redacted/full mode, e.g. gen_ai.input.messages: only a key
   * of the content list (content-keys.ts), so the audit export and erasure know it holds content.
   */
  readonly content: CapturedContentKey;
  /** Where its hash goes in hash/redacted/full mode; omitted when the caller hashes separately. */
  readonly sha256?: string;
}

/** What captureContent returns when it captures nothing; shared and frozen, so callers can skip merging it. */
export const NO_CONTENT: Attributes = Object.freeze({});

const OBJECT_PROTO = Object.prototype;
const MAX_DEPTH = 64;

/**
 * False when serialising `value` as it is gives exactly the text of serialising
 * `redactor.redactDeep(value, false)` — plain objects and arrays with no key the redactor would
 * replace — so the deep copy can be skipped; true when a key would be replaced or the value is
 * not a plain shape (toJSON, class instances, `__proto__` keys, deep nesting), and the copy is made.
 */
function needsKeyRedaction(redactor: Redactor, value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth >= MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') return true;
  if (Array.isArray(value)) {
    for (const v of value) if (needsKeyRedaction(redactor, v, depth + 1)) return true;
    return false;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== OBJECT_PROTO && proto !== null) return true;
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (key === '__proto__') return true;
    if (redactor.isSecretKey(key) && v !== null && v !== undefined && v !== '') return true;
    if (needsKeyRedaction(redactor, v, depth + 1)) return true;
  }
  return false;
}

/** JSON of the value with secret keys replaced (value patterns are left to the caller). */
function keyRedactedJson(redactor: Redactor, value: unknown): string {
  return JSON.stringify(needsKeyRedaction(redactor, value, 0) ? redactor.redactDeep(value, false) : value);
}

export function captureContent(keys: ContentKeys, value: unknown, mode: CaptureMode = settings().captureMode): Attributes {
  if (mode === 'none' || value === undefined) return NO_CONTENT;
  const out: Attributes = { [Flightrec.contentCapture]: mode };
  // The canonical text is needed for the hash and for full capture; redacted capture serialises the redacted copy.
  const needText = keys.sha256 !== undefined || mode === 'full';
  const text = needText ? contain('capture.serialise', () => contentText(value), undefined) : undefined;
  if (needText && text === undefined) return NO_CONTENT; // unserialisable: nothing captured, the call goes on
  if (keys.sha256 && text !== undefined) out[keys.sha256] = sha256Hex(text);
  if (mode === 'hash') return out;
  if (mode === 'full') {
    out[keys.content] = text!;
    return out;
  }
  // redacted: secret keys replaced in the structure, then value patterns over the text — here, or
  // in the export stage when that runs anyway (it scans every attribute). Fail closed.
  const s = settings();
  const redactor = s.redactor ?? defaultRedactor();
  const scanHere = !s.exportRedaction;
  const redacted = contain('capture.redact', () => {
    const v = typeof value === 'string' ? value : keyRedactedJson(redactor, value);
    return scanHere ? redactor.redactText(v).value : v;
  }, undefined);
  if (redacted === undefined) out[Flightrec.droppedKeys] = keys.content;
  else out[keys.content] = redacted;
  return out;
}
