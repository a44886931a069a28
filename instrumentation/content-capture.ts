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

export function captureContent(keys: ContentKeys, value: unknown, mode: CaptureMode = settings().captureMode): Attributes {
  if (mode === 'none' || value === undefined) return {};
  const out: Attributes = { [Flightrec.contentCapture]: mode };
  // The canonical text is needed for the hash and for full capture; redacted capture serialises the redacted copy.
  const needText = keys.sha256 !== undefined || mode === 'full';
  const text = needText ? contain('capture.serialise', () => contentText(value), undefined) : undefined;
  if (needText && text === undefined) return {}; // unserialisable: nothing captured, the call goes on
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
    const v = typeof value === 'string' ? value : JSON.stringify(redactor.redactDeep(value, false));
    return scanHere ? redactor.redactText(v).value : v;
  }, undefined);
  if (redacted === undefined) out[Flightrec.droppedKeys] = keys.content;
  else out[keys.content] = redacted;
  return out;
}
