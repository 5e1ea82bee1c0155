import { defineConfig } from 'vitest/config';

// core imports no other workspace package, so it needs no source aliases (and stays self-contained
// for Stryker's sandbox copy).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
