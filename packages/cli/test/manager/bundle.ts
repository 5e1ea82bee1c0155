// Compiles a TypeScript fixture into one ES module once per test file, so that many child processes
// start on plain node: under tsx each child spends ~1.5 s of CPU loading the sources, bundled ~0.4 s.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES_DIR = path.join(PACKAGE_DIR, 'test', 'fixtures');
/**
 * Inside the package's node_modules (ignored by git) rather than a temp dir: the bundle loads the
 * native modules from there, exactly as the sources do.
 */
const OUT_DIR = path.join(PACKAGE_DIR, 'node_modules', '.cache', 'baton-test-bundles');
/** Native bindings stay outside the bundle and are resolved at run time. */
const NATIVE_PACKAGES = ['@napi-rs/keyring', 'fs-native-extensions'];
/** CommonJS dependencies inside an ES bundle need a `require`. */
const REQUIRE_SHIM =
  "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);";

export interface BundledFixture {
  file: string;
  remove(): Promise<void>;
}

/** Bundles `test/fixtures/<fixture>` with workspace packages taken from source. */
export async function bundleFixture(fixture: string): Promise<BundledFixture> {
  await mkdir(OUT_DIR, { recursive: true });
  const file = path.join(OUT_DIR, `${path.parse(fixture).name}-${process.pid}-${Date.now()}.mjs`);
  await build({
    entryPoints: [path.join(FIXTURES_DIR, fixture)],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@baton/source'],
    external: NATIVE_PACKAGES,
    banner: { js: REQUIRE_SHIM },
    logLevel: 'error',
  });
  return { file, remove: () => rm(file, { force: true }) };
}
