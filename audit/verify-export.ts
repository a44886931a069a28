/**
 * `flightrec verify`: check an export directory offline against the exporter's public key.
 * Recomputes every file hash, every record's leaf and the Merkle root, checks the signature and,
 * when given, the chain to the previous export; names each file and record that was modified,
 * removed, added or moved, and any file that is missing or should not be there.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { ChunkHasherPool } from './chunk-hasher-pool.ts';
import { hashChunk, type ChunkHashes } from './hash-chunk.ts';
import { join } from 'node:path';
import { fingerprint, verifyBytes } from './keys.ts';
import { diffLeaves } from './leaf-diff.ts';
import { MANIFEST_FILE, ManifestError, SIGNATURE_FILE, parseManifest, type Manifest, type ManifestFile } from './manifest.ts';
import { HASH_BYTES, MerkleAccumulator, leafAt } from './merkle.ts';

export type ProblemKind =
  | 'manifest-missing'
  | 'manifest-invalid'
  | 'signature-missing'
  | 'signature-invalid'
  | 'wrong-key'
  | 'file-missing'
  | 'file-modified'
  | 'file-unexpected'
  | 'leaves-modified'
  | 'record-modified'
  | 'record-removed'
  | 'record-added'
  | 'record-moved'
  | 'root-mismatch'
  | 'chain';

export interface Problem {
  kind: ProblemKind;
  file?: string;
  /** 1-based record number in the file (the line number for JSON Lines). */
  record?: number;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  dir: string;
  records: number;
  files: number;
  root: string | null;
  signer: string | null;
  previousRoot: string | null;
  problems: Problem[];
  /** Problems beyond the per-file cap, counted but not listed. */
  unlisted: number;
}

export interface VerifyOptions {
  publicKey: KeyObject;
  /** Directory of the previous export in the chain. */
  previousDir?: string;
  /** Public key of the previous export, when it was signed with another key. */
  previousPublicKey?: KeyObject;
  /** Threads hashing files at once (default: one per core). */
  workers?: number;
  /** Most record-level problems to list per file. */
  maxPerFile?: number;
}

function hexLeaves(buf: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i < buf.length / HASH_BYTES; i++) out.push(leafAt(buf, i).toString('hex'));
  return out;
}

function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

export async function verifyExport(dir: string, opts: VerifyOptions): Promise<VerifyReport> {
  const problems: Problem[] = [];
  let unlisted = 0;
  const report = (p: Problem): void => {
    problems.push(p);
  };
  const result = (manifest: Manifest | null, records: number): VerifyReport => ({
    ok: problems.length === 0 && unlisted === 0,
    dir,
    records,
    files: manifest?.files.length ?? 0,
    root: manifest?.merkle.root ?? null,
    signer: manifest?.signer.public_key_fingerprint ?? null,
    previousRoot: manifest?.previous?.root ?? null,
    problems,
    unlisted,
  });

  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    report({ kind: 'manifest-missing', message: `${dir} is not a directory` });
    return result(null, 0);
  }
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) {
    report({ kind: 'manifest-missing', file: MANIFEST_FILE, message: `${MANIFEST_FILE} is missing: not an export directory, or its manifest was removed` });
    return result(null, 0);
  }
  const manifestBytes = readFileSync(manifestPath);

  // Signature over the exact manifest bytes.
  const keyPrint = fingerprint(opts.publicKey);
  const sigPath = join(dir, SIGNATURE_FILE);
  let signatureOk = false;
  if (!existsSync(sigPath)) {
    report({ kind: 'signature-missing', file: SIGNATURE_FILE, message: `${SIGNATURE_FILE} is missing: the manifest is unsigned` });
  } else {
    const sig = Buffer.from(readFileSync(sigPath, 'utf8').trim(), 'base64');
    signatureOk = sig.length === 64 && verifyBytes(opts.publicKey, manifestBytes, sig);
  }

  let manifest: Manifest;
  try {
    manifest = parseManifest(manifestBytes);
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    report({ kind: 'manifest-invalid', file: MANIFEST_FILE, message: err.message });
    if (!signatureOk && existsSync(sigPath)) report({ kind: 'signature-invalid', file: SIGNATURE_FILE, message: `the signature does not verify with key ${keyPrint}` });
    return result(null, 0);
  }
  if (existsSync(sigPath) && !signatureOk) {
    if (manifest.signer.public_key_fingerprint !== keyPrint) {
      report({ kind: 'wrong-key', file: SIGNATURE_FILE, message: `the manifest names signer ${manifest.signer.public_key_fingerprint}, but --key is ${keyPrint}; the signature does not verify with the key given` });
    } else {
      report({ kind: 'signature-invalid', file: MANIFEST_FILE, message: `${MANIFEST_FILE} was changed after signing, or ${SIGNATURE_FILE} was replaced: the signature does not verify` });
    }
  } else if (signatureOk && manifest.signer.public_key_fingerprint !== keyPrint) {
    report({ kind: 'manifest-invalid', file: MANIFEST_FILE, message: `the signature verifies but the manifest names signer ${manifest.signer.public_key_fingerprint}` });
  }

  // Files on disk that the manifest does not list.
  const listed = new Set<string>([MANIFEST_FILE, SIGNATURE_FILE]);
  for (const f of manifest.files) listed.add(f.name).add(f.leaves.name);
  for (const name of readdirSync(dir).sort()) {
    if (!listed.has(name)) report({ kind: 'file-unexpected', file: name, message: `${name} is not listed in the manifest (added after export?)` });
  }

  const maxPerFile = opts.maxPerFile ?? 50;
  const actualTree = new MerkleAccumulator();
  const signedTree = new MerkleAccumulator();
  let records = 0;
  let expectedIndex = 0;
  // Files are hashed on worker threads, a few ahead of the one being checked here.
  const workers = Math.min(opts.workers ?? availableParallelism(), manifest.files.length);
  const pool = workers > 1 ? new ChunkHasherPool(workers) : null;
  const format = manifest.records.format;
  const started = new Map<number, Promise<ChunkHashes>>();
  const start = (k: number): void => {
    const f = manifest.files[k];
    if (!f || started.has(k)) return;
    const path = join(dir, f.name);
    if (!existsSync(path)) return;
    const p = pool ? pool.hash(path, format) : hashChunk(path, format);
    p.catch(() => {}); // awaited below, in order
    started.set(k, p);
  };
  try {
    for (let k = 0; k < manifest.files.length; k++) {
      const f = manifest.files[k]!;
      for (let a = k; a <= k + workers; a++) start(a);
      if (f.first_index !== expectedIndex) report({ kind: 'manifest-invalid', file: f.name, message: `${f.name} starts at leaf ${f.first_index}, but the files before it hold ${expectedIndex} records` });
      expectedIndex += f.records;
      const expected = readSignedLeaves(dir, f, report);
      if (expected) for (let i = 0; i < f.records; i++) signedTree.push(leafAt(expected, i));
      const path = join(dir, f.name);
      if (!existsSync(path)) {
        report({ kind: 'file-missing', file: f.name, message: `${f.name} is missing (${f.records} records removed)` });
        continue;
      }
      const check = await started.get(k)!;
      started.delete(k);
      const count = check.leaves.length / HASH_BYTES;
      records += count;
      for (let i = 0; i < count; i++) actualTree.push(leafAt(check.leaves, i));
      if (check.sha256 === f.sha256 && count === f.records) continue;
      report({ kind: 'file-modified', file: f.name, message: `${f.name}: SHA-256 ${check.sha256 === f.sha256 ? 'matches' : 'differs'}; ${count} records, the manifest says ${f.records}` });
      if (!expected) continue;
      const changes = diffLeaves(hexLeaves(expected), hexLeaves(check.leaves));
      if (changes.length === 0) {
        report({ kind: 'file-modified', file: f.name, message: `${f.name}: every record is intact, but bytes outside the records (header or line ends) changed` });
      }
      changes.forEach((c, n) => {
        if (n >= maxPerFile) {
          unlisted++;
          return;
        }
        switch (c.kind) {
          case 'modified':
            report({ kind: 'record-modified', file: f.name, record: c.record, message: `${f.name}:${c.record}: record modified (the signed record ${c.expectedRecord} has another hash)` });
            break;
          case 'removed':
            report({ kind: 'record-removed', file: f.name, record: c.expectedRecord, message: `${f.name}:${c.expectedRecord}: signed record ${c.expectedRecord} was removed` });
            break;
          case 'added':
            report({ kind: 'record-added', file: f.name, record: c.record, message: `${f.name}:${c.record}: record was added (not in the signed leaves)` });
            break;
          case 'moved':
            report({ kind: 'record-moved', file: f.name, record: c.record, message: `${f.name}:${c.record}: records reordered: this is signed record ${c.expectedRecord}` });
            break;
        }
      });
    }

  } finally {
    await pool?.close();
  }

  const root = actualTree.root().toString('hex');
  if (root !== manifest.merkle.root || actualTree.size !== manifest.merkle.tree_size) {
    report({ kind: 'root-mismatch', message: `Merkle root over the ${actualTree.size} records found is ${root}; the manifest signs ${manifest.merkle.root} over ${manifest.merkle.tree_size}` });
  }
  if (signedTree.size === manifest.merkle.tree_size && signedTree.root().toString('hex') !== manifest.merkle.root) {
    report({ kind: 'manifest-invalid', message: 'the leaves files do not hash to the signed Merkle root' });
  }

  checkChain(manifest, opts, keyPrint, report);
  return result(manifest, records);
}

function readSignedLeaves(dir: string, f: ManifestFile, report: (p: Problem) => void): Buffer | null {
  const path = join(dir, f.leaves.name);
  if (!existsSync(path)) {
    report({ kind: 'leaves-modified', file: f.leaves.name, message: `${f.leaves.name} is missing: ${f.name} can be checked only as a whole` });
    return null;
  }
  const buf = readFileSync(path);
  if (sha256(buf) !== f.leaves.sha256 || buf.length !== f.records * HASH_BYTES) {
    report({ kind: 'leaves-modified', file: f.leaves.name, message: `${f.leaves.name} was modified: ${f.name} can be checked only as a whole` });
    return null;
  }
  return buf;
}

function checkChain(manifest: Manifest, opts: VerifyOptions, keyPrint: string, report: (p: Problem) => void): void {
  if (!opts.previousDir) return;
  const prev = manifest.previous;
  if (!prev) {
    report({ kind: 'chain', message: `--previous was given, but this export is not chained to a previous one` });
    return;
  }
  const prevManifestPath = join(opts.previousDir, MANIFEST_FILE);
  if (!existsSync(prevManifestPath)) {
    report({ kind: 'chain', message: `${prevManifestPath} is missing` });
    return;
  }
  const bytes = readFileSync(prevManifestPath);
  if (sha256(bytes) !== prev.manifest_sha256) {
    report({ kind: 'chain', message: `the previous export's manifest is not the one this export chains to (SHA-256 ${sha256(bytes)}, expected ${prev.manifest_sha256})` });
    return;
  }
  const key = opts.previousPublicKey ?? opts.publicKey;
  const sigPath = join(opts.previousDir, SIGNATURE_FILE);
  const sig = existsSync(sigPath) ? Buffer.from(readFileSync(sigPath, 'utf8').trim(), 'base64') : Buffer.alloc(0);
  if (!verifyBytes(key, bytes, sig)) {
    report({ kind: 'chain', message: `the previous export's signature does not verify with ${opts.previousPublicKey ? 'the previous key' : `key ${keyPrint}`}` });
  }
  let prevManifest: Manifest;
  try {
    prevManifest = parseManifest(bytes);
  } catch (err) {
    report({ kind: 'chain', message: `the previous manifest is unreadable: ${(err as Error).message}` });
    return;
  }
  if (prevManifest.merkle.root !== prev.root || prevManifest.merkle.tree_size !== prev.tree_size) {
    report({ kind: 'chain', message: `the previous export's root ${prevManifest.merkle.root} is not the chained root ${prev.root}` });
  }
}
