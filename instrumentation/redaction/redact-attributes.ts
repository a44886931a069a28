/**
 * Redact one span's attribute map: secret keys lose their value, other string values are scanned,
 * keys whose redaction fails are dropped (fail closed). The keys touched are listed in
 * flightrec.redacted_keys / flightrec.dropped_keys so an auditor can tell "removed" from "absent".
 */
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { Flightrec } from '../semconv.ts';
import type { Redactor } from './redactor.ts';

export interface RedactedAttributes {
  readonly attributes: Attributes;
  readonly redactedKeys: readonly string[];
  readonly droppedKeys: readonly string[];
}

function redactValue(redactor: Redactor, value: AttributeValue): { value: AttributeValue; changed: boolean } {
  if (typeof value === 'string') {
    const r = redactor.redactText(value);
    return { value: r.value, changed: r.rules.length > 0 };
  }
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      if (typeof v !== 'string') return v;
      const r = redactor.redactText(v);
      if (r.rules.length > 0) changed = true;
      return r.value;
    });
    return { value: out as AttributeValue, changed };
  }
  return { value, changed: false };
}

export function redactAttributes(redactor: Redactor, attrs: Attributes, onError?: (key: string, err: unknown) => void): RedactedAttributes {
  let out: Attributes | undefined;
  const redacted: string[] = [];
  const dropped: string[] = [];
  const copy = (): Attributes => (out ??= { ...attrs });
  const marker = redactor.replacement.endsWith(']') ? redactor.replacement.slice(0, -1) : redactor.replacement;
  for (const key of Object.keys(attrs)) {
    const value = attrs[key];
    if (value === undefined || value === null) continue;
    try {
      if (redactor.isAllowedKey(key)) continue;
      if (redactor.isSecretKey(key)) {
        copy()[key] = redactor.replacement;
        redacted.push(key);
        continue;
      }
      const r = redactValue(redactor, value);
      if (r.changed) {
        copy()[key] = r.value;
        redacted.push(key);
      } else if (typeof value === 'string' && value.includes(marker)) {
        // Redacted earlier, at capture time (redacted capture mode): list it all the same.
        redacted.push(key);
      }
    } catch (err) {
      delete copy()[key];
      dropped.push(key);
      onError?.(key, err);
    }
  }
  if (redacted.length > 0 || dropped.length > 0) {
    const o = copy();
    // Merge with lists already set at capture time (redacted capture mode).
    if (redacted.length > 0) o[Flightrec.redactedKeys] = mergeList(attrs[Flightrec.redactedKeys], redacted);
    if (dropped.length > 0) o[Flightrec.droppedKeys] = mergeList(attrs[Flightrec.droppedKeys], dropped);
  }
  return { attributes: out ?? attrs, redactedKeys: redacted, droppedKeys: dropped };
}

function mergeList(existing: AttributeValue | undefined, add: readonly string[]): string {
  const set = new Set(typeof existing === 'string' && existing ? existing.split(',') : []);
  for (const k of add) set.add(k);
  return [...set].join(',');
}
