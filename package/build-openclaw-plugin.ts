/**
 * After `tsc -p tsconfig.build.json`: make dist/openclaw a complete OpenClaw plugin folder (its
 * manifest and a package.json whose entry is the compiled plugin.js), so an operator with flightrec
 * installed from npm points OpenClaw at node_modules/flightrec/dist/openclaw. In a checkout,
 * openclaw/ itself is the plugin folder and runs from the TypeScript sources.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRootOf } from './package-root.ts';

const root = packageRootOf(import.meta.url);
const source = join(root, 'openclaw');
const target = join(root, 'dist', 'openclaw');
if (!existsSync(join(target, 'plugin.js'))) {
  console.error(`build-openclaw-plugin: ${join(target, 'plugin.js')} is missing; run tsc -p tsconfig.build.json first`);
  process.exit(1);
}
copyFileSync(join(source, 'openclaw.plugin.json'), join(target, 'openclaw.plugin.json'));
const pkg = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as { openclaw?: { extensions?: string[] } };
pkg.openclaw = { ...pkg.openclaw, extensions: ['./plugin.js'] };
writeFileSync(join(target, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
