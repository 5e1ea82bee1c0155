// The vitest config Stryker runs for each mutant: the in-process tests of the mutated modules (not
// the provider clients' HTTP tests), with a fixed fast-check seed so a mutant's verdict is stable.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/providers/*.test.ts', 'src/auth/*.test.ts', 'src/util/*.test.ts'],
    setupFiles: ['test/mutation-setup.ts'],
    // Each mutant reruns the covering test files: importing their modules once per worker, not once
    // per file, is most of the time saved (the tests keep no state between files).
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
