/**
 * Telemetry never breaks the agent: every piece of flightrec's own work (building attributes,
 * hashing, starting and ending spans, processors, exporters) runs through `contain`, which swallows
 * the error, counts it, and logs it once per place so a broken pipeline does not flood the log.
 */
import { diag } from '@opentelemetry/api';

const counts = new Map<string, number>();

/** How many telemetry errors were contained, per place (for tests, health checks and the bench). */
export function telemetryErrorCounts(): ReadonlyMap<string, number> {
  return counts;
}

export function telemetryErrorTotal(): number {
  let n = 0;
  for (const v of counts.values()) n += v;
  return n;
}

/** Forget the counts (tests). */
export function resetTelemetryErrors(): void {
  counts.clear();
}

export function noteTelemetryError(where: string, err: unknown): void {
  try {
    const n = (counts.get(where) ?? 0) + 1;
    counts.set(where, n);
    if (n === 1) {
      const message = err instanceof Error ? err.message : String(err);
      // diag, not console: the application decides where OTel's own diagnostics go.
      diag.warn(`flightrec: telemetry error in ${where} (further ones here are counted, not logged): ${message}`);
    }
  } catch {
    // Nothing left to do safely.
  }
}

/** Run telemetry work; on error, note it and return the fallback. */
export function contain<T>(where: string, work: () => T, fallback: T): T {
  try {
    return work();
  } catch (err) {
    noteTelemetryError(where, err);
    return fallback;
  }
}
