// The CLI's version, read once from its own package.json so there is one place to bump it.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pkg = require('../package.json') as { version: string };

export const BATON_VERSION: string = pkg.version;
