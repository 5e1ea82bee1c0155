// The reliability suite (pnpm test:reliability): faults and bad inputs against the real parts. Its
// files end in .reliability.ts so that the default `pnpm test` does not pick them up.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { sourceAliases } from '../../../../vitest.shared.js';
import { RowTally } from './row-tally.js';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: { alias: sourceAliases },
  test: {
    include: ['test/reliability/**/*.reliability.ts'],
    reporters: ['default', new RowTally()],
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
