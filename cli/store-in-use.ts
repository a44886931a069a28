/**
 * Is an embedded store's data directory held by another process? chdb (ClickHouse) takes an
 * exclusive lock on `<dir>/status`; opening a held directory fails only after the engine has
 * printed two raw lines of its own to stderr, so the CLI asks first and says it in one line.
 *
 * Linux reports every file lock in /proc/locks (`1: FLOCK ADVISORY WRITE <pid> <maj>:<min>:<inode> …`);
 * elsewhere this answers "unknown" and the engine's own error is turned into one line afterwards.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The id of the process holding the store's lock, `undefined` when free, or `'unknown'` where this cannot be told. */
export function storeLockHolder(dataDir: string): number | undefined | 'unknown' {
  const status = join(dataDir, 'status');
  if (!existsSync(status)) return undefined;
  let locks: string;
  try {
    locks = readFileSync('/proc/locks', 'utf8');
  } catch {
    return 'unknown';
  }
  const st = statSync(status);
  const dev = Number(st.dev);
  const major = ((dev >> 8) & 0xfff) | Math.floor(dev / 2 ** 32) & ~0xfff;
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  const id = `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${st.ino}`;
  for (const line of locks.split('\n')) {
    const f = line.trim().split(/\s+/);
    // "1:" "FLOCK" "ADVISORY" "WRITE" pid dev:inode start end (a blocked waiter's line has "->" first)
    if (f[1] === 'FLOCK' && f[5] === id && f[4] !== process.pid.toString()) return Number(f[4]);
  }
  return undefined;
}

/** The engine's own message for a held directory (Code 76, CANNOT_OPEN_FILE on `status`). */
export function isStoreLockedError(err: unknown): boolean {
  return /Cannot lock file|Another server instance in same directory|Failed to create connection for path/.test(String((err as Error)?.message ?? err));
}
