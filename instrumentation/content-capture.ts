/**
 * Content on spans according to the capture mode: nothing (`none`), a SHA-256 (`hash`), the
 * content with secrets and PII replaced (`redacted`), or as it is (`full`). The hash is of the
 * original content, so a reviewer holding the stored original can prove it is what the agent used.
 */
import type { Attributes } from '@opentelemetry/api';
import { contentText, sha256Hex } from './canonical-hash.ts';
import { defaultRedactor } from './redaction/default-redactor.ts';
import { Flightrec, type CaptureMode } from './semconv.ts';
import { settings } from './settings.ts';
import { contain } from './telemetry-errors.ts';

export interface ContentKeys {
  /** Where the content itself goes in redacted/full mode, e.g. gen_ai.input.messages. */
  readonly content: string;
  /** Where its hash goes in hash/redacted/full mode; omitted when the caller hashes separately. */
  readonly sha256?: string;
}

/** Text for a content attribute: strings as they are, everything else as JSON. */
function asText(value: unknown): string {
  return contentText(value);
}

export function captureContent(keys: ContentKeys, value: unknown, mode: CaptureMode = settings().captureMode): Attributes {
  if (mode === 'none' || value === undefined) return {};
  const out: Attributes = {};
  const text = contain('capture.serialise', () => asText(value), undefined);
  if (text === undefined) return out; // unserialisable: nothing captured, the call goes on
  if (keys.sha256) out[keys.sha256] = sha256Hex(text);
  out[Flightrec.contentCapture] = mode;
  if (mode === 'hash') return out;
  if (mode === 'full') {
    out[keys.content] = text;
    return out;
  }
  // redacted: structural redaction of the value, then value patterns on its text. Fail closed.
  const redactor = settings().redactor ?? defaultRedactor();
  const redacted = contain('capture.redact', () => {
    const v = typeof value === 'string' ? value : redactor.redactDeep(value);
    return redactor.redactText(typeof v === 'string' ? v : JSON.stringify(v)).value;
  }, undefined);
  if (redacted === undefined) out[Flightrec.droppedKeys] = keys.content;
  else out[keys.content] = redacted;
  return out;
}
