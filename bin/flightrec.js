#!/usr/bin/env node
// A checkout runs the TypeScript sources (Node 24 strips types); the installed package ships only
// the compiled dist/, because Node refuses to strip types under node_modules.
import { existsSync } from 'node:fs';

// Before anything uses libuv's thread pool (it is sized on first use): see cli/main.ts.
process.env.UV_THREADPOOL_SIZE ??= '8';

const source = new URL('../cli/main.ts', import.meta.url);
const { main } = await import(existsSync(source) ? source.href : new URL('../dist/cli/main.js', import.meta.url).href);
main(process.argv.slice(2)).then((code) => process.exit(code));
