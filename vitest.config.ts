import { defineConfig } from 'vitest/config';

/** Real OpenClaw agent turns (~30 s each) and the packed-package install: their own project, same `npm test`. */
const HEAVY = ['test/openclaw-agent.test.ts', 'test/package-install.test.ts'];
/** Real peers built with Go and Python (contrib collector, Grafana's plugin backend, Python agents): `npm run test:interop`. */
const INTEROP = ['test/interop/**/*.test.ts'];

export default defineConfig({
  test: {
    // chdb binds one data directory per process; isolate test files in forks so each owns its own.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...HEAVY, ...INTEROP, '**/node_modules/**'] } },
      { extends: true, test: { name: 'end-to-end', include: HEAVY, testTimeout: 240_000, hookTimeout: 120_000 } },
      // Builds are cached outside the clone (test/interop/support/cache-dir.ts); a cold one takes minutes.
      { extends: true, test: { name: 'interop', include: INTEROP, testTimeout: 300_000, hookTimeout: 1_800_000 } },
    ],
  },
});
