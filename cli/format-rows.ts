/**
 * Rows → terminal table, JSON or CSV. Cell values come from spans: the table and CSV show control,
 * bidi and invisible characters visibly; JSON keeps exact values, with those characters escaped.
 */
import { humanTimeCell } from '../review/time-format.ts';
import { safeJson, visible } from '../review/visible-text.ts';

export type OutputFormat = 'table' | 'json' | 'csv';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'csv'];

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function csvCell(v: unknown): string {
  const s = visible(cell(v));
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatRows(rows: readonly Record<string, unknown>[], format: OutputFormat, maxWidth = 60): string {
  if (format === 'json') return safeJson(JSON.stringify(rows, null, 2)) + '\n';
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  if (format === 'csv') {
    return [columns.map(csvCell).join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
  }
  if (rows.length === 0) return '(no rows)\n';
  const clip = (s: string): string => {
    const one = visible(s);
    // Hashes and ids are looked up or compared whole: cut, they are useless.
    if (/^[0-9a-f]{16,128}$/i.test(one)) return one;
    return one.length > maxWidth ? one.slice(0, maxWidth - 1) + '…' : one;
  };
  const table = rows.map((r) => columns.map((c) => clip(humanTimeCell(cell(r[c])))));
  const widths = columns.map((c, i) => Math.max(c.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((s, i) => s.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...table.map(line)].join('\n') + `\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
}
