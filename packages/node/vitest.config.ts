import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['./test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // the end-to-end suites each run a chain and node processes: one file at a time on 2 cores
    fileParallelism: false,
  },
});
