// Tests import workspace packages from their TypeScript sources, so no build is needed to test.
import { fileURLToPath } from 'node:url';

const src = (pkg: string): string =>
  fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export const sourceAliases: Record<string, string> = {
  '@baton/core': src('core'),
  '@baton/cli': src('cli'),
  '@baton/testkit': src('testkit'),
};
