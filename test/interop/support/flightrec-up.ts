/**
 * `flightrec up` as its own process (the CLI, as a user runs it) on free loopback ports in a temp
 * data directory, resolved once it listens; stop() sends Ctrl-C, waits for exit and removes the data.
 */
import type { ChildProcess } from 'node:child_process';
import { startCli } from '../../support/run-cli.ts';
import { tempDir } from '../../support/temp-dir.ts';

export interface RunningUp {
  readonly child: ChildProcess;
  readonly otlpUrl: string;
  readonly queryUrl: string;
  readonly output: () => string;
  stop(): Promise<number | null>;
}

export async function startFlightrecUp(env: NodeJS.ProcessEnv): Promise<RunningUp> {
  const dir = tempDir('flightrec-up-');
  const child = startCli(['up', '--data-dir', dir.path, '--otlp-port', '0', '--query-port', '0'], { env });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Press Ctrl-C to stop.')) resolve();
    });
    void exited.then((code) => reject(new Error(`flightrec up exited with ${code}:\n${out}`)));
  });
  const otlpUrl = /OTLP\/HTTP traces:\s+(\S+?)\/v1\/traces/.exec(out)![1]!;
  const queryUrl = /ClickHouse HTTP:\s+(\S+)/.exec(out)![1]!;
  return {
    child,
    otlpUrl,
    queryUrl,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      const code = await exited;
      dir.cleanup();
      return code;
    },
  };
}
