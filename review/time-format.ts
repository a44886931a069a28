/**
 * The one time format of human output: UTC with the zone written, to the millisecond
 * (`2026-12-07 01:01:29.955 UTC`). Machine formats (JSON, CSV) keep what the store returns,
 * nanoseconds included. The review asks the store for ISO 8601 in UTC (`…T01:01:29.955123456Z`,
 * see runSavedQuery's `isoTimes`), so no server time zone has to be guessed.
 */

const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z)?$/;

/** An instant from the store (ISO 8601 with Z, or `YYYY-MM-DD hh:mm:ss[.fff…]` read as UTC) or ms; NaN if none. */
export function instantMs(value: unknown): number {
  if (typeof value === 'number') return value;
  const m = ISO.exec(String(value ?? ''));
  if (!m) return Number.NaN;
  return Date.parse(`${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`);
}

/** `2026-12-07 01:01:29.955 UTC`; an empty string for no time. */
export function humanTime(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, 23)} UTC`;
}

/** The time of day only (`01:01:29.955`), for rows under a heading that gives the date and zone. */
export function humanClock(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(11, 23) : '';
}

/** A table cell that is an ISO 8601 UTC instant from the store, shown in the human format; anything else unchanged. */
export function humanTimeCell(value: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value) ? humanTime(instantMs(value)) : value;
}
