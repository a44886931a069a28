/**
 * The signed manifest of an export (in the manner of CloudTrail's digest files and CT's signed
 * tree heads): what was selected, every file with its record count and SHA-256, the ordered leaf
 * hashes of each file (in a `.leaves` file whose SHA-256 is listed here), the Merkle root over
 * all records, and the previous export's root when exports are chained.
 *
 * `manifest.json` holds the canonical JSON bytes that `manifest.sig` (Ed25519, base64) signs.
 */
import type { CanonicalValue } from './canonical-json.ts';
import { isPlainName } from './export-files.ts';
import type { ContentMode } from './audit-record.ts';
import type { RecordFormat } from './record-format.ts';

export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig';
export const MANIFEST_FORMAT = 'flightrec-audit-export';
export const MANIFEST_VERSION = 1;

export interface ManifestFile {
  name: string;
  /** Index of this file's first record in the whole export's Merkle tree. */
  first_index: number;
  records: number;
  bytes: number;
  sha256: string;
  /** Binary file of `records` × 32-byte leaf hashes, in record order. */
  leaves: { name: string; sha256: string };
}

export interface PreviousExport {
  /** SHA-256 of the previous export's manifest.json bytes. */
  manifest_sha256: string;
  root: string;
  tree_size: number;
  created_at: string;
  time_to: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  tool: { name: 'flightrec'; version: string };
  created_at: string;
  signer: { algorithm: 'ed25519'; public_key_fingerprint: string };
  query: {
    sql: string;
    params: Record<string, string | string[] | number>;
    filters: Record<string, string | string[]>;
    pagination: string;
  };
  time_range: { from: string | null; to: string };
  records: {
    format: RecordFormat;
    content: ContentMode;
    header: string | null;
    count: number;
    line_terminator: '\n';
    /** With content `hashes`: how content values were hashed, and which key (content-key.ts contentKeyId). */
    content_hash?: { algorithm: 'hmac-sha256'; key_id: string } | null;
  };
  merkle: { algorithm: 'rfc9162-sha256'; leaf: string; tree_size: number; root: string };
  files: ManifestFile[];
  previous: PreviousExport | null;
}

export function manifestAsCanonical(m: Manifest): CanonicalValue {
  return m as unknown as CanonicalValue;
}

export class ManifestError extends Error {}

/** Structural check of a parsed manifest, so a garbled one is one clear message, not a crash later. */
export function parseManifest(bytes: Buffer): Manifest {
  let m: unknown;
  try {
    m = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ManifestError(`${MANIFEST_FILE} is not valid JSON (${(err as Error).message})`);
  }
  const bad = (what: string): never => {
    throw new ManifestError(`${MANIFEST_FILE} is not a flightrec audit manifest: ${what}`);
  };
  if (!m || typeof m !== 'object') bad('not an object');
  const o = m as Record<string, unknown>;
  if (o.format !== MANIFEST_FORMAT) bad(`format is ${JSON.stringify(o.format)}, expected ${MANIFEST_FORMAT}`);
  if (o.version !== MANIFEST_VERSION) bad(`version ${JSON.stringify(o.version)} is not supported (this tool reads ${MANIFEST_VERSION})`);
  const merkle = o.merkle as Record<string, unknown> | undefined;
  if (!merkle || typeof merkle.root !== 'string' || !Number.isSafeInteger(merkle.tree_size)) bad('merkle.root / merkle.tree_size missing');
  const records = o.records as Record<string, unknown> | undefined;
  if (!records || !['jsonl', 'csv', 'ocsf'].includes(String(records.format))) bad('records.format missing or unknown');
  if (!Array.isArray(o.files)) bad('files is not a list');
  for (const f of o.files as unknown[]) {
    const file = f as Record<string, unknown>;
    if (typeof file?.name !== 'string' || !isPlainName(file.name)) bad(`file name ${JSON.stringify(file?.name)} is not a plain file name`);
    if (!Number.isSafeInteger(file.records) || !Number.isSafeInteger(file.first_index) || typeof file.sha256 !== 'string') bad(`file ${file.name} lacks records/first_index/sha256`);
    const leaves = file.leaves as Record<string, unknown> | undefined;
    if (typeof leaves?.name !== 'string' || !isPlainName(leaves.name) || typeof leaves.sha256 !== 'string') bad(`file ${file.name} lacks its leaves file`);
  }
  const signer = o.signer as Record<string, unknown> | undefined;
  if (typeof signer?.public_key_fingerprint !== 'string') bad('signer.public_key_fingerprint missing');
  return m as Manifest;
}
