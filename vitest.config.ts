import { defineConfig } from 'vitest/config';

/** Real OpenClaw agent turns (~30 s each) and the packed-package install: their own project, same `npm test`. */
const HEAVY = ['test/openclaw-agent.test.ts', 'test/package-install.test.ts'];

export default defineConfig({
  test: {
    // chdb binds one data directory per process; isolate test files in forks so each owns its own.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...HEAVY, '**/node_modules/**'] } },
      { extends: true, test: { name: 'end-to-end', include: HEAVY, testTimeout: 240_000, hookTimeout: 120_000 } },
    ],
  },
});
