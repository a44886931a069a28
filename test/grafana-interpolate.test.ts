/**
 * The test-side reimplementation of Grafana's template step and the ClickHouse plugin's macros,
 * checked against the outputs the plugin documents and its Go code produces.
 */
import { describe, expect, it } from 'vitest';
import { encodeURIComponentStrict, expandMacros, interpolateVariables } from '../tools/grafana-interpolate.ts';

const ctx = { from: new Date(1415792726_000), to: new Date(1447328726_000), intervalMs: 30_000 };

describe('plugin macros (pkg/macros/macros.go)', () => {
  it('match the plugin documentation examples', () => {
    expect(expandMacros('WHERE $__timeFilter(time)', ctx)).toBe('WHERE time >= toDateTime(1415792726) AND time <= toDateTime(1447328726)');
    const oct = { from: new Date('2022-10-21T08:00:00Z'), to: new Date('2022-10-23T20:00:00Z'), intervalMs: 1000 };
    expect(expandMacros('$__dateFilter(date)', oct)).toBe("date >= toDate('2022-10-21') AND date <= toDate('2022-10-23')");
  });

  it('render each macro as the Go format strings do', () => {
    const c = { from: new Date(1700000000123), to: new Date(1700003600999), intervalMs: 1500 };
    expect(expandMacros('$__fromTime $__toTime', c)).toBe('toDateTime(1700000000) toDateTime(1700003600)');
    expect(expandMacros('$__fromTime_ms,$__toTime_ms', c)).toBe('fromUnixTimestamp64Milli(1700000000123),fromUnixTimestamp64Milli(1700003600999)');
    expect(expandMacros('$__timeFilter_ms(Timestamp)', c)).toBe('Timestamp >= fromUnixTimestamp64Milli(1700000000123) AND Timestamp <= fromUnixTimestamp64Milli(1700003600999)');
    expect(expandMacros('$__timeInterval(Timestamp)', c)).toBe('toStartOfInterval(toDateTime(Timestamp), INTERVAL 1 second)');
    expect(expandMacros('$__timeInterval(Timestamp)', { ...c, intervalMs: 200 })).toBe('toStartOfInterval(toDateTime(Timestamp), INTERVAL 1 second)');
    expect(expandMacros('$__timeInterval_ms(Timestamp)', c)).toBe('toStartOfInterval(toDateTime64(Timestamp, 3), INTERVAL 1500 millisecond)');
    expect(expandMacros('$__interval_s', { ...c, intervalMs: 59_999 })).toBe('59');
    expect(expandMacros("$__timeGroup(Timestamp, '5m')", c)).toBe('toStartOfInterval(toDateTime(Timestamp), INTERVAL 300 second)');
    expect(expandMacros('$__timeFrom(t) AND $__timeTo(t)', c)).toBe('t >= toDateTime(1700000000) AND t <= toDateTime(1700003600)');
    expect(expandMacros('$__dt(d, t)', c)).toBe("(d >= toDate('2023-11-14') AND d <= toDate('2023-11-14')) AND (t >= toDateTime(1700000000) AND t <= toDateTime(1700003600))");
  });

  it('leave string literals, comments and unknown macros alone, and check argument counts', () => {
    expect(expandMacros("SELECT '$__fromTime' -- $__toTime\n, $__nope", ctx)).toBe("SELECT '$__fromTime' -- $__toTime\n, $__nope");
    expect(expandMacros('/* $__fromTime */ $__fromTime', ctx)).toBe('/* $__fromTime */ toDateTime(1415792726)');
    expect(() => expandMacros('$__timeFilter(a, b)', ctx)).toThrow('$__timeFilter expected 1 argument(s), received 2');
    expect(expandMacros('$__timeFilter(toDateTime(max(x, y)))', ctx)).toBe('toDateTime(max(x, y)) >= toDateTime(1415792726) AND toDateTime(max(x, y)) <= toDateTime(1447328726)');
  });
});

describe('Grafana template variables with the plugin formatter', () => {
  it('formats single values raw and multi values quoted, as CHDatasource.format does', () => {
    expect(interpolateVariables('a = $v AND b IN ($m)', { v: { value: 'x' }, m: { value: ['p', 'q'] } })).toBe("a = x AND b IN ('p','q')");
  });

  it('percentencode leaves nothing that could end a string literal', () => {
    const nasty = "a b'c\\d\"e";
    const out = interpolateVariables("'${v:percentencode}'", { v: { value: nasty } });
    expect(out).toBe(`'${encodeURIComponentStrict(nasty)}'`);
    expect(out.slice(1, -1)).toMatch(/^[A-Za-z0-9%._~-]*$/);
    expect(decodeURIComponent(out.slice(1, -1))).toBe(nasty);
  });

  it('"All" with a custom all value: percent-encoded for percentencode, raw otherwise; without one, every option', () => {
    expect(interpolateVariables("'${v:percentencode}' ${v}", { v: { value: '$__all', allValue: '*' } })).toBe("'%2A' *");
    expect(interpolateVariables('${v:singlequote}', { v: { value: '$__all', options: ['a', "b'"] } })).toBe("'a','b\\''");
  });

  it('leaves unknown variables and Grafana macros for later steps', () => {
    expect(interpolateVariables('$__fromTime_ms ${nope} $x', { x: { value: '1' } })).toBe('$__fromTime_ms ${nope} 1');
  });
});
