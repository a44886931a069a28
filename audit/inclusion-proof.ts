/**
 * Inclusion proofs (RFC 9162 §2.1.3): one record, its audit path to the export's Merkle root, and
 * the signed manifest that commits to that root — enough to convince someone holding only the
 * proof file and the exporter's public key that the record is part of the export, unchanged.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { verifyBytes, fingerprint } from './keys.ts';
import { MANIFEST_FILE, SIGNATURE_FILE, parseManifest } from './manifest.ts';
import { HASH_BYTES, inclusionPath, leafHashOfBytes, leafAt, rootFromInclusionPath } from './merkle.ts';
import { RecordSplitter } from './record-splitter.ts';

export const PROOF_FORMAT = 'flightrec-inclusion-proof';

export interface InclusionProof {
  format: typeof PROOF_FORMAT;
  version: 1;
  file: string;
  /** 1-based record number in the file. */
  record_number: number;
  /** The record's bytes (UTF-8), without the line terminator. */
  record: string;
  leaf_index: number;
  tree_size: number;
  leaf_hash: string;
  audit_path: string[];
  root: string;
  /** The signed manifest: its exact bytes (base64) and its Ed25519 signature (base64). */
  manifest: { sha256: string; bytes_base64: string; signature_base64: string };
}

export class ProofError extends Error {}

/** Reads record `n` (1-based) of a chunk file by streaming through it. */
function readRecord(path: string, format: 'jsonl' | 'csv' | 'ocsf', n: number): Buffer | null {
  const splitter = new RecordSplitter(format);
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let seen = 0;
  try {
    for (;;) {
      const got = readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      for (const rec of splitter.push(Buffer.from(buf.subarray(0, got)))) if (++seen === n) return Buffer.from(rec);
    }
    for (const rec of splitter.end()) if (++seen === n) return Buffer.from(rec);
  } finally {
    closeSync(fd);
  }
  return null;
}

export function makeProof(dir: string, file: string, recordNumber: number): InclusionProof {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) throw new ProofError(`${dir} has no ${MANIFEST_FILE}`);
  const manifestBytes = readFileSync(manifestPath);
  const signature = existsSync(join(dir, SIGNATURE_FILE)) ? readFileSync(join(dir, SIGNATURE_FILE), 'utf8').trim() : '';
  if (!signature) throw new ProofError(`${dir} has no ${SIGNATURE_FILE}`);
  const manifest = parseManifest(manifestBytes);
  const entry = manifest.files.find((f) => f.name === file);
  if (!entry) throw new ProofError(`${file} is not a records file of this export (files: ${manifest.files.map((f) => f.name).join(', ') || 'none'})`);
  if (!Number.isSafeInteger(recordNumber) || recordNumber < 1 || recordNumber > entry.records) {
    throw new ProofError(`${file} holds records 1..${entry.records}; there is no record ${recordNumber}`);
  }
  const record = readRecord(join(dir, file), manifest.records.format, recordNumber);
  if (!record) throw new ProofError(`${file} has fewer than ${recordNumber} records: it was truncated after export`);

  // All leaves of the export, in order, from the signed leaves files (32 bytes a record).
  const leaves = Buffer.allocUnsafe(manifest.merkle.tree_size * HASH_BYTES);
  let filled = 0;
  for (const f of manifest.files) {
    const l = readFileSync(join(dir, f.leaves.name));
    if (l.length !== f.records * HASH_BYTES) throw new ProofError(`${f.leaves.name} does not hold ${f.records} leaves; run \`flightrec verify\``);
    l.copy(leaves, filled);
    filled += l.length;
  }
  if (filled !== leaves.length) throw new ProofError('the leaves files do not add up to the manifest tree size; run `flightrec verify`');
  const index = entry.first_index + recordNumber - 1;
  const leaf = leafHashOfBytes(record);
  if (!leaf.equals(leafAt(leaves, index))) throw new ProofError(`${file}:${recordNumber} is not the record that was signed (modified after export); run \`flightrec verify\``);
  const path = inclusionPath(leaves, index);
  const root = rootFromInclusionPath(index, manifest.merkle.tree_size, leaf, path);
  if (!root || root.toString('hex') !== manifest.merkle.root) throw new ProofError('the leaves files do not hash to the signed root; run `flightrec verify`');
  return {
    format: PROOF_FORMAT,
    version: 1,
    file,
    record_number: recordNumber,
    record: record.toString('utf8'),
    leaf_index: index,
    tree_size: manifest.merkle.tree_size,
    leaf_hash: leaf.toString('hex'),
    audit_path: path.map((p) => p.toString('hex')),
    root: manifest.merkle.root,
    manifest: { sha256: sha256Hex(manifestBytes), bytes_base64: manifestBytes.toString('base64'), signature_base64: signature },
  };
}

function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export interface ProofCheck {
  ok: boolean;
  problems: string[];
  file?: string;
  recordNumber?: number;
  root?: string;
}

/** Checks a proof alone: the manifest signature, that the manifest commits to the proof's root and size and places the record there, and the audit path. */
export function verifyProof(proofJson: string, publicKey: KeyObject): ProofCheck {
  const problems: string[] = [];
  let p: InclusionProof;
  try {
    p = JSON.parse(proofJson) as InclusionProof;
  } catch (err) {
    return { ok: false, problems: [`the proof is not valid JSON (${(err as Error).message})`] };
  }
  if (p?.format !== PROOF_FORMAT || typeof p.record !== 'string' || !Array.isArray(p.audit_path) || typeof p.manifest?.bytes_base64 !== 'string') {
    return { ok: false, problems: [`not a ${PROOF_FORMAT} file`] };
  }
  const manifestBytes = Buffer.from(p.manifest.bytes_base64, 'base64');
  const sig = Buffer.from(String(p.manifest.signature_base64 ?? ''), 'base64');
  if (!verifyBytes(publicKey, manifestBytes, sig)) problems.push(`the manifest signature does not verify with key ${fingerprint(publicKey)}`);
  let manifest;
  try {
    manifest = parseManifest(manifestBytes);
  } catch (err) {
    return { ok: false, problems: [...problems, (err as Error).message] };
  }
  if (manifest.merkle.root !== p.root) problems.push(`the proof's root ${p.root} is not the signed root ${manifest.merkle.root}`);
  if (manifest.merkle.tree_size !== p.tree_size) problems.push(`the proof's tree size ${p.tree_size} is not the signed size ${manifest.merkle.tree_size}`);
  const entry = manifest.files.find((f) => f.name === p.file);
  if (!entry) problems.push(`the signed manifest lists no file ${p.file}`);
  else if (entry.first_index + p.record_number - 1 !== p.leaf_index || p.record_number < 1 || p.record_number > entry.records) {
    problems.push(`${p.file}:${p.record_number} is not leaf ${p.leaf_index} of the signed export`);
  }
  const leaf = leafHashOfBytes(Buffer.from(p.record, 'utf8'));
  if (leaf.toString('hex') !== p.leaf_hash) problems.push('the record does not hash to the proof\'s leaf hash (record modified)');
  const path = p.audit_path.map((h) => Buffer.from(String(h), 'hex'));
  const root = path.every((b) => b.length === HASH_BYTES) ? rootFromInclusionPath(p.leaf_index, manifest.merkle.tree_size, leaf, path) : null;
  if (!root || root.toString('hex') !== manifest.merkle.root) problems.push('the audit path does not lead from the record to the signed root');
  return { ok: problems.length === 0, problems, file: p.file, recordNumber: p.record_number, root: manifest.merkle.root };
}
