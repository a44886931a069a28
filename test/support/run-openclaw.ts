/**
 * Runs one real OpenClaw agent turn (`openclaw agent --local`) from the devDependency, on the
 * project's Node 24, with HOME and OpenClaw's state in a fresh temp dir and the config written
 * there — nothing of the user's own OpenClaw setup is read or touched.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
export const PLUGIN_DIR = join(ROOT, 'openclaw');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const OPENCLAW = join(ROOT, 'node_modules', 'openclaw', 'openclaw.mjs');

export interface OpenClawRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
  /** The `--json` result, when the run printed one. */
  readonly result: { payloads?: { text?: string }[]; meta?: { agentMeta?: { sessionId?: string } } } | undefined;
}

export interface RunOptions {
  readonly home: string;
  readonly modelBaseUrl: string;
  readonly message: string;
  /** plugins.entries.flightrec.config */
  readonly pluginConfig: Record<string, unknown>;
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
  /** The plugin folder OpenClaw loads: openclaw/ (sources) unless given, e.g. a packed dist/openclaw. */
  readonly pluginDir?: string;
}

export function openclawConfig(o: RunOptions): unknown {
  return {
    models: { providers: { mock: { baseUrl: o.modelBaseUrl, apiKey: 'sk-local', api: 'openai-completions', models: [{ id: 'm1', name: 'Scripted model' }] } } },
    agents: { defaults: { model: { primary: 'mock/m1' }, workspace: join(o.home, 'workspace') } },
    plugins: {
      load: { paths: [o.pluginDir ?? PLUGIN_DIR] },
      entries: { flightrec: { enabled: true, hooks: { allowConversationAccess: true }, config: o.pluginConfig } },
    },
  };
}

function parseJsonTail(stdout: string): OpenClawRun['result'] {
  const start = stdout.indexOf('{');
  if (start < 0) return undefined;
  try {
    return JSON.parse(stdout.slice(start)) as OpenClawRun['result'];
  } catch {
    return undefined;
  }
}

export function runOpenClaw(o: RunOptions): Promise<OpenClawRun> {
  mkdirSync(join(o.home, 'workspace'), { recursive: true });
  const configPath = join(o.home, 'openclaw.json');
  writeFileSync(configPath, JSON.stringify(openclawConfig(o), null, 2));
  const started = Date.now();
  return new Promise((resolveRun, reject) => {
    const child = spawn(NODE, [OPENCLAW, 'agent', '--local', '--agent', 'main', '--message', o.message, '--json'], {
      cwd: o.home,
      env: {
        PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
        HOME: o.home,
        OPENCLAW_STATE_DIR: join(o.home, '.openclaw'),
        OPENCLAW_CONFIG_PATH: configPath,
        // Keep every exporter on loopback: no OTEL_* from the test runner's environment leaks in.
        ...o.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr, seconds: (Date.now() - started) / 1000, result: parseJsonTail(stdout) });
    });
  });
}
