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
// BATON_MUTATION_TESTS (comma-separated globs) narrows the run to one module's tests while its
// survivors are worked on: static mutants run every included test, the handler's model test too.
const only = process.env.BATON_MUTATION_TESTS?.split(',').filter((glob) => glob !== '');

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
    include: only ?? [
      'src/auth/BucketFailoverHandlerImpl.model.test.ts',
      'src/auth/proactive-renewal.test.ts',
      'src/auth/**/*.mutants.test.ts',
      // The ledger's and the lock's own tests: real files in a temp dir on a fake clock, fast. Their
      // cross-process tests (*.processes.test.ts) run children from the workspace sources, not the
      // mutated sandbox, so they could not kill a mutant and stay out.
      'src/auth/storage/cooldown-ledger.test.ts',
      'src/auth/storage/cooldown-ledger.guess.test.ts',
      'src/auth/storage/file-lock.test.ts',
    ],
    setupFiles: ['test/mutation-setup.ts'],
    // Fewer model runs than the default 1000: each surviving mutant runs the whole model test.
    env: { BATON_MODEL_RUNS: process.env.BATON_MODEL_RUNS ?? '300' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
