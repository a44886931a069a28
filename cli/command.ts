/** A CLI subcommand: one module each under cli/commands/, registered in cli/commands/index.ts. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** A user error: printed as one line, exit code 2, no stack. */
export class UsageError extends Error {}
