#!/usr/bin/env node
// Thin launcher: the CLI is TypeScript run by Node 24's built-in type stripping.
import { main } from '../cli/main.ts';
main(process.argv.slice(2)).then((code) => process.exit(code));
