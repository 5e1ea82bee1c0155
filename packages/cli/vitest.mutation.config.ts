// The vitest config Stryker runs for each mutant: only the fast in-memory tests of the mutated
// modules, with a fixed fast-check seed so a mutant's verdict is the same on every run.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Stryker runs this file from a sandbox copy of the package (packages/cli/.stryker-tmp/...), so
// the shared alias file is not a fixed relative path away: the workspace root is looked up.
const here = dirname(fileURLToPath(import.meta.url));
function workspaceRoot(dir: string): string {
  if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
  const parent = dirname(dir);
  if (parent === dir) throw new Error('no pnpm workspace above the mutation config');
  return workspaceRoot(parent);
}
const root = workspaceRoot(here);

export default defineConfig({
  resolve: {
    alias: {
      '@baton/core': join(root, 'packages/core/src/index.ts'),
      '@baton/testkit': join(root, 'packages/testkit/src/index.ts'),
      // The sandbox's own (mutated) sources, not the workspace's.
      '@baton/cli': join(here, 'src/index.ts'),
    },
  },
  test: {
    include: [
      'src/auth/BucketFailoverHandlerImpl.model.test.ts',
      'src/auth/proactive-renewal.test.ts',
      'src/auth/**/*.mutants.test.ts',
    ],
    setupFiles: ['test/mutation-setup.ts'],
    // Fewer model runs than the default 1000: each surviving mutant runs the whole model test.
    env: { BATON_MODEL_RUNS: process.env.BATON_MODEL_RUNS ?? '300' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
