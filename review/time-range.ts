/**
 * `--since 24h` → the `{from:DateTime64(3)}` / `{to:DateTime64(3)}` parameters of time-windowed
 * saved queries. Values are Unix seconds with milliseconds, which ClickHouse reads the same way
 * whatever the server's time zone.
 */
import { QueryParamError, type SavedQuery } from '../catalogue/saved-queries.ts';

export interface TimeRange {
  readonly from: Date;
  readonly to: Date;
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A duration such as `90s`, `15m`, `24h`, `7d`, `2w`, in milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim());
  if (!m) throw new QueryParamError(`--since takes a duration like 15m, 24h or 7d, got ${JSON.stringify(text)}`);
  const ms = Number(m[1]) * UNITS[m[2]!]!;
  if (!(ms > 0)) throw new QueryParamError(`--since must be longer than zero, got ${JSON.stringify(text)}`);
  return ms;
}

export function rangeSince(since: string, now: Date = new Date()): TimeRange {
  return { from: new Date(now.getTime() - parseDuration(since)), to: now };
}

/** A Date as a DateTime64(3) query parameter value. */
export function dateTimeParam(d: Date): string {
  return (d.getTime() / 1000).toFixed(3);
}

export function isTimeWindowed(q: SavedQuery): boolean {
  return q.params.some((p) => p.name === 'from') && q.params.some((p) => p.name === 'to');
}

/** Fill `from`/`to` from the range unless the caller gave them explicitly. */
export function withTimeRange(q: SavedQuery, given: Readonly<Record<string, string>>, range: TimeRange): Record<string, string> {
  if (!isTimeWindowed(q) || given.from !== undefined || given.to !== undefined) return { ...given };
  return { ...given, from: dateTimeParam(range.from), to: dateTimeParam(range.to) };
}
