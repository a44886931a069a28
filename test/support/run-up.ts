/**
 * `flightrec up` as its own process (its own chdb), the way a user starts it: resolves once it
 * listens. The caller stops it (a signal) and may await `exited`.
 */
import type { ChildProcess } from 'node:child_process';
import { startCli } from './run-cli.ts';

export interface UpProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** Its exit code, once it has exited. */
  readonly exited: Promise<number | null>;
  /** The OTLP/HTTP traces URL it printed. */
  readonly otlpUrl: string;
}

/** Start `flightrec up <args>` with `env` added to the environment. */
export async function startUp(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<UpProcess> {
  const child = startCli(['up', ...args], { env });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Press Ctrl-C to stop.')) resolve();
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => reject(new Error(`flightrec up exited with ${code} before listening:\n${out}`)));
  });
  const otlpUrl = /OTLP\/HTTP traces:\s+(\S+)/.exec(out)?.[1] ?? '';
  return { child, output: () => out, exited, otlpUrl };
}
