// The plan tool's own tests (run by the root `test:plan` script, which turbo runs before the
// package tests); fixtures/ holds data, not tests.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['*.test.ts'],
    testTimeout: 30_000,
  },
});
