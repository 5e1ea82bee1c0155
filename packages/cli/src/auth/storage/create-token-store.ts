// Chooses the token backend from BATON_STORE (keychain | file | auto) and says honestly why: auto
// uses the OS keychain when a write/read/delete probe passes within the time limit, keeps it (and
// its LOCKED/DENIED errors) when it is locked or denied, and falls back to files otherwise.
import { randomBytes } from 'node:crypto';
import {
  TokenStoreError,
  systemClock,
  type Clock,
  type StoreBackend,
  type TokenStore,
} from '@baton/core';
import { resolvePaths, type Env } from '../../paths.js';
import { EncryptedFileTokenStore } from './encrypted-file-token-store.js';
import { KEYCHAIN_TIMEOUT_MS, createKeychain, type Keychain } from './keychain.js';
import { KeychainTokenStore } from './keychain-token-store.js';

export const STORE_CHOICES = ['keychain', 'file', 'auto'] as const;
export type StoreChoice = (typeof STORE_CHOICES)[number];
/** Service under which the availability probe writes its throwaway entry. */
export const PROBE_SERVICE = 'baton-probe';

export interface ProbeResult {
  ok: boolean;
  /** Why the probe failed (code and message), absent when it passed. */
  error?: TokenStoreError;
  elapsedMs: number;
}

export interface CreateTokenStoreOptions {
  env?: Env;
  clock?: Clock;
  /** The keychain to use (default: the real one with a 3 s limit per call). */
  keychain?: Keychain;
  /** Limit for the whole availability probe. */
  probeTimeoutMs?: number;
  /** Re-probe instead of using this process's cached result. */
  freshProbe?: boolean;
}

export interface CreatedTokenStore {
  store: TokenStore;
  backend: Exclude<StoreBackend, 'memory'>;
  /** One line saying why this backend was chosen. */
  reason: string;
}

export class StoreChoiceError extends Error {
  override readonly name = 'StoreChoiceError';
}

export function parseStoreChoice(value: string | undefined): StoreChoice {
  const choice = (value ?? '').trim().toLowerCase() || 'auto';
  if ((STORE_CHOICES as readonly string[]).includes(choice)) return choice as StoreChoice;
  throw new StoreChoiceError(
    `BATON_STORE=${JSON.stringify(value)} is not valid: use one of ${STORE_CHOICES.join(', ')}`,
  );
}

/** Probe failures that mean the keychain exists but the user has to act (unlock it, allow baton). */
const USER_MUST_ACT: ReadonlySet<string> = new Set(['LOCKED', 'DENIED']);

let cachedProbe: Promise<ProbeResult> | undefined;

/** Writes, reads back and deletes a random entry, all within `timeoutMs`. */
export async function probeKeychain(
  keychain: Keychain,
  clock: Clock = systemClock,
  timeoutMs = KEYCHAIN_TIMEOUT_MS,
): Promise<ProbeResult> {
  const started = clock.now();
  const account = `probe-${randomBytes(8).toString('hex')}`;
  const value = randomBytes(16).toString('hex');
  const timer = new AbortController();
  const attempt = (async () => {
    await keychain.setPassword(PROBE_SERVICE, account, value);
    const read = await keychain.getPassword(PROBE_SERVICE, account);
    await keychain.deletePassword(PROBE_SERVICE, account);
    if (read !== value) {
      throw new TokenStoreError('UNAVAILABLE', 'the OS keychain did not return what was written', {
        backend: 'keychain',
      });
    }
  })();
  const timeout = clock.sleep(timeoutMs, timer.signal).then(
    () => {
      throw new TokenStoreError(
        'TIMEOUT',
        `the OS keychain probe took longer than ${timeoutMs} ms`,
        {
          backend: 'keychain',
        },
      );
    },
    () => undefined,
  );
  try {
    await Promise.race([attempt, timeout]);
    return { ok: true, elapsedMs: clock.now() - started };
  } catch (error) {
    const storeError =
      error instanceof TokenStoreError
        ? error
        : new TokenStoreError('UNAVAILABLE', `the OS keychain probe failed: ${String(error)}`, {
            backend: 'keychain',
            cause: error,
          });
    return { ok: false, error: storeError, elapsedMs: clock.now() - started };
  } finally {
    timer.abort();
    attempt.catch(() => undefined);
  }
}

/** Builds the store BATON_STORE asks for; `auto` probes the keychain once per process. */
export async function createTokenStore(
  options: CreateTokenStoreOptions = {},
): Promise<CreatedTokenStore> {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const choice = parseStoreChoice(env.BATON_STORE);
  const keychain = options.keychain ?? createKeychain({ clock });
  const fileStore = (): EncryptedFileTokenStore =>
    new EncryptedFileTokenStore({
      dir: resolvePaths(env).tokensDir,
      ...(env.BATON_STORE_PASSPHRASE ? { passphrase: env.BATON_STORE_PASSPHRASE } : {}),
    });
  const fileProtection = env.BATON_STORE_PASSPHRASE ? 'passphrase' : 'machine-bound key';

  if (choice === 'keychain') {
    return {
      store: new KeychainTokenStore({ keychain }),
      backend: 'keychain',
      reason: 'BATON_STORE=keychain',
    };
  }
  if (choice === 'file') {
    return {
      store: fileStore(),
      backend: 'file',
      reason: `BATON_STORE=file (encrypted, ${fileProtection})`,
    };
  }
  const probe =
    options.freshProbe || options.keychain
      ? probeKeychain(keychain, clock, options.probeTimeoutMs)
      : (cachedProbe ??= probeKeychain(keychain, clock, options.probeTimeoutMs));
  const result = await probe;
  if (result.ok) {
    return {
      store: new KeychainTokenStore({ keychain }),
      backend: 'keychain',
      reason: `the OS keychain passed the availability probe (${result.elapsedMs} ms)`,
    };
  }
  const why = result.error ? `${result.error.code}: ${result.error.message}` : 'probe failed';
  if (result.error && USER_MUST_ACT.has(result.error.code)) {
    // A locked or denied keychain still holds the user's tokens: switching to files would make them
    // look logged out and start logins whose result the keychain would never see. Stay, and let
    // every read report the lock so the user unlocks it (BEHAVIOR §2, lesson 11).
    return {
      store: new KeychainTokenStore({ keychain }),
      backend: 'keychain',
      reason: `the OS keychain is there but refused the probe (${why}); ${result.error.remediation}`,
    };
  }
  return {
    store: fileStore(),
    backend: 'file',
    reason: `the OS keychain is not usable (${why}); using encrypted files (${fileProtection})`,
  };
}

/** Forgets this process's cached probe result (tests, or after the user unlocked the keychain). */
export function resetKeychainProbe(): void {
  cachedProbe = undefined;
}
