/**
 * Redaction of secrets and PII, by key and by value pattern, used both at capture time (`redacted`
 * capture mode) and in the export stage (RedactingSpanExporter) for every attribute and event.
 */
export interface RedactionResult {
  readonly value: string;
  /** Names of the rules that matched (empty when nothing was replaced). */
  readonly rules: readonly string[];
}

export interface Redactor {
  /** Replace secrets/PII found by value pattern in a string. */
  redactText(text: string): RedactionResult;
  /** True when an attribute/object key names a secret (its whole value is replaced). */
  isSecretKey(key: string): boolean;
  /** True when a key is on the allow list (never scanned: hashes, ids, enumerations). */
  isAllowedKey(key: string): boolean;
  /**
   * Deep copy of a JSON-like value with secret keys replaced and (unless `scanValues` is false,
   * when a later stage scans the serialised text anyway) string values scanned.
   */
  redactDeep(value: unknown, scanValues?: boolean): unknown;
  readonly replacement: string;
}
