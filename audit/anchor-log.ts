/**
 * An append-only anchor log of exports: one line per export made, each line naming the export
 * (its manifest's SHA-256, root, size, creation time and period), the SHA-256 of the line before it
 * (a hash chain from the first line), and the exporter's Ed25519 signature over the rest.
 *
 * What it adds to the chain of exports: the set of exports that were made. A deleted newest
 * export, or a whole chain re-made and backdated, shows as a log entry without its export, or as
 * exports the log does not list — provided the log is kept where the exporter cannot rewrite it
 * (append-only or WORM storage, a copy at a third party, or lines forwarded to a transparency log
 * as they are written). The key holder can always write a whole new log: the log is only as good
 * as where it is kept (docs/audit.md). It is not a trusted timestamp (RFC 3161 is one: not built).
 */
import { createHash, type KeyObject } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { dirname, basename } from 'node:path';
import { canonicalJson, type CanonicalValue } from './canonical-json.ts';
import { readRegular } from './export-files.ts';
import { signBytes, verifyBytes } from './keys.ts';
import type { Manifest } from './manifest.ts';

export interface AnchorEntry {
  seq: number;
  manifest_sha256: string;
  root: string;
  tree_size: number;
  created_at: string;
  time_range: { from: string | null; to: string };
  /** SHA-256 of the previous line's bytes (without its newline); 64 zeros for the first. */
  previous_line_sha256: string;
}

const GENESIS = '0'.repeat(64);
export const MAX_ANCHOR_LOG_BYTES = 64 << 20;

function sha256(b: Uint8Array | string): string {
  return createHash('sha256').update(b).digest('hex');
}

export type AnchorRead = { ok: true; entries: AnchorEntry[]; lastLineSha256: string } | { ok: false; missing: boolean; why: string };

/** Reads and checks the whole log: every line signed by `publicKey`, numbered from 1, each hashing its predecessor. */
export function readAnchorLog(path: string, publicKey: KeyObject): AnchorRead {
  const read = readRegular(dirname(path), basename(path), MAX_ANCHOR_LOG_BYTES);
  if (!read.ok) return { ok: false, missing: read.missing, why: `the anchor log ${path} ${read.missing ? 'is missing' : read.why}` };
  const text = read.bytes.toString('utf8');
  if (text.length > 0 && !text.endsWith('\n')) return { ok: false, missing: false, why: `the anchor log ${path} ends inside a line (cut, or being written)` };
  const entries: AnchorEntry[] = [];
  let prev = GENESIS;
  const lines = text.split('\n').slice(0, -1);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const bad = (why: string): AnchorRead => ({ ok: false, missing: false, why: `anchor log line ${i + 1}: ${why}` });
    let parsed: { entry?: AnchorEntry; signature?: string };
    try {
      parsed = JSON.parse(line) as typeof parsed;
    } catch {
      return bad('not JSON');
    }
    const e = parsed.entry;
    if (!e || typeof parsed.signature !== 'string') return bad('not an anchor entry');
    const body = Buffer.from(canonicalJson(e as unknown as CanonicalValue));
    if (!verifyBytes(publicKey, body, Buffer.from(parsed.signature, 'base64'))) return bad('its signature does not verify with this key');
    if (e.seq !== i + 1) return bad(`numbered ${e.seq}: a line was removed or inserted before it`);
    if (e.previous_line_sha256 !== prev) return bad('does not follow the line before it (a line was changed, removed or inserted)');
    entries.push(e);
    prev = sha256(line);
  }
  return { ok: true, entries, lastLineSha256: prev };
}

/** Appends the export's entry (O_APPEND, fsynced); the log is created if it does not exist. */
export function appendAnchor(path: string, manifestBytes: Buffer, m: Manifest, privateKey: KeyObject, publicKey: KeyObject): AnchorEntry {
  const current = readAnchorLog(path, publicKey);
  if (!current.ok && !current.missing) throw new Error(current.why);
  const entries = current.ok ? current.entries : [];
  const entry: AnchorEntry = {
    seq: entries.length + 1,
    manifest_sha256: sha256(manifestBytes),
    root: m.merkle.root,
    tree_size: m.merkle.tree_size,
    created_at: m.created_at,
    time_range: m.time_range,
    previous_line_sha256: current.ok ? current.lastLineSha256 : GENESIS,
  };
  const signature = signBytes(privateKey, Buffer.from(canonicalJson(entry as unknown as CanonicalValue))).toString('base64');
  const line = Buffer.from(canonicalJson({ entry, signature } as unknown as CanonicalValue) + '\n');
  const fd = openSync(path, 'a', 0o644);
  try {
    writeSync(fd, line);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return entry;
}
