/**
 * One `otel_traces` row as the generic writers take it, its type read from the column table
 * (storage/trace-columns.ts): each column's kind fixes its value here.
 */
import type { TRACE_COLUMNS } from '../storage/trace-columns.ts';
import type { AttributeMap } from './any-value.ts';

/** The value of each kind of column in a row. */
export interface KindValues {
  /** `seconds.nanoseconds` (nanosToDateTime64). */
  time: string;
  ascii: string;
  text: string;
  /** Decimal. */
  uint64: string;
  map: AttributeMap;
  times: readonly string[];
  asciis: readonly string[];
  texts: readonly string[];
  maps: readonly AttributeMap[];
}

/** One row of `otel_traces`, keyed by column name. */
export type OtelTraceRow = { [C in (typeof TRACE_COLUMNS)[number] as C['name']]: KindValues[C['kind']] };

/** Nanoseconds since the epoch → the `seconds.nanoseconds` text ClickHouse parses into DateTime64(9). */
export function nanosToDateTime64(ns: bigint): string {
  const s = ns.toString().padStart(10, '0');
  return `${s.slice(0, -9)}.${s.slice(-9)}`;
}

/** `seconds.nanoseconds` (nanosToDateTime64's form) → nanoseconds since the epoch. */
export function dateTime64Nanos(t: string): bigint {
  const dot = t.indexOf('.');
  return dot < 0 ? BigInt(t) * 1_000_000_000n : BigInt(t.slice(0, dot) + t.slice(dot + 1).padEnd(9, '0').slice(0, 9));
}
