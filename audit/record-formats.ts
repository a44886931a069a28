/**
 * The three record encodings of an export. Each record is one entry of the Merkle tree; its bytes
 * are the record as written in the chunk file, without the line terminator. JSON Lines and OCSF
 * records are canonical JSON (RFC 8785), so any tool that re-serialises a parsed record the same
 * way gets the same bytes.
 */
import { RECORD_FIELDS, type AuditRecord } from './audit-record.ts';
import { canonicalJson, type CanonicalValue } from './canonical-json.ts';
import { toOcsfApiActivity } from './ocsf.ts';
import type { RecordFormat } from './record-format.ts';

export interface RecordEncoder {
  /** First line of every chunk file (CSV header), or null. Covered by the file hash, not by a leaf. */
  readonly header: string | null;
  encode(record: AuditRecord): string;
}

function csvCell(v: unknown): string {
  const s = typeof v === 'string' ? v : typeof v === 'object' ? canonicalJson(v as CanonicalValue) : String(v);
  // RFC 4180: quote fields holding a quote, comma or line break; double the quotes inside.
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const SORTED_FIELDS = [...RECORD_FIELDS].sort();

/**
 * canonicalJson() specialised to an AuditRecord: the top-level member order is fixed, so only the
 * attribute keys need sorting per record. Same bytes as canonicalJson(record) (a test checks).
 */
function encodeJsonlRecord(r: AuditRecord): string {
  let out = '{';
  for (let i = 0; i < SORTED_FIELDS.length; i++) {
    const f = SORTED_FIELDS[i]!;
    const v = r[f];
    out += (i === 0 ? '"' : ',"') + f + '":';
    if (typeof v === 'string') out += JSON.stringify(v);
    else if (typeof v === 'number' || typeof v === 'boolean') out += String(v);
    else if (f === 'attributes') {
      const attrs = v as Record<string, string>;
      const keys = Object.keys(attrs).sort();
      out += '{';
      for (let k = 0; k < keys.length; k++) out += (k === 0 ? '' : ',') + JSON.stringify(keys[k]) + ':' + JSON.stringify(attrs[keys[k]!]);
      out += '}';
    } else out += canonicalJson(v as unknown as CanonicalValue);
  }
  return out + '}';
}

export function encoderFor(format: RecordFormat, toolVersion: string): RecordEncoder {
  switch (format) {
    case 'jsonl':
      return { header: null, encode: encodeJsonlRecord };
    case 'csv':
      return { header: RECORD_FIELDS.join(','), encode: (r) => RECORD_FIELDS.map((f) => csvCell(r[f])).join(',') };
    case 'ocsf':
      return { header: null, encode: (r) => canonicalJson(toOcsfApiActivity(r, toolVersion)) };
  }
}
