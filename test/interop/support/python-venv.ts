/**
 * A Python virtual environment for one pinned requirements file, built on first use into the keyed
 * cache (outside the clone): a changed requirements file or another Python gets a new one. A venv is
 * marked complete only after pip succeeded, so an interrupted build is redone, not trusted.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyedCacheDir } from './cache-dir.ts';
import { requirePython } from './toolchains.ts';

/** The venv's python for exactly these requirements; throws with the install hint when Python is missing. */
export function pythonVenv(requirementsFile: string): string {
  const py = requirePython();
  const dir = keyedCacheDir('pyvenv', [readFileSync(requirementsFile), py.version]);
  const bin = join(dir, 'bin', 'python');
  if (!existsSync(join(dir, '.complete'))) {
    execFileSync('python3', ['-m', 'venv', dir], { stdio: 'inherit' });
    execFileSync(bin, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirementsFile], { stdio: 'inherit' });
    writeFileSync(join(dir, '.complete'), '');
  }
  return bin;
}
