// Doctor checks for token storage: the keychain probe (result and timing) and the backend baton
// uses with how well it protects the tokens, said plainly.
import { isTokenStoreError, type Clock } from '@baton/core';
import {
  createKeychain,
  createTokenStore,
  probeKeychain,
  type Keychain,
} from '../../auth/storage/index.js';
import type { Env } from '../../paths.js';
import { fail, ok, warn, type CheckResult } from './check.js';

/** What each protection level means for a person deciding whether to trust it. */
export function protectionNote(protection: string): string {
  if (protection === 'OS keychain')
    return 'the OS keychain guards the tokens (unlocked with your login)';
  if (protection.includes('passphrase')) {
    return 'encrypted with a key derived from BATON_STORE_PASSPHRASE: a copy of the files is useless without it';
  }
  return 'encrypted with a key file beside the tokens: protects copies of the token files, not against this user';
}

export interface StoreCheckOptions {
  env: Env;
  clock: Clock;
  /** The keychain to probe (default: the real OS keychain). */
  keychain?: Keychain;
}

export async function checkStore(options: StoreCheckOptions): Promise<CheckResult[]> {
  const keychain = options.keychain ?? createKeychain({ clock: options.clock });
  const results: CheckResult[] = [];
  const probe = await probeKeychain(keychain, options.clock);
  let chosen;
  try {
    chosen = await createTokenStore({ env: options.env, clock: options.clock, keychain });
  } catch (error) {
    return [
      fail('token store', (error as Error).message, 'set BATON_STORE to keychain, file or auto'),
    ];
  }
  const usesKeychain = chosen.backend === 'keychain';
  if (probe.ok) {
    results.push(ok('keychain', `the OS keychain answered the probe in ${probe.elapsedMs} ms`));
  } else {
    const why = probe.error ? `${probe.error.code}: ${probe.error.message}` : 'probe failed';
    const fix = probe.error?.remediation ?? 'set BATON_STORE=file';
    const detail = `the OS keychain failed the probe after ${probe.elapsedMs} ms (${why})`;
    results.push(usesKeychain ? fail('keychain', detail, fix) : warn('keychain', detail, fix));
  }
  const described = chosen.store.describe();
  results.push(
    ok(
      'token store',
      `${described.backend}: ${described.durability} (${chosen.reason}); ${protectionNote(described.protection)}`,
    ),
  );
  if (chosen.backend === 'file') {
    results.push(await checkFileStoreKey(chosen.store));
  }
  return results;
}

/** Reading a bucket with the wrong key or passphrase shows up before a request needs it. */
async function checkFileStoreKey(store: {
  listProviders(): Promise<string[]>;
  listBuckets(p: string): Promise<string[]>;
  get(p: string, b: string): Promise<unknown>;
}): Promise<CheckResult> {
  try {
    for (const provider of await store.listProviders()) {
      for (const bucket of await store.listBuckets(provider)) await store.get(provider, bucket);
    }
    return ok('token files', 'every stored bucket can be decrypted');
  } catch (error) {
    if (isTokenStoreError(error)) {
      return fail('token files', error.message, error.remediation);
    }
    return fail('token files', (error as Error).message, 'run `baton doctor --debug` for details');
  }
}
