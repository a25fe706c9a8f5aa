import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // a real chain and node processes start in beforeAll
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
