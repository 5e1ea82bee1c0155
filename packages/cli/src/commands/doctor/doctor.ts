// `baton doctor`: checks the keychain, the token store, baton's directories, the profiles and
// custom providers, and the clock against the provider; prints each problem with its fix.
import { resolveProfile } from '../../config/active-profile.js';
import { listProfiles } from '../../config/profile.js';
import {
  listCustomProviderNames,
  readCustomProvider,
  resolveProviderConfig,
} from '../../config/provider-registry.js';
import { readSettings } from '../../config/settings.js';
import type { Keychain } from '../../auth/storage/index.js';
import { EXIT_FAILURE, describeError, type ExitCode } from '../../ui/errors.js';
import { formatTable } from '../../ui/output.js';
import type { Factory } from '../factory.js';
import { fail, ok, type CheckResult } from './check.js';
import { checkClockSkew } from './clock-skew.js';
import { checkLockDir, checkPrivateDir } from './dir-checks.js';
import { checkStore } from './store-checks.js';

export interface DoctorOptions {
  factory: Factory;
  json?: boolean;
  /** false for --no-clock-check (no network at all). */
  clockCheck?: boolean;
  /** The keychain to probe (tests); default the OS keychain. */
  keychain?: Keychain;
}

export async function runDoctor(options: DoctorOptions): Promise<ExitCode | void> {
  const { factory } = options;
  const { paths } = factory;
  const results: CheckResult[] = [
    await checkPrivateDir('config dir', paths.configDir),
    await checkPrivateDir('data dir', paths.dataDir),
    await checkLockDir(paths.locksDir),
    ...(await checkStore({
      env: factory.env,
      clock: factory.clock,
      ...(options.keychain ? { keychain: options.keychain } : {}),
    })),
    ...(await checkConfigFiles(factory)),
  ];
  if (options.clockCheck !== false) results.push(await checkClock(factory));

  const failed = results.some((r) => r.status === 'fail');
  if (options.json) {
    factory.out.json({ ok: !failed, checks: results });
  } else {
    printResults(factory, results);
  }
  return failed ? EXIT_FAILURE : undefined;
}

async function checkConfigFiles(factory: Factory): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const guard = async (
    name: string,
    body: () => CheckResult | Promise<CheckResult>,
  ): Promise<void> => {
    try {
      results.push(await body());
    } catch (error) {
      const d = describeError(error);
      results.push(fail(name, d.message, d.next ?? 'run `baton doctor --debug` for details'));
    }
  };
  await guard('settings', async () => {
    const settings = await readSettings(factory.paths);
    return ok(
      'settings',
      settings.activeProfile ? `active profile: ${settings.activeProfile}` : 'no active profile',
    );
  });
  const entries = await listProfiles(factory.paths);
  for (const entry of entries) {
    if (entry.error) {
      results.push(
        fail(`profile ${entry.name}`, entry.error.message, `fix or delete ${entry.error.filePath}`),
      );
    }
  }
  results.push(ok('profiles', `${entries.length} profile file(s) in ${factory.paths.configDir}`));
  for (const name of listCustomProviderNames(factory.paths)) {
    await guard(`provider ${name}`, () => {
      const config = readCustomProvider(factory.paths, name);
      return ok(
        `provider ${name}`,
        `custom ${config?.flow ?? ''} provider, API ${config?.baseUrl ?? ''}`,
      );
    });
  }
  return results;
}

async function checkClock(factory: Factory): Promise<CheckResult> {
  let baseUrl: string;
  try {
    const profile = await resolveProfile(factory, undefined);
    baseUrl =
      profile.baseUrl ??
      resolveProviderConfig(profile.provider, factory.paths, { allowRetired: true }).baseUrl;
  } catch {
    return ok('clock', 'not checked: no usable profile names a provider to compare with');
  }
  return checkClockSkew(baseUrl, factory.clock);
}

function printResults(factory: Factory, results: readonly CheckResult[]): void {
  const { out } = factory;
  const icon = {
    ok: out.colors.successIcon,
    warn: out.colors.warningIcon,
    fail: out.colors.failureIcon,
  };
  const lines = formatTable(results.map((r) => [icon[r.status], r.name, r.detail]));
  results.forEach((r, i) => {
    out.info(lines[i] ?? '');
    if (r.fix) out.info(`     fix: ${r.fix}`);
  });
  const problems = results.filter((r) => r.status !== 'ok').length;
  out.info(problems === 0 ? 'no problems found' : `${problems} problem(s) found`);
}
