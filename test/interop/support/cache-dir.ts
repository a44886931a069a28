// Moved to tools/ so build scripts outside the tests share it; kept here for the interop tests' imports.
export { cacheRoot, keyedCacheDir } from '../../../tools/cache-dir.ts';
