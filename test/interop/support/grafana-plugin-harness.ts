/**
 * Builds and runs the Go harness under test/interop/grafana-plugin/ (Grafana's ClickHouse datasource
 * query path: the plugin's driver and the plugin SDK, without Grafana). The binary is cached outside
 * the clone, keyed by the harness's sources, go.mod/go.sum and the Go version.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../../grafana/paths.ts';
import { keyedCacheDir } from './cache-dir.ts';
import { requireGo } from './toolchains.ts';

export const HARNESS_DIR = join(REPO_ROOT, 'test/interop/grafana-plugin');

/** The harness's pins: plugin release and the driver/SDK versions that release's go.mod requires. */
export interface PluginPins {
  readonly plugin: string;
  readonly pluginCommit: string;
  readonly modules: Readonly<Record<string, string>>;
}

export function readPins(): PluginPins {
  return JSON.parse(readFileSync(join(HARNESS_DIR, 'plugin-pins.json'), 'utf8')) as PluginPins;
}

/** `require` lines of the harness's go.mod: module → version. */
export function goModRequires(): Record<string, string> {
  const text = readFileSync(join(HARNESS_DIR, 'go.mod'), 'utf8');
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^\s*(?:require\s+)?([\w./-]+\/[\w./-]+)\s+(v\S+)/gm)) out[m[1]!] = m[2]!;
  return out;
}

/** Build the harness (or reuse the cached binary); returns its path and whether it was built now. */
export function buildHarness(): { binary: string; builtMs: number | null } {
  const go = requireGo();
  const sources = readdirSync(HARNESS_DIR).filter((f) => /\.(go|mod|sum|json)$/.test(f)).sort();
  const dir = keyedCacheDir('grafana-plugin-harness', [go.version, ...sources.flatMap((f) => [f, readFileSync(join(HARNESS_DIR, f))])]);
  const binary = join(dir, 'grafana-plugin');
  if (existsSync(binary)) return { binary, builtMs: null };
  const started = Date.now();
  // go.sum is committed: a missing or changed checksum is an error, never a silent update.
  execFileSync('go', ['build', '-mod=readonly', '-o', binary, '.'], { cwd: HARNESS_DIR, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, GOFLAGS: '-buildvcs=false' } });
  return { binary, builtMs: Date.now() - started };
}

export interface HarnessQuery {
  readonly id: string;
  readonly refId: string;
  /** The plugin's format: 0 time series, 1 table, 2 logs, 3 traces. */
  readonly format: number;
  readonly sql: string;
  readonly dashboardUid?: string;
  readonly panelId?: string;
  readonly ruleUid?: string;
}

export interface HarnessRequest {
  readonly provisioning: string;
  readonly datasourceUid: string;
  readonly env: Readonly<Record<string, string>>;
  readonly hostVar: string;
  readonly portVar: string;
  readonly grafanaVersion: string;
  readonly pluginVersion: string;
  readonly grafanaUser: string;
  readonly queries: readonly HarnessQuery[];
}

export interface WireRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Record<string, string[]>;
  readonly headers: string[];
  readonly userAgent: string;
  readonly acceptEncoding: string;
  readonly contentEncoding: string;
  readonly body: string;
  readonly status: number;
  readonly responseFormat: string;
  readonly responseEncoding: string;
}

export interface FrameSummary {
  readonly fields: { name: string; type: string; time: boolean; numeric: boolean; labels?: Record<string, string> }[];
  readonly rows: number;
  readonly values: unknown[][];
  readonly preferredVisualization?: string;
  readonly timeSeriesKind: 'long' | 'wide' | 'not';
}

export interface HarnessResult {
  readonly settings: Record<string, unknown>;
  readonly health: { status: string; message: string; wire: WireRequest[] };
  readonly queries: { id: string; error?: string; frames: FrameSummary[] | null; durationMs: number; wire: WireRequest[] }[];
}

export async function runHarness(binary: string, req: HarnessRequest, workDir: string): Promise<HarnessResult> {
  const file = join(workDir, 'harness-request.json');
  writeFileSync(file, JSON.stringify(req));
  const { stdout } = await promisify(execFile)(binary, [file], { maxBuffer: 256 * 1024 * 1024, timeout: 240_000 });
  return JSON.parse(stdout) as HarnessResult;
}
