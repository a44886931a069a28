/**
 * collector-config/builder-config.yaml holds exactly the components the shipped collector configs
 * use, each from the one release, and the Go module of each is the one that provides it. Node only:
 * the interop project builds and runs the distribution itself.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const DIR = fileURLToPath(new URL('../collector-config/', import.meta.url));
type Yaml = Record<string, Record<string, unknown> | undefined>;
const manifest = parse(readFileSync(join(DIR, 'builder-config.yaml'), 'utf8')) as Record<string, { gomod: string }[] | undefined>;
const configs = readdirSync(DIR).filter((f) => /^otel-collector.*\.yaml$/.test(f));
const KINDS = ['receivers', 'processors', 'exporters', 'extensions'] as const;
const SUFFIX: Record<(typeof KINDS)[number], string> = { receivers: 'receiver', processors: 'processor', exporters: 'exporter', extensions: 'extension' };

/** `kind/type` for every component a config defines (a component id is `type` or `type/name`). */
function usedIn(file: string): string[] {
  const doc = parse(readFileSync(join(DIR, file), 'utf8')) as Yaml;
  return KINDS.flatMap((kind) => Object.keys(doc[kind] ?? {}).map((id) => `${kind}/${id.split('/')[0]}`));
}

/** `kind/type` a manifest module provides: its last path element less the kind, e.g. memorylimiterprocessor → memory_limiter. */
function provided(): Map<string, string> {
  const out = new Map<string, string>();
  for (const kind of KINDS) {
    for (const { gomod } of manifest[kind] ?? []) {
      const module = gomod.split(' ')[0]!.split('/').at(-1)!;
      out.set(`${kind}/${module.slice(0, -SUFFIX[kind].length)}`, gomod);
    }
  }
  return out;
}
const squash = (id: string): string => id.replaceAll('_', '');

describe('collector-config/builder-config.yaml', () => {
  it('pins every component to one release', () => {
    const versions = new Set(KINDS.flatMap((k) => (manifest[k] ?? []).map((m) => m.gomod.split(' ')[1])));
    expect([...versions]).toEqual(['v0.161.0']);
  });

  it('provides exactly the components the shipped configs use', () => {
    const used = new Set(configs.flatMap(usedIn).map(squash));
    const have = new Set([...provided().keys()].map(squash));
    expect(configs).toEqual(expect.arrayContaining(['otel-collector.yaml', 'otel-collector.cluster.yaml', 'otel-collector.loadbalancer.yaml', 'otel-collector.embedded.yaml']));
    expect([...used].sort()).toEqual([...have].sort());
  });
});

describe('npm run collector:build', () => {
  it('says in one line that Go is missing, and exits 1', () => {
    const script = fileURLToPath(new URL('../tools/build-collector.ts', import.meta.url));
    const r = spawnSync(process.execPath, [script], { env: { PATH: '/usr/bin:/bin', HOME: process.env.HOME }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^collector:build: go is not on PATH \(building the contrib collector .*install Go ≥ 1\.24/);
  });
});
