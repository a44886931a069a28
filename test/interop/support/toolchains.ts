// Moved to tools/ so build scripts outside the tests share it; kept here for the interop tests' imports.
export { requireGo, requirePython, type Toolchain } from '../../../tools/toolchains.ts';
