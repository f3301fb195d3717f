import { defineConfig } from 'vitest/config';

/**
 * Three suites. Unit tests are pure Node. Browser and e2e tests are Node tests that drive Debian Chromium through
 * playwright-core against one Vite dev server (globalSetup): they run one file at a time because this machine has
 * two cores and every file starts a browser.
 */
export default defineConfig({
  test: {
    projects: [
      // Unit files run in parallel on two cores: the exhaustive equality tests (e.g. render-cpu-fast: 218 frames
      // against the frozen reference) take 3-8 s there, over vitest's 5 s default. Correctness tests, not timed ones.
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node', testTimeout: 30_000 } },
      {
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts', 'tests/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
