/**
 * The contrib collector distribution (collector-config/builder-config.yaml), built once per manifest by
 * tools/build-collector.ts (a cold build takes minutes: the first test file to ask builds it, the others
 * wait on its lock), and run with the shipped configs on free loopback ports.
 *
 * What a test changes in a shipped config is passed as `--set` overrides and listed in `LOOPBACK`:
 * listening addresses (the shipped ones are 0.0.0.0 on fixed ports) and the collector's own metrics
 * endpoint (off, so instances never share port 8888). Everything else is the file as shipped.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FEATURE_GATES } from '../instrumentation/redaction/collector-blocks.ts';
import { buildCollector } from './build-collector.ts';

export const CONFIG = fileURLToPath(new URL('../collector-config/otel-collector.yaml', import.meta.url));
export const CLUSTER_OVERLAY = fileURLToPath(new URL('../collector-config/otel-collector.cluster.yaml', import.meta.url));
export const LOADBALANCER = fileURLToPath(new URL('../collector-config/otel-collector.loadbalancer.yaml', import.meta.url));
export const EMBEDDED_OVERLAY = fileURLToPath(new URL('../collector-config/otel-collector.embedded.yaml', import.meta.url));

let binary: Promise<string> | undefined;
/** The collector executable, built on first use (Go required: a clear error otherwise). */
export function collectorBinary(): Promise<string> {
  binary ??= buildCollector({ log: (line) => console.error(line) }).then((b) => {
    if (b.built) console.error(`collector built in ${b.seconds.toFixed(0)} s: ${b.binary}`);
    return b.binary;
  });
  return binary;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * `otelcol validate` on config files (merged in order, as `--config` repeated), with the feature gate
 * the shipped redaction stage needs (as docs/deploy.md runs it; `gates: []` leaves it off); resolves
 * with its output, rejects on a non-zero exit.
 */
export async function validate(configs: readonly string[], env: NodeJS.ProcessEnv = {}, gates: readonly string[] = [FEATURE_GATES]): Promise<string> {
  const bin = await collectorBinary();
  const { stdout, stderr } = await promisify(execFile)(bin, ['validate', ...gates, ...configs.map((c) => `--config=${c}`)], { env: { ...process.env, ...env } });
  return stdout + stderr;
}

export interface RunningCollector {
  readonly pid: number;
  /** OTLP/HTTP base URL (append /v1/traces). */
  readonly otlpHttpUrl: string;
  /** OTLP/gRPC `host:port`. */
  readonly grpcAddress: string;
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM, then wait: the collector flushes its batch and sending queue on shutdown. */
  stop(): Promise<void>;
}

export interface CollectorRun {
  readonly configs?: readonly string[];
  /** More `--set` overrides (key=value, YAML values). */
  readonly sets?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** Starts the collector and resolves once its health check answers (or rejects with its output). */
export async function startCollector(run: CollectorRun = {}): Promise<RunningCollector> {
  const bin = await collectorBinary();
  const [grpc, http, health] = [await freePort(), await freePort(), await freePort()];
  const loopback = [
    `receivers.otlp.protocols.grpc.endpoint=127.0.0.1:${grpc}`,
    `receivers.otlp.protocols.http.endpoint=127.0.0.1:${http}`,
    `extensions.health_check.endpoint=127.0.0.1:${health}`,
    'service.telemetry.metrics.level=none',
  ];
  const args = [FEATURE_GATES, ...(run.configs ?? [CONFIG]).map((c) => `--config=${c}`), ...[...loopback, ...(run.sets ?? [])].map((s) => `--set=${s}`)];
  const child = spawn(bin, args, { env: { ...process.env, ...run.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the collector exited with ${child.exitCode}:\n${out}`);
    try {
      if ((await fetch(`http://127.0.0.1:${health}/`)).status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`the collector did not become healthy in 60 s:\n${out}`); }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    pid: child.pid!,
    otlpHttpUrl: `http://127.0.0.1:${http}`,
    grpcAddress: `127.0.0.1:${grpc}`,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) { child.kill('SIGTERM'); await exited; }
    },
  };
}

/** POST one OTLP body (protobuf, or JSON when a string); throws unless the receiver accepted it. */
export async function postOtlp(baseUrl: string, body: Uint8Array | string): Promise<void> {
  const type = typeof body === 'string' ? 'application/json' : 'application/x-protobuf';
  const res = await fetch(`${baseUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': type }, body });
  if (res.status !== 200) throw new Error(`OTLP POST to ${baseUrl} answered ${res.status}: ${await res.text()}`);
}

/** Polls `probe` until it returns true (or throws after `ms`). */
export async function waitFor(what: string, probe: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
