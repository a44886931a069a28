/**
 * Which content flightrec puts on spans. Default `none`, as the GenAI conventions ask.
 *
 * OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT accepts flightrec's modes
 * (none | hash | redacted | full), the conventions' true/false, and the latest-experimental values
 * (NO_CONTENT | SPAN_ONLY | EVENT_ONLY | SPAN_AND_EVENT). "true" and the SPAN_* values map to
 * `redacted`, not `full`: opting in to content should not also opt out of secret redaction;
 * ask for `full` by name.
 */
import { CaptureModes, type CaptureMode } from './semconv.ts';

export const CAPTURE_ENV = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT';

export function parseCaptureMode(raw: string | undefined): CaptureMode | undefined {
  if (raw === undefined) return undefined;
  const v = raw.trim().toLowerCase();
  if (v === '') return undefined;
  if ((CaptureModes as readonly string[]).includes(v)) return v as CaptureMode;
  if (v === 'false' || v === '0' || v === 'no_content' || v === 'event_only') return 'none';
  if (v === 'true' || v === '1' || v === 'span_only' || v === 'span_and_event') return 'redacted';
  throw new Error(`${CAPTURE_ENV}: unknown capture mode "${raw}" (expected none, hash, redacted, full, true or false)`);
}

export function captureModeFromEnv(env: NodeJS.ProcessEnv = process.env): CaptureMode | undefined {
  return parseCaptureMode(env[CAPTURE_ENV]);
}
