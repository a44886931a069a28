/**
 * The interop project's toolchains (Go, Python). A missing one is an error with the next step, never a
 * silent skip: `npm run test:interop` exists to run the real peers, and CI must fail when it cannot.
 */
import { execFileSync } from 'node:child_process';

export interface Toolchain { readonly name: 'go' | 'python3'; readonly version: string; readonly path: string }

const HOW_TO_INSTALL: Record<Toolchain['name'], string> = {
  go: 'install Go ≥ 1.24 (https://go.dev/doc/install, or your distribution\'s golang package) and put `go` on PATH',
  python3: 'install Python ≥ 3.10 with venv and pip (e.g. Debian: apt-get install python3 python3-venv python3-pip)',
};

function probe(name: Toolchain['name'], args: string[]): Toolchain {
  try {
    const version = execFileSync(name, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    const path = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    return { name, version, path };
  } catch {
    const needs = name === 'go' ? 'building the contrib collector and the interop tests need it' : 'the interop tests need it';
    throw new Error(`${name} is not on PATH (${needs}; npm test alone needs neither Go nor Python): ${HOW_TO_INSTALL[name]}`);
  }
}

/** Go's version line, e.g. `go version go1.26.8 linux/amd64`; throws with the install hint when absent. */
export function requireGo(): Toolchain { return probe('go', ['version']); }

/** Python's version line, e.g. `Python 3.11.7`; throws with the install hint when absent. */
export function requirePython(): Toolchain { return probe('python3', ['--version']); }
