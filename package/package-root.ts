/**
 * The flightrec package's root folder, found from a module's own URL. Modules run both from the
 * checkout (`review/x.ts`) and from the built package (`dist/review/x.js`), so a fixed `..` would
 * point at `dist/` in the second case; walking up to flightrec's package.json works for both.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function isFlightrecRoot(dir: string): boolean {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return false;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'flightrec';
  } catch {
    return false;
  }
}

export function packageRootOf(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (isFlightrecRoot(dir)) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`flightrec: no package.json named "flightrec" above ${fileURLToPath(moduleUrl)}`);
    dir = up;
  }
}

/** The file extension this copy of flightrec runs from: `.ts` in a checkout, `.js` when built. */
export function moduleExtensionOf(moduleUrl: string): '.ts' | '.js' {
  return moduleUrl.endsWith('.ts') ? '.ts' : '.js';
}
