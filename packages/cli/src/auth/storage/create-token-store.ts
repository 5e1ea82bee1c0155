// Chooses the token backend and says honestly why and whether it answers. BATON_STORE=keychain|file
// forces one; `auto` decides once (keychain when its probe passes or it is merely locked, else
// files; token files already there keep files) and records the choice in the data dir. Later a
// keychain that hangs or vanishes is reported as unreachable; the store never switches silently.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import {
  TokenStoreError,
  systemClock,
  type Clock,
  type StoreBackend,
  type TokenStore,
} from '@baton/core';
import { resolvePaths, type Env } from '../../paths.js';
import { readBackendRecord, writeBackendRecord } from './backend-record.js';
import { EncryptedFileTokenStore } from './encrypted-file-token-store.js';
import { KEYCHAIN_TIMEOUT_MS, createKeychain, type Keychain } from './keychain.js';
import { KeychainTokenStore } from './keychain-token-store.js';

export const STORE_CHOICES = ['keychain', 'file', 'auto'] as const;
export type StoreChoice = (typeof STORE_CHOICES)[number];
export type PersistentBackend = Exclude<StoreBackend, 'memory'>;
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
  /** Re-probe instead of using this process's cached result (only cached for process.env). */
  freshProbe?: boolean;
}

export interface CreatedTokenStore {
  store: TokenStore;
  backend: PersistentBackend;
  /** One line saying why this backend is used. */
  reason: string;
  /** `env`: BATON_STORE forced it; `record`: the choice recorded earlier; `decided`: made just now. */
  decidedBy: 'env' | 'record' | 'decided';
  /** Whether the backend answered just now (the keychain probe; for files, the data dir). */
  reachable: boolean;
  /** Why it did not answer, when it did not ("the keychain is unreachable: ..."). */
  outage?: TokenStoreError;
  /** Things worth telling the user (a damaged record that was replaced, a record not written). */
  warnings: string[];
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

/** Are there token files already (from an earlier run or an earlier baton)? */
async function hasTokenFiles(tokensDir: string): Promise<boolean> {
  const names = await fs.readdir(tokensDir).catch(() => [] as string[]);
  return names.some((name) => name.endsWith('.token'));
}

/** The file store for this environment (BATON_STORE_PASSPHRASE, key file in the data dir). */
export function fileStoreFor(env: Env): EncryptedFileTokenStore {
  const paths = resolvePaths(env);
  return new EncryptedFileTokenStore({
    dir: paths.tokensDir,
    ...(env.BATON_STORE_PASSPHRASE ? { passphrase: env.BATON_STORE_PASSPHRASE } : {}),
  });
}

/**
 * Builds the store BATON_STORE asks for; `auto` follows the recorded choice, or makes and records it.
 * @plan PLAN-20260223-ISSUE1598.P08
 * @requirement REQ-1598-ST06, REQ-1598-ST08
 */
export async function createTokenStore(
  options: CreateTokenStoreOptions = {},
): Promise<CreatedTokenStore> {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const choice = parseStoreChoice(env.BATON_STORE);
  const ownEnv = env === process.env;
  const keychain =
    options.keychain ?? createKeychain({ clock, ...(ownEnv ? {} : { env: { ...env } }) });
  const paths = resolvePaths(env);
  const warnings: string[] = [];
  const probe = (): Promise<ProbeResult> =>
    options.freshProbe || options.keychain || !ownEnv
      ? probeKeychain(keychain, clock, options.probeTimeoutMs)
      : (cachedProbe ??= probeKeychain(keychain, clock, options.probeTimeoutMs));

  const build = async (
    backend: PersistentBackend,
    decidedBy: CreatedTokenStore['decidedBy'],
    why: string,
    probed?: ProbeResult,
  ): Promise<CreatedTokenStore> => {
    if (backend === 'file') {
      const store = fileStoreFor(env);
      const protection = store.describe().protection;
      return {
        store,
        backend,
        reason: `${why} (${protection})`,
        decidedBy,
        reachable: true,
        warnings,
      };
    }
    const result = probed ?? (await probe());
    const outage = result.ok || !result.error ? undefined : unreachable(result.error);
    return {
      store: new KeychainTokenStore({ keychain }),
      backend,
      reason: outage ? `${why}; ${outage.message}` : why,
      decidedBy,
      reachable: result.ok,
      ...(outage ? { outage } : {}),
      warnings,
    };
  };

  if (choice !== 'auto') return build(choice, 'env', `BATON_STORE=${choice}`);

  const { record, problem } = await readBackendRecord(paths.dataDir);
  if (record) {
    return build(
      record.backend,
      'record',
      `auto chose ${describeBackend(record.backend)} earlier and keeps it (${record.reason}); \`baton auth migrate-store\` moves tokens`,
    );
  }
  if (problem) warnings.push(`the backend record was damaged and is replaced: ${problem}`);

  let backend: PersistentBackend;
  let why: string;
  let probed: ProbeResult | undefined;
  if (await hasTokenFiles(paths.tokensDir)) {
    backend = 'file';
    why = 'token files from an earlier run are there';
  } else {
    probed = await probe();
    if (probed.ok) {
      backend = 'keychain';
      why = `the OS keychain passed the availability probe (${probed.elapsedMs} ms)`;
    } else if (probed.error && USER_MUST_ACT.has(probed.error.code)) {
      // A locked or denied keychain still holds the user's tokens: switching to files would make
      // them look logged out. Keep it, and let every read report the lock (BEHAVIOR §2).
      backend = 'keychain';
      why = `the OS keychain is there but refused the probe (${probed.error.code})`;
    } else {
      backend = 'file';
      why = `the OS keychain was not usable when baton first chose (${probed.error?.code ?? 'probe failed'}: ${probed.error?.message ?? ''})`;
    }
  }
  try {
    await writeBackendRecord(paths.dataDir, { backend, decidedAt: clock.now(), reason: why });
  } catch (error) {
    warnings.push(`the backend choice could not be recorded: ${(error as Error).message}`);
  }
  return build(backend, 'decided', `auto chose ${describeBackend(backend)}: ${why}`, probed);
}

function describeBackend(backend: PersistentBackend): string {
  return backend === 'keychain' ? 'the OS keychain' : 'encrypted files';
}

/** The probe's failure, worded as the outage it is. */
function unreachable(error: TokenStoreError): TokenStoreError {
  const what = USER_MUST_ACT.has(error.code) ? 'refuses access' : 'is unreachable';
  return new TokenStoreError(error.code, `the keychain ${what}: ${error.message}`, {
    backend: 'keychain',
    cause: error,
  });
}

/** Forgets this process's cached probe result (tests, or after the user unlocked the keychain). */
export function resetKeychainProbe(): void {
  cachedProbe = undefined;
}
