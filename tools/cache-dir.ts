/**
 * Build caches (the contrib collector, the interop project's peers) live outside the clone (a fresh
 * clone reuses them), one folder per set of inputs: the key is a hash of every input's bytes, so a changed manifest rebuilds and an
 * unchanged one never does. `FLIGHTREC_CACHE_DIR` moves the root (default `~/.cache/flightrec`).
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheRoot(): string {
  return process.env.FLIGHTREC_CACHE_DIR ?? join(homedir(), '.cache', 'flightrec');
}

/** `<root>/<kind>-<first 16 hex of sha256(inputs)>`, created. Inputs: file contents, versions, flags. */
export function keyedCacheDir(kind: string, inputs: ReadonlyArray<string | Uint8Array>): string {
  const hash = createHash('sha256');
  for (const input of inputs) { hash.update(String(input.length)); hash.update(':'); hash.update(input); }
  const dir = join(cacheRoot(), `${kind}-${hash.digest('hex').slice(0, 16)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
