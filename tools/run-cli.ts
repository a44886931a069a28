/**
 * Runs the `flightrec` CLI as its own process (this Node binary, the .ts entry point), the way a
 * user would, and collects its exit code and output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function startCli(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', FLIGHTREC_URL: '', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runCli(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const child = startCli(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface RunningUp {
  readonly child: ChildProcess;
  readonly otlpUrl: string;
  readonly queryUrl: string;
  /** Everything `up` wrote so far (stdout and stderr). */
  output(): string;
  /** SIGINT, as Ctrl-C would, and resolve with its exit code. */
  stop(): Promise<number | null>;
}

/** Start `flightrec up` as its own process and resolve once it listens (pass `--otlp-port 0 --query-port 0`). */
export async function startUp(args: readonly string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<RunningUp> {
  const child = startCli(['up', ...args], opts);
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Press Ctrl-C to stop.')) resolve();
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => reject(new Error(`flightrec up exited with ${code}:\n${out}`)));
  });
  return {
    child,
    otlpUrl: /OTLP\/HTTP traces:\s+(\S+)\/v1\/traces/.exec(out)![1]!,
    queryUrl: /ClickHouse HTTP:\s+(\S+)/.exec(out)![1]!,
    output: () => out,
    stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}
