/**
 * `npm run collector:build`: builds the collector distribution described by
 * collector-config/builder-config.yaml with the OpenTelemetry Collector Builder, into a cache folder keyed
 * by the manifest's bytes and the Go version (tools/cache-dir.ts), so an unchanged manifest is built once
 * per machine. Prints the binary's path. The interop tests call `buildCollector()` from their global setup.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { keyedCacheDir } from './cache-dir.ts';
import { requireGo } from './toolchains.ts';

export const MANIFEST = fileURLToPath(new URL('../collector-config/builder-config.yaml', import.meta.url));

export interface CollectorBuild {
  /** The collector executable. */
  readonly binary: string;
  /** The cache folder it lives in (build log, generated sources). */
  readonly dir: string;
  /** The collector/contrib release every component is pinned to, e.g. `v0.161.0`. */
  readonly release: string;
  /** False when the cached binary was reused. */
  readonly built: boolean;
  /** Wall-clock seconds of this build (0 when reused). */
  readonly seconds: number;
}

interface Manifest { readonly name: string; readonly release: string }

/** The distribution's name and the one release its components are pinned to (it must be one). */
function readManifest(text: string): Manifest {
  const doc = parseDocument(text).toJS() as Record<string, unknown>;
  const dist = doc.dist as { name?: unknown } | undefined;
  if (typeof dist?.name !== 'string') throw new Error('builder manifest: dist.name is missing');
  const releases = new Set<string>();
  for (const kind of ['receivers', 'processors', 'exporters', 'extensions', 'connectors']) {
    for (const entry of (doc[kind] as Array<{ gomod?: string }> | undefined) ?? []) {
      const version = /\s(v\d+\.\d+\.\d+)$/.exec(entry.gomod ?? '')?.[1];
      if (!version) throw new Error(`builder manifest: ${kind} entry without a pinned version: ${entry.gomod}`);
      releases.add(version);
    }
  }
  if (releases.size !== 1) throw new Error(`builder manifest: components must share one release, found ${[...releases].join(', ')}`);
  return { name: dist.name, release: [...releases][0]! };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, log: string): Promise<void> {
  return new Promise((done, fail) => {
    const out = createWriteStream(log, { flags: 'a' });
    out.write(`$ ${command} ${args.join(' ')}\n`);
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('error', fail);
    child.on('close', (code) => {
      out.end();
      if (code === 0) done();
      else {
        const tail = readFileSync(log, 'utf8').split('\n').slice(-30).join('\n');
        fail(new Error(`${command} ${args[0]} failed (exit ${code}); log: ${log}\n${tail}`));
      }
    });
  });
}

/** Waits for another process's build of the same manifest (a lock folder holding its pid). */
async function lock(dir: string): Promise<() => void> {
  const path = join(dir, '.lock');
  for (;;) {
    try {
      mkdirSync(path);
      writeFileSync(join(path, 'pid'), String(process.pid));
      return () => rmSync(path, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(join(path, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
      let alive = pid > 0;
      if (alive) { try { process.kill(pid, 0); } catch { alive = false; } }
      if (!alive) { rmSync(path, { recursive: true, force: true }); continue; }
      await new Promise((wake) => setTimeout(wake, 2000));
    }
  }
}

/** Builds (or finds) the collector for `manifestPath`; throws a one-line error when Go is missing. */
export async function buildCollector(options: { manifestPath?: string; log?: (line: string) => void } = {}): Promise<CollectorBuild> {
  const say = options.log ?? (() => {});
  const manifestPath = resolve(options.manifestPath ?? MANIFEST);
  const go = requireGo();
  const manifestBytes = readFileSync(manifestPath);
  const manifest = readManifest(manifestBytes.toString('utf8'));
  const dir = keyedCacheDir('otelcol', [manifestBytes, go.version]);
  const binary = join(dir, manifest.name);
  const reuse = (): CollectorBuild => ({ binary, dir, release: manifest.release, built: false, seconds: 0 });
  if (existsSync(binary)) return reuse();

  const unlock = await lock(dir);
  try {
    if (existsSync(binary)) return reuse();
    const started = process.hrtime.bigint();
    const log = join(dir, 'build.log');
    rmSync(log, { force: true });
    say(`building the collector (${manifest.release}, ${go.version}) into ${dir}; log: ${log}`);
    const env = { ...process.env, GOBIN: join(dir, 'builder-bin'), CGO_ENABLED: process.env.CGO_ENABLED ?? '0' };
    await run('go', ['install', `go.opentelemetry.io/collector/cmd/builder@${manifest.release}`], env, log);
    // The builder takes its output folder from the manifest only: a copy with dist.output_path set.
    const doc = parseDocument(manifestBytes.toString('utf8'));
    const sources = join(dir, 'sources');
    doc.setIn(['dist', 'output_path'], sources);
    const generated = join(dir, 'builder-config.yaml');
    writeFileSync(generated, doc.toString());
    await run(join(dir, 'builder-bin', 'builder'), ['--config', generated], env, log);
    // Moved into place last: a present binary means a finished build.
    renameSync(join(sources, manifest.name), binary);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    writeFileSync(join(dir, 'build.json'), JSON.stringify({ release: manifest.release, go: go.version, seconds, finished: new Date().toISOString() }, null, 2));
    return { binary, dir, release: manifest.release, built: true, seconds };
  } finally {
    unlock();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const build = await buildCollector({ log: (line) => console.error(line) });
    if (build.built) console.error(`built in ${build.seconds.toFixed(0)} s`);
    else console.error('manifest unchanged: reusing the cached build');
    console.log(build.binary);
  } catch (error) {
    console.error(`collector:build: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
