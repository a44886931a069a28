import { exportDirsIn } from '../audit/verify-chain.ts';
import { UsageError } from './command.ts';

/** The exports a chain command names: those in `--chain FOLDER` (if given), then the listed ones. */
export function chainDirs(chain: string | undefined, listed: readonly string[]): string[] {
  if (chain === undefined) return [...listed];
  try {
    return [...exportDirsIn(chain), ...listed];
  } catch (err) {
    throw new UsageError(`cannot read the folder ${chain}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
