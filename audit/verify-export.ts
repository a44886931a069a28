/**
 * `flightrec verify`: check an export directory offline against the exporter's public key.
 * Recomputes every file hash, every record's leaf and the Merkle root, checks the signature and,
 * when given, the chain to the previous export; names each file and record that was modified,
 * removed, added or moved, and any file that is missing or should not be there.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { closeSync, readdirSync, readSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { ChunkHasherPool } from './chunk-hasher-pool.ts';
import { openRegular, readRegular } from './export-files.ts';
import { hashChunk, hashChunkSync, type ChunkHashes } from './hash-chunk.ts';
import { fingerprint, verifyBytes } from './keys.ts';
import { diffLeaves } from './leaf-diff.ts';
import { MANIFEST_FILE, ManifestError, SIGNATURE_FILE, parseManifest, type Manifest, type ManifestFile } from './manifest.ts';
import { AlignedSubtreeBuilder, HASH_BYTES, MerkleAccumulator, leafAt } from './merkle.ts';
import { checkTimestamp, MAX_TOKEN_BYTES, TIMESTAMP_FILE } from './timestamp.ts';
import type { Certificate, CertificateRevocationList } from 'pkijs';

export type ProblemKind =
  | 'manifest-missing'
  | 'manifest-invalid'
  | 'signature-missing'
  | 'signature-invalid'
  | 'wrong-key'
  | 'file-missing'
  | 'file-not-regular'
  | 'file-modified'
  | 'file-unexpected'
  | 'leaves-modified'
  | 'record-modified'
  | 'record-removed'
  | 'record-added'
  | 'record-moved'
  | 'root-mismatch'
  | 'chain'
  | 'timestamp-missing'
  | 'timestamp-invalid'
  | 'timestamp-revoked'
  | 'timestamp-time';

export interface Problem {
  kind: ProblemKind;
  file?: string;
  /** 1-based record number in the file (the line number for JSON Lines). */
  record?: number;
  message: string;
}

/** What the signed manifest says this export covers: an export of the wrong scope is genuine too. */
export interface ExportScope {
  created_at: string;
  /** Span start times, from (inclusive; null: from the beginning) to (exclusive). */
  time_range: { from: string | null; to: string };
  /** The filters as given to `flightrec export`. */
  filters: Record<string, string | string[]>;
  /** The bound query parameters other than the time range: which spans were selected (session, agent, record, effect, risk). */
  selection: Record<string, string | string[] | number>;
  format: string;
  content: string;
  previous: { manifest_sha256: string; root: string; created_at: string; time_to: string } | null;
}

export interface VerifyReport {
  ok: boolean;
  dir: string;
  records: number;
  files: number;
  root: string | null;
  signer: string | null;
  previousRoot: string | null;
  /** The signed scope; null unless the signature holds. */
  scope: ExportScope | null;
  /** SHA-256 of manifest.json (what the next export in a chain signs), when it was read. */
  manifestSha256: string | null;
  problems: Problem[];
  /** Problems beyond the per-file cap, counted but not listed. */
  unlisted: number;
  /** Why checking stopped before the files (an invalid signature, without keepGoing); null when it ran through. */
  stopped: string | null;
  /** The RFC 3161 timestamp of the manifest, when one was checked against the authority's certificate. */
  timestamp: { gen_time: string; serial: string } | null;
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
  /** Go on after the signature fails (default: stop there; nothing unsigned is worth hashing). */
  keepGoing?: boolean;
  /** The timestamp authority's certificate(s): manifest.tsr must hold a valid RFC 3161 token over manifest.json. */
  timestampCerts?: Certificate[];
  /** CRLs of the authority certificate's issuer: the token is refused if that certificate was revoked before the token's time (timestamp.ts). */
  timestampCrls?: CertificateRevocationList[];
  /** Longest accepted time between `created_at` and the authority's time (default 1 hour). */
  timestampMaxDelayMs?: number;
}

/** Larger than any genuine manifest (~300 bytes a file: 28 000 files of records); never read beyond. */
export const MAX_MANIFEST_BYTES = 8 << 20;
/** base64 of a 64-byte Ed25519 signature and one newline, nothing else. */
const SIGNATURE_TEXT = /^[A-Za-z0-9+/]{86}==\n?$/;
/** A changed chunk file is diagnosed record by record only this far beyond its signed size and count. */
const SLACK_BYTES = 64 << 20;
const SLACK_RECORDS = 1024;
/**
 * Leaves of a changed file kept to say which records changed (8 MiB, and their text for the
 * comparison): every record of a default chunk (100 000), twice over. Beyond it a file is still
 * checked whole, but the report names changes only among its first this many records.
 */
const DIAGNOSIS_LEAVES = 1 << 18;

function hexLeaves(buf: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i < buf.length / HASH_BYTES; i++) out.push(leafAt(buf, i).toString('hex'));
  return out;
}

function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

export type SignatureCheck = { ok: true } | { ok: false; kind: 'signature-missing' | 'signature-invalid'; message: string; /** A well-formed signature over other bytes or by another key. */ mismatch: boolean };

/** manifest.sig: one base64 signature line, nothing after it, verifying over the exact manifest bytes. */
export function checkSignature(dir: string, manifestBytes: Buffer, key: KeyObject): SignatureCheck {
  const sig = readRegular(dir, SIGNATURE_FILE, 1024);
  if (!sig.ok) {
    return sig.missing
      ? { ok: false, kind: 'signature-missing', message: `${SIGNATURE_FILE} is missing: the manifest is unsigned`, mismatch: false }
      : { ok: false, kind: 'signature-invalid', message: `${SIGNATURE_FILE} ${sig.why}`, mismatch: false };
  }
  const text = sig.bytes.toString('latin1');
  if (!SIGNATURE_TEXT.test(text)) return { ok: false, kind: 'signature-invalid', message: `${SIGNATURE_FILE} is not one base64 Ed25519 signature and a newline (${sig.bytes.length} bytes: trailing or foreign data)`, mismatch: false };
  if (!verifyBytes(key, manifestBytes, Buffer.from(text.trim(), 'base64'))) return { ok: false, kind: 'signature-invalid', message: 'the signature does not verify', mismatch: true };
  return { ok: true };
}

/** The signer a manifest names, read without parsing it (it is not trusted yet): canonical JSON has one form. */
function namedSigner(manifestBytes: Buffer): string | null {
  return /"public_key_fingerprint":"(sha256:[0-9a-f]{64})"/.exec(manifestBytes.toString('latin1'))?.[1] ?? null;
}

/** The manifest of an export whose signature holds (nothing else checked), or why not. */
export function readSignedManifest(dir: string, key: KeyObject): { ok: true; manifest: Manifest; sha256: string } | { ok: false; why: string } {
  const read = readRegular(dir, MANIFEST_FILE, MAX_MANIFEST_BYTES);
  if (!read.ok) return { ok: false, why: `${MANIFEST_FILE} ${read.missing ? 'is missing' : read.why}` };
  const sig = checkSignature(dir, read.bytes, key);
  if (!sig.ok) return { ok: false, why: sig.message };
  try {
    return { ok: true, manifest: parseManifest(read.bytes), sha256: sha256(read.bytes) };
  } catch (err) {
    if (err instanceof ManifestError) return { ok: false, why: err.message };
    throw err;
  }
}

export function scopeOf(m: Manifest): ExportScope {
  return {
    created_at: m.created_at,
    time_range: m.time_range,
    filters: m.query?.filters ?? {},
    selection: Object.fromEntries(Object.entries(m.query?.params ?? {}).filter(([k]) => k !== 'from' && k !== 'to')),
    format: m.records.format,
    content: m.records.content,
    previous: m.previous ? { manifest_sha256: m.previous.manifest_sha256, root: m.previous.root, created_at: m.previous.created_at, time_to: m.previous.time_to } : null,
  };
}

export async function verifyExport(dir: string, opts: VerifyOptions): Promise<VerifyReport> {
  const problems: Problem[] = [];
  let unlisted = 0;
  let stopped: string | null = null;
  let manifestSha256: string | null = null;
  let signatureOk = false;
  let timestamp: VerifyReport['timestamp'] = null;
  const report = (p: Problem): void => {
    problems.push(p);
  };
  const result = (manifest: Manifest | null, records: number): VerifyReport => ({
    ok: problems.length === 0 && unlisted === 0 && stopped === null,
    dir,
    records,
    files: manifest?.files.length ?? 0,
    root: manifest?.merkle.root ?? null,
    signer: manifest?.signer.public_key_fingerprint ?? null,
    previousRoot: manifest?.previous?.root ?? null,
    scope: manifest && signatureOk ? scopeOf(manifest) : null,
    manifestSha256,
    problems,
    unlisted,
    stopped,
    timestamp,
  });

  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) {
    report({ kind: 'manifest-missing', message: `${dir} is not a directory` });
    return result(null, 0);
  }
  const read = readRegular(dir, MANIFEST_FILE, MAX_MANIFEST_BYTES);
  if (!read.ok) {
    if (read.missing) report({ kind: 'manifest-missing', file: MANIFEST_FILE, message: `${MANIFEST_FILE} is missing: not an export directory, or its manifest was removed` });
    else report({ kind: 'manifest-invalid', file: MANIFEST_FILE, message: `${MANIFEST_FILE} ${read.why}` });
    return result(null, 0);
  }
  const manifestBytes = read.bytes;
  manifestSha256 = sha256(manifestBytes);

  // The signature over the exact manifest bytes, before anything in the manifest is believed.
  const keyPrint = fingerprint(opts.publicKey);
  const sig = checkSignature(dir, manifestBytes, opts.publicKey);
  signatureOk = sig.ok;
  if (!sig.ok) {
    const signer = namedSigner(manifestBytes);
    if (sig.mismatch && signer !== null && signer !== keyPrint) {
      report({ kind: 'wrong-key', file: SIGNATURE_FILE, message: `the manifest names signer ${signer}, but --key is ${keyPrint}; the signature does not verify with the key given` });
    } else if (sig.mismatch) {
      report({ kind: 'signature-invalid', file: MANIFEST_FILE, message: `${MANIFEST_FILE} was changed after signing, or ${SIGNATURE_FILE} was replaced: the signature does not verify with key ${keyPrint}` });
    } else {
      report({ kind: sig.kind, file: SIGNATURE_FILE, message: sig.message });
    }
    if (!opts.keepGoing) {
      stopped = 'the signature does not hold, so nothing the manifest lists was checked (--keep-going checks the files anyway)';
      return result(null, 0);
    }
  }

  let manifest: Manifest;
  try {
    manifest = parseManifest(manifestBytes);
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    report({ kind: 'manifest-invalid', file: MANIFEST_FILE, message: err.message });
    return result(null, 0);
  }
  if (signatureOk && manifest.signer.public_key_fingerprint !== keyPrint) {
    report({ kind: 'manifest-invalid', file: MANIFEST_FILE, message: `the signature verifies but the manifest names signer ${manifest.signer.public_key_fingerprint}` });
  }

  // Entries on disk that the manifest does not list (names only: nothing is opened or followed).
  const listed = new Set<string>([MANIFEST_FILE, SIGNATURE_FILE, TIMESTAMP_FILE]);
  for (const f of manifest.files) listed.add(f.name).add(f.leaves.name);
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (listed.has(entry.name)) continue;
    const what = entry.isFile() ? '' : entry.isDirectory() ? ' (a directory)' : entry.isSymbolicLink() ? ' (a symbolic link)' : ' (not a regular file)';
    report({ kind: 'file-unexpected', file: entry.name, message: `${entry.name}${what} is not listed in the manifest (added after export?)` });
  }

  const maxPerFile = opts.maxPerFile ?? 50;
  // The tree over the records found and the tree over the signed leaves files. While every file's
  // records hash to exactly its signed leaves the two are one tree, built once; the first
  // difference splits them (a copy of the state so far: O(log n)).
  const actualTree = new MerkleAccumulator();
  let signedTree: MerkleAccumulator | null = null;
  const signed = (): MerkleAccumulator => (signedTree ??= actualTree.clone());
  let records = 0;
  let expectedIndex = 0;
  // Files are hashed on worker threads, a few ahead of the one being checked here, each from a
  // descriptor opened and checked here. A worker returns no leaves, only their SHA-256 and the
  // subtrees they form: when that hash is the signed leaves file's, every record is as signed. Only
  // a file that differs is read again here, its leaves kept, to say which records changed.
  const workers = Math.min(opts.workers ?? availableParallelism(), manifest.files.length);
  const pool = workers > 1 ? new ChunkHasherPool(workers) : null;
  const format = manifest.records.format;
  type Started = { hashes: Promise<ChunkHashes>; fd: number } | { refused: string; missing: boolean };
  const started = new Map<number, Started>();
  /** Leaves hashed in a file: its signed count twice over, and some (a hostile file of endless newlines costs no more). */
  const maxLeavesOf = (f: ManifestFile): number => 2 * f.records + SLACK_RECORDS;
  const start = (k: number): void => {
    const f = manifest.files[k];
    if (!f || started.has(k)) return;
    const o = openRegular(dir, f.name);
    if (!o.ok) {
      started.set(k, { refused: o.why, missing: o.missing });
      return;
    }
    if (o.size > 2 * f.bytes + SLACK_BYTES) {
      closeSync(o.fd);
      started.set(k, { refused: `is ${o.size} bytes where the manifest signs ${f.bytes}: modified beyond diagnosis, not read`, missing: false });
      return;
    }
    const p = pool ? pool.hash(o.fd, format, f.first_index, maxLeavesOf(f), 0) : hashChunk(o.fd, format, f.first_index, maxLeavesOf(f), { keep: 0 });
    p.catch(() => {}); // awaited below, in order
    started.set(k, { hashes: p, fd: o.fd });
  };
  try {
    for (let k = 0; k < manifest.files.length; k++) {
      const f = manifest.files[k]!;
      for (let a = k; a <= k + workers; a++) start(a);
      if (f.first_index !== expectedIndex) report({ kind: 'manifest-invalid', file: f.name, message: `${f.name} starts at leaf ${f.first_index}, but the files before it hold ${expectedIndex} records` });
      expectedIndex += f.records;
      const signedLeaves = checkSignedLeaves(dir, f, report);
      const job = started.get(k)!;
      started.delete(k);
      if ('refused' in job) {
        if (signedLeaves) pushSignedLeaves(signed(), dir, f, report);
        else signed();
        if (job.missing) report({ kind: 'file-missing', file: f.name, message: `${f.name} is missing (${f.records} records removed)` });
        else report({ kind: 'file-not-regular', file: f.name, message: `${f.name} ${job.refused}` });
        continue;
      }
      try {
        const check = await job.hashes;
        const count = check.records;
        records += count;
        const at = actualTree.size;
        const maxLeaves = maxLeavesOf(f);
        const keep = Math.min(maxLeaves, DIAGNOSIS_LEAVES);
        /** The file read again here: its first `keep` leaves, and its subtrees where the tree really stands. */
        let again: ChunkHashes | null = null;
        const second = (): ChunkHashes => (again ??= hashChunkSync(job.fd, format, at, maxLeaves, { keep, capacity: Math.min(count, keep) }));
        const sameLeaves = signedLeaves && count === f.records && check.leavesSha256 === f.leaves.sha256;
        // Until the first difference the signed tree is the one being built; from then on the signed leaves go to their own.
        if (!(signedTree === null && sameLeaves)) {
          if (signedLeaves) pushSignedLeaves(signed(), dir, f, report);
          else signed();
        }
        // The subtrees the worker built assume the file starts where the manifest says; they do, unless records were removed or added before it.
        pushSubtrees(actualTree, at === check.first ? check : second());
        if (check.sha256 === f.sha256 && count === f.records) continue;
        report({ kind: 'file-modified', file: f.name, message: `${f.name}: SHA-256 ${check.sha256 === f.sha256 ? 'matches' : 'differs'}; ${count} records, the manifest says ${f.records}` });
        if (count > keep) {
          report({ kind: 'file-modified', file: f.name, message: `${f.name}: ${count} records where ${f.records} were signed; the record-level diagnosis covers the first ${keep}` });
        }
        if (!signedLeaves) continue;
        // Leaves the same as signed: nothing to compare record by record.
        const expected = sameLeaves ? null : readSignedLeavesFirst(dir, f, keep, report);
        if (!sameLeaves && !expected) continue; // changed while verify read it; reported
        const changes = expected ? diffLeaves(hexLeaves(expected), hexLeaves(second().leaves)) : [];
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
      } finally {
        closeSync(job.fd);
      }
    }
  } finally {
    // Files opened ahead of a failure.
    for (const job of started.values()) if ('fd' in job) job.hashes.finally(() => closeSync(job.fd)).catch(() => {});
    await pool?.close();
  }

  const root = actualTree.root().toString('hex');
  if (root !== manifest.merkle.root || actualTree.size !== manifest.merkle.tree_size) {
    report({ kind: 'root-mismatch', message: `Merkle root over the ${actualTree.size} records found is ${root}; the manifest signs ${manifest.merkle.root} over ${manifest.merkle.tree_size}` });
  }
  const signedLeaves = signedTree ?? actualTree;
  if (signedLeaves.size === manifest.merkle.tree_size && signedLeaves.root().toString('hex') !== manifest.merkle.root) {
    report({ kind: 'manifest-invalid', message: 'the leaves files do not hash to the signed Merkle root' });
  }

  checkChain(manifest, opts, keyPrint, report);
  if (opts.timestampCerts) timestamp = await checkManifestTimestamp(dir, manifestBytes, manifest, opts, report);
  return result(manifest, records);
}

/** manifest.tsr: an RFC 3161 token over the manifest's bytes, by the authority the auditor trusts, soon after `created_at`. */
async function checkManifestTimestamp(dir: string, manifestBytes: Buffer, manifest: Manifest, opts: VerifyOptions, report: (p: Problem) => void): Promise<VerifyReport['timestamp']> {
  const read = readRegular(dir, TIMESTAMP_FILE, MAX_TOKEN_BYTES);
  if (!read.ok) {
    report({ kind: read.missing ? 'timestamp-missing' : 'timestamp-invalid', file: TIMESTAMP_FILE, message: `${TIMESTAMP_FILE} ${read.missing ? 'is missing: the export has no trusted timestamp' : read.why}` });
    return null;
  }
  const check = await checkTimestamp(read.bytes, manifestBytes, opts.timestampCerts!, { crls: opts.timestampCrls });
  if (!check.ok) {
    const message = check.revoked ? `${TIMESTAMP_FILE} is not trusted: ${check.why}` : `${TIMESTAMP_FILE} is not a valid timestamp of this manifest by the authority given: ${check.why}`;
    report({ kind: check.revoked ? 'timestamp-revoked' : 'timestamp-invalid', file: TIMESTAMP_FILE, message });
    return null;
  }
  const created = Date.parse(manifest.created_at);
  const gen = check.genTime.getTime();
  const skew = 5 * 60_000;
  const maxDelay = opts.timestampMaxDelayMs ?? 3_600_000;
  if (created > gen + skew) report({ kind: 'timestamp-time', file: TIMESTAMP_FILE, message: `the manifest says it was created at ${manifest.created_at}, after the authority timestamped it (${check.genTime.toISOString()}): the exporter's clock is wrong` });
  else if (gen - created > maxDelay) report({ kind: 'timestamp-time', file: TIMESTAMP_FILE, message: `the authority timestamped the manifest at ${check.genTime.toISOString()}, ${Math.round((gen - created) / 60_000)} min after its created_at ${manifest.created_at}: backdated, or held back` });
  return { gen_time: check.genTime.toISOString(), serial: check.serial };
}

function pushSubtrees(tree: MerkleAccumulator, check: ChunkHashes): void {
  check.subtreeSizes.forEach((size, i) => tree.pushSubtree(leafAt(check.subtreeRoots, i), size));
}

/** Blocks in which a leaves file is read: 2 MiB, one buffer for every file (a fresh one each time piled up until a rare garbage collection). */
const LEAF_BLOCK = 65_536 * HASH_BYTES;
let leafBlock: Buffer | null = null;

/**
 * Reads a leaves file in blocks (memory does not grow with it): its SHA-256, and each block to
 * `onBlock`. Null with the reason when it cannot be read or is not the signed size.
 */
function streamLeaves(dir: string, f: ManifestFile, onBlock: ((leaves: Buffer) => void) | null): { sha256: string } | { why: string; missing: boolean } {
  const o = openRegular(dir, f.leaves.name);
  if (!o.ok) return { why: o.missing ? 'is missing' : o.why, missing: o.missing };
  try {
    if (o.size !== f.records * HASH_BYTES) return { why: 'was modified', missing: false };
    const h = createHash('sha256');
    const block = (leafBlock ??= Buffer.allocUnsafe(LEAF_BLOCK));
    for (let position = 0; position < o.size; ) {
      let got = 0;
      const want = Math.min(block.length, o.size - position);
      while (got < want) {
        const n = readSync(o.fd, block, got, want - got, position + got);
        if (n === 0) return { why: 'was modified', missing: false }; // shrank while being read
        got += n;
      }
      const leaves = block.subarray(0, got);
      h.update(leaves);
      onBlock?.(leaves);
      position += got;
    }
    return { sha256: h.digest('hex') };
  } finally {
    closeSync(o.fd);
  }
}

/** A leaves file that checked out, then differed when it was read again. */
function changedWhileRead(f: ManifestFile): Problem {
  return { kind: 'leaves-modified', file: f.leaves.name, message: `${f.leaves.name} changed while verify read it: ${f.name} can be checked only as a whole` };
}

/** Whether the leaves file is the one signed; reports it when not. Read in blocks, nothing kept. */
function checkSignedLeaves(dir: string, f: ManifestFile, report: (p: Problem) => void): boolean {
  const r = streamLeaves(dir, f, null);
  const why = 'why' in r ? r.why : r.sha256 === f.leaves.sha256 ? null : 'was modified';
  if (why === null) return true;
  report({ kind: 'leaves-modified', file: f.leaves.name, message: `${f.leaves.name} ${why}: ${f.name} can be checked only as a whole` });
  return false;
}

/**
 * Adds a (checked) leaves file to the signed tree: read again in blocks, its subtrees built as it
 * is read and added only if it still hashes as signed (a file changed between the two reads adds
 * nothing and is reported).
 */
function pushSignedLeaves(tree: MerkleAccumulator, dir: string, f: ManifestFile, report: (p: Problem) => void): void {
  const builder = new AlignedSubtreeBuilder(tree.size);
  const r = streamLeaves(dir, f, (leaves) => builder.pushLeaves(leaves));
  if ('why' in r || r.sha256 !== f.leaves.sha256) {
    report(changedWhileRead(f));
    return;
  }
  for (const t of builder.subtrees) tree.pushSubtree(t.root, t.size);
}

/** The first `n` signed leaves, for the record-level diagnosis of a changed file (at most DIAGNOSIS_LEAVES). */
function readSignedLeavesFirst(dir: string, f: ManifestFile, n: number, report: (p: Problem) => void): Buffer | null {
  const out = Buffer.allocUnsafe(Math.min(n, f.records) * HASH_BYTES);
  let at = 0;
  const r = streamLeaves(dir, f, (leaves) => {
    if (at < out.length) at += leaves.copy(out, at, 0, Math.min(leaves.length, out.length - at));
  });
  if (!('why' in r) && r.sha256 === f.leaves.sha256) return out;
  report(changedWhileRead(f));
  return null;
}

function checkChain(manifest: Manifest, opts: VerifyOptions, keyPrint: string, report: (p: Problem) => void): void {
  if (!opts.previousDir) return;
  const prev = manifest.previous;
  if (!prev) {
    report({ kind: 'chain', message: `--previous was given, but this export is not chained to a previous one` });
    return;
  }
  const read = readRegular(opts.previousDir, MANIFEST_FILE, MAX_MANIFEST_BYTES);
  if (!read.ok) {
    report({ kind: 'chain', message: `the previous export's ${MANIFEST_FILE} ${read.missing ? 'is missing' : read.why}` });
    return;
  }
  const bytes = read.bytes;
  if (sha256(bytes) !== prev.manifest_sha256) {
    report({ kind: 'chain', message: `the previous export's manifest is not the one this export chains to (SHA-256 ${sha256(bytes)}, expected ${prev.manifest_sha256})` });
    return;
  }
  const key = opts.previousPublicKey ?? opts.publicKey;
  const sig = checkSignature(opts.previousDir, bytes, key);
  if (!sig.ok) {
    report({ kind: 'chain', message: `the previous export's signature does not hold with ${opts.previousPublicKey ? 'the previous key' : `key ${keyPrint}`}: ${sig.message}` });
    return;
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
