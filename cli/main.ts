#!/usr/bin/env node
/**
 * The `flightrec` command line. Each subcommand lives in cli/commands/.
 */
import { QueryDefinitionError, QueryParamError } from '../catalogue/saved-queries.ts';
import { visible } from '../review/visible-text.ts';
import { UsageError } from './command.ts';
import { commands } from './commands/index.ts';
import { UnreachableError } from './connect.ts';

// Every chdb query and insert, and every fsync of the write-ahead log, holds a libuv pool thread
// while it runs; with Node's default of 4, a few slow queries would leave ingest none. The pool is
// created on first use, so setting the size here (before anything used it) takes effect.
process.env.UV_THREADPOOL_SIZE ??= '8';

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return ['flightrec — a flight recorder for AI agents', '', 'Commands:', ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`), '', 'flightrec <command> --help for its usage.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`flightrec: unknown command ${visible(JSON.stringify(name))}\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${command.summary}\n\nusage: ${command.usage}`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError || err instanceof QueryParamError || err instanceof QueryDefinitionError || err instanceof UnreachableError) {
      console.error(`flightrec ${name}: ${visible(err.message)}`);
      return 2;
    }
    const e = err as Error & { code?: string };
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      console.error(`flightrec ${name}: ${visible(e.message)}\nusage: ${command.usage}`);
      return 2;
    }
    // Server errors may echo stored data; one line, shown visibly.
    console.error(`flightrec ${name}: ${visible((e.message ?? String(err)).split('\n')[0])}`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/cli/main.ts')) {
  // Exit only once stdout and stderr have been written out: process.exit() drops what a pipe has
  // not taken yet (a verify report cut at 64 KiB, its final NOT VERIFIED line lost).
  main(process.argv.slice(2)).then(async (code) => {
    process.exitCode = code;
    await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((resolve) => s.write('', () => resolve()))));
    process.exit(code);
  });
}
