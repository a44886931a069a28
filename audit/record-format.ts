/**
 * The record formats of an export and their file extensions: a leaf module (no imports), read by
 * the encoders (record-formats.ts), the record splitter, the manifest and verify's hashing workers.
 */
export const RECORD_FORMATS = ['jsonl', 'csv', 'ocsf'] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

export const FILE_EXTENSIONS: Record<RecordFormat, string> = { jsonl: 'jsonl', csv: 'csv', ocsf: 'ocsf.jsonl' };
