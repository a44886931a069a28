#!/usr/bin/env node
// Installed package: the compiled CLI in dist/. Checkout (no dist/): the TypeScript sources, run by
// Node 24's type stripping, which Node refuses only under node_modules.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/main.js', import.meta.url);
const { main } = await import(existsSync(built) ? built.href : new URL('../cli/main.ts', import.meta.url).href);
main(process.argv.slice(2)).then((code) => process.exit(code));
