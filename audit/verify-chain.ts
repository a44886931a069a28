/**
 * `flightrec verify` over a chain of exports (a folder of export directories, or a list): every
 * export verified on its own, then the chain itself — each export signs its predecessor's manifest
 * hash (manifest.previous), so the exports must form one line: no fork (two exports naming the
 * same predecessor), no break (an export whose predecessor is not in the set, other than the
 * first), no gap and no overlap between one export's `to` and the next one's `from`, and the same
 * filters throughout (a chain of exports of different selections proves nothing about either).
 * What a chain cannot show by itself: that no newer export was made and deleted — give `until`
 * (the chain must reach it), or anchor each export outside (docs/audit.md).
 */
import type { KeyObject } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readAnchorLog } from './anchor-log.ts';
import { MANIFEST_FILE } from './manifest.ts';
import { verifyExport, type VerifyOptions, type VerifyReport } from './verify-export.ts';

export type ChainProblemKind =
  | 'chain-fork' | 'chain-break' | 'chain-gap' | 'chain-overlap' | 'chain-scope' | 'chain-short' | 'chain-unverified'
  | 'anchor-log' | 'anchor-missing' | 'anchor-unlisted';

export interface ChainProblem {
  kind: ChainProblemKind;
  dir?: string;
  message: string;
}

export interface ChainReport {
  ok: boolean;
  /** Each export's own report, in chain order where the chain could be followed, the rest after. */
  exports: VerifyReport[];
  problems: ChainProblem[];
  /** The span-time range the chain covers without a gap, when it holds. */
  covers: { from: string | null; to: string } | null;
}

export interface ChainOptions {
  publicKey: KeyObject;
  keepGoing?: boolean;
  /** ClickHouse DateTime64 text: the chain must cover span times up to here (a deleted newest export shows). */
  until?: string;
  workers?: number;
  /** An anchor log (anchor-log.ts) that must list exactly the exports given, signed by the same key. */
  anchorLog?: string;
  /** The timestamp authority's certificate(s): every export must carry a valid RFC 3161 token. */
  timestampCerts?: VerifyOptions['timestampCerts'];
  timestampCrls?: VerifyOptions['timestampCrls'];
}

/** Export directories in a folder: its real subdirectories holding a manifest.json (never through a symbolic link). */
export function exportDirsIn(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join(folder, e.name))
    .filter((d) => readdirSync(d).includes(MANIFEST_FILE))
    .sort();
}

/** The bound filter values other than the time range: what the chain must keep the same. */
function selection(r: VerifyReport): string {
  return JSON.stringify(Object.entries(r.scope?.selection ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export async function verifyChain(dirs: readonly string[], opts: ChainOptions): Promise<ChainReport> {
  const problems: ChainProblem[] = [];
  const reports: VerifyReport[] = [];
  for (const dir of dirs) reports.push(await verifyExport(dir, { publicKey: opts.publicKey, keepGoing: opts.keepGoing, workers: opts.workers, timestampCerts: opts.timestampCerts, timestampCrls: opts.timestampCrls }));
  const signed = reports.filter((r) => r.scope !== null && r.manifestSha256 !== null);
  for (const r of reports) if (r.scope === null) problems.push({ kind: 'chain-unverified', dir: r.dir, message: `${r.dir}: its signature does not hold, so it cannot take a place in the chain` });

  const byHash = new Map<string, VerifyReport>();
  for (const r of signed) byHash.set(r.manifestSha256!, r);
  const successors = new Map<string, VerifyReport[]>();
  const firsts: VerifyReport[] = [];
  for (const r of signed) {
    const prev = r.scope!.previous;
    if (prev && byHash.has(prev.manifest_sha256)) {
      const list = successors.get(prev.manifest_sha256) ?? [];
      list.push(r);
      successors.set(prev.manifest_sha256, list);
    } else {
      firsts.push(r);
    }
  }
  for (const [hash, list] of successors) {
    if (list.length > 1) problems.push({ kind: 'chain-fork', dir: byHash.get(hash)!.dir, message: `${list.map((r) => r.dir).join(' and ')} both chain to ${byHash.get(hash)!.dir}: a fork (one of them was made to replace the other)` });
  }
  if (firsts.length > 1) {
    for (const r of firsts.slice(1)) {
      problems.push({ kind: 'chain-break', dir: r.dir, message: `${r.dir} chains to ${r.scope!.previous ? `an export not in the set (manifest sha256:${r.scope!.previous.manifest_sha256})` : 'nothing'}, but ${firsts[0]!.dir} starts the chain too: an export is missing between them, or they are separate chains` });
    }
  }

  // Follow the line from its start.
  const ordered: VerifyReport[] = [];
  let at: VerifyReport | undefined = firsts.sort((a, b) => (a.scope!.created_at < b.scope!.created_at ? -1 : 1))[0];
  const seen = new Set<VerifyReport>();
  while (at && !seen.has(at)) {
    seen.add(at);
    ordered.push(at);
    at = successors.get(at.manifestSha256!)?.[0];
  }
  for (let i = 1; i < ordered.length; i++) {
    const a = ordered[i - 1]!;
    const b = ordered[i]!;
    const aTo = a.scope!.time_range.to;
    const bFrom = b.scope!.time_range.from;
    if (bFrom === null || bFrom < aTo) problems.push({ kind: 'chain-overlap', dir: b.dir, message: `${b.dir} starts at ${bFrom ?? 'the beginning'}, before ${a.dir} ends (${aTo}): spans in between are in both` });
    else if (bFrom > aTo) problems.push({ kind: 'chain-gap', dir: b.dir, message: `${b.dir} starts at ${bFrom}, after ${a.dir} ends (${aTo}): spans from ${aTo} to ${bFrom} are in no export` });
    if (selection(a) !== selection(b)) problems.push({ kind: 'chain-scope', dir: b.dir, message: `${b.dir} selects ${selection(b)}, ${a.dir} selected ${selection(a)}: the chain does not cover one selection` });
  }
  const last = ordered.at(-1);
  if (opts.until && last && last.scope!.time_range.to < opts.until) {
    problems.push({ kind: 'chain-short', dir: last.dir, message: `the chain ends at ${last.scope!.time_range.to} (${last.dir}), before ${opts.until}: a newer export is missing, or was never made` });
  }
  if (opts.anchorLog) checkAnchors(opts.anchorLog, opts.publicKey, signed, problems);
  const exports = [...ordered, ...reports.filter((r) => !seen.has(r))];
  const ok = problems.length === 0 && reports.every((r) => r.ok) && reports.length > 0;
  return { ok, exports, problems, covers: ok && ordered.length > 0 ? { from: ordered[0]!.scope!.time_range.from, to: last!.scope!.time_range.to } : null };
}

/** Every export given is in the log, and every export the log lists was given. */
function checkAnchors(path: string, publicKey: KeyObject, signed: readonly VerifyReport[], problems: ChainProblem[]): void {
  const log = readAnchorLog(path, publicKey);
  if (!log.ok) {
    problems.push({ kind: 'anchor-log', message: log.why });
    return;
  }
  const logged = new Set(log.entries.map((e) => e.manifest_sha256));
  const given = new Set(signed.map((r) => r.manifestSha256!));
  for (const r of signed) {
    if (!logged.has(r.manifestSha256!)) problems.push({ kind: 'anchor-missing', dir: r.dir, message: `${r.dir} is not in the anchor log: made without it, or made again in place of the export the log lists` });
  }
  for (const e of log.entries) {
    if (!given.has(e.manifest_sha256)) problems.push({ kind: 'anchor-unlisted', message: `the anchor log lists export ${e.seq} (created ${e.created_at}, spans ${e.time_range.from ?? 'the beginning'} .. ${e.time_range.to}, manifest sha256:${e.manifest_sha256}), which is not among the exports given: deleted?` });
  }
}
