/**
 * The small rules every human output shares: the one time format, reversibility in three states,
 * approver pseudonyms, "did you mean", and the connection options a suggested command repeats.
 */
import { describe, expect, it } from 'vitest';
import { closestNames } from '../catalogue/closest-names.ts';
import { loadSavedQueries } from '../catalogue/saved-queries.ts';
import { connectionArgs } from '../cli/connect.ts';
import { formatRows } from '../cli/format-rows.ts';
import { approverText, reversibilityOf, reversibilityText } from '../review/describe-span.ts';
import { humanTime, humanTimeCell, instantMs } from '../review/time-format.ts';

describe('time format', () => {
  it('is UTC with the zone written, to the millisecond, whatever the store wrote', () => {
    const ms = Date.UTC(2026, 11, 7, 1, 1, 29, 955);
    expect(humanTime(ms)).toBe('2026-12-07 01:01:29.955 UTC');
    expect(instantMs('2026-12-07T01:01:29.955123456Z')).toBe(ms);
    expect(instantMs('2026-12-07 01:01:29.955')).toBe(ms);
    expect(instantMs('2026-12-07T01:01:29Z')).toBe(ms - 955);
    expect(Number.isNaN(instantMs('yesterday'))).toBe(true);
    expect(humanTimeCell('2026-12-07T01:01:29.955123456Z')).toBe('2026-12-07 01:01:29.955 UTC');
    expect(humanTimeCell('2026-12-07')).toBe('2026-12-07');
    expect(humanTimeCell('call 2026-12-07T01:01:29Z')).toBe('call 2026-12-07T01:01:29Z');
  });
});

describe('reversibility and approvers', () => {
  it('reversibility has three states, and "not recorded" never reads as reversible', () => {
    expect(['true', 'yes', 'false', 'no', '', 'maybe', undefined].map((v) => reversibilityText(reversibilityOf(v))))
      .toEqual(['reversible', 'reversible', 'irreversible', 'irreversible', 'reversibility unknown', 'reversibility unknown', 'reversibility unknown']);
  });

  it('a keyed pseudonym is shown as such; a plain redaction says approvers cannot be told apart', () => {
    expect(approverText('[REDACTED:email:3f9a0c1d2b7e]')).toBe('email pseudonym 3f9a0c1d2b7e');
    expect(approverText('[REDACTED:email]')).toBe('a redacted email (no pseudonym: the agent had no redaction key)');
    expect(approverText('ops-lead')).toBe('ops-lead');
    expect(approverText('')).toBe('approver not recorded');
  });
});

describe('did you mean', () => {
  const names = loadSavedQueries().map((q) => q.name);
  it('finds near names, nearest first, and nothing for unrelated text', () => {
    expect(closestNames('session_timelin', names)[0]).toBe('session_timeline');
    expect(closestNames('detect_toxicflow', names)[0]).toBe('detect_toxic_flow');
    expect(closestNames('toxic', names)).toContain('detect_toxic_flow');
    expect(closestNames('qqqqqqqq', names)).toEqual([]);
  });

  it('the bundled catalogue is read once', () => {
    expect(loadSavedQueries()).toBe(loadSavedQueries());
  });
});

describe('connection options in suggested commands', () => {
  it('repeats --url, --user, --database and --data-dir, never a password', () => {
    expect(connectionArgs({})).toBe('');
    expect(connectionArgs({ url: 'http://127.0.0.1:9000', user: 'reader', password: 's3cret', database: 'otel' })).toBe('--url http://127.0.0.1:9000 --user reader --password … --database otel');
    expect(connectionArgs({ 'data-dir': '/tmp/my store' })).toBe("--data-dir '/tmp/my store'");
  });
});

describe('query tables', () => {
  it('show times in UTC, never cut a hash, cut long text with …', () => {
    const sha = 'ab'.repeat(32);
    const out = formatRows([{ Timestamp: '2026-12-07T01:01:29.955123456Z', ContentSha256: sha, Text: 'x'.repeat(80) }], 'table');
    expect(out).toContain('2026-12-07 01:01:29.955 UTC');
    expect(out).toContain(sha);
    expect(out).toContain(`${'x'.repeat(59)}…`);
  });
});
