/** The outer SETTINGS clause is read from the engine's canonical text strictly, or refused. */
import { describe, expect, it } from 'vitest';
import { AccessRefused } from '../access/access-refused.ts';
import { liftOuterSettings, parseClause } from '../access/outer-settings.ts';

describe('liftOuterSettings', () => {
  it('lifts the outer clause, last or before FORMAT, and leaves sub-query and UNION-member clauses', () => {
    expect(liftOuterSettings('SELECT 1\nSETTINGS max_threads = 1')).toEqual({ statement: 'SELECT 1', settings: [{ name: 'max_threads', value: { number: '1' } }] });
    expect(liftOuterSettings('SELECT 1\nSETTINGS max_threads = 1\nFORMAT JSON').statement).toBe('SELECT 1\nFORMAT JSON');
    expect(liftOuterSettings('SELECT 1\nFORMAT JSON\nSETTINGS max_threads = 1').statement).toBe('SELECT 1\nFORMAT JSON');
    const sub = 'SELECT *\nFROM\n(\n    SELECT 1\n    SETTINGS max_threads = 1\n)';
    expect(liftOuterSettings(sub)).toEqual({ statement: sub, settings: [] });
    const union = 'SELECT 1\nSETTINGS max_threads = 1\nUNION ALL\nSELECT 2';
    expect(liftOuterSettings(union)).toEqual({ statement: union, settings: [] });
  });
});

describe('parseClause', () => {
  it('reads numbers and maps of string literals, commas and escaped quotes inside strings included', () => {
    expect(parseClause(String.raw`max_threads = 1, additional_table_filters = {'t':'a = \'x, y\'', 'otel.u':'b = 1'}`)).toEqual([
      { name: 'max_threads', value: { number: '1' } },
      { name: 'additional_table_filters', value: { map: [[`'t'`, String.raw`'a = \'x, y\''`], [`'otel.u'`, `'b = 1'`]] } },
    ]);
    expect(parseClause('additional_table_filters = {}')).toEqual([{ name: 'additional_table_filters', value: { map: [] } }]);
  });

  it.each([
    "max_threads = '1'",
    'max_threads = 1.5',
    'max_threads = -1',
    'max_threads = 1,max_block_size = 2',
    "additional_table_filters = {'t':1}",
    "additional_table_filters = {'t':'x'",
    "additional_table_filters = {'t':'x'} extra",
    "additional_table_filters = {'t':'x' 'u':'y'}",
    "additional_table_filters = {'t':'x\\'}",
    'Max_Threads = 1',
    '',
  ])('refuses %j', (text) => {
    expect(() => parseClause(text)).toThrow(AccessRefused);
  });
});
