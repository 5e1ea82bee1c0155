// A keytar-shaped keychain (getPassword/setPassword/deletePassword/findCredentials by service and
// account) over @napi-rs/keyring, imported lazily, pinned to the Secret Service on Linux, with every
// call under a time limit and every failure mapped to a TokenStoreError code.
import { TokenStoreError, systemClock, type Clock, type TokenStoreErrorCode } from '@baton/core';

/** Every keychain call gives up after this long (a desktop keychain can block on a prompt). */
export const KEYCHAIN_TIMEOUT_MS = 3_000;

export interface KeychainCredential {
  account: string;
  password: string;
}

export interface Keychain {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<KeychainCredential[]>;
}

/** The part of @napi-rs/keyring this module uses (its async API). */
export interface KeyringBinding {
  AsyncEntry: new (
    service: string,
    account: string,
    options?: { linux?: { store?: 'secret-service' | 'keyutils' } },
  ) => {
    getPassword(signal?: AbortSignal): Promise<string | null>;
    setPassword(password: string, signal?: AbortSignal): Promise<void>;
    deletePassword(signal?: AbortSignal): Promise<boolean>;
  };
  findCredentialsAsync(
    service: string,
    target?: string | null,
    signal?: AbortSignal | null,
  ): Promise<KeychainCredential[]>;
}

export interface KeychainOptions {
  timeoutMs?: number;
  clock?: Clock;
  /** Loads the binding; defaults to a lazy `import('@napi-rs/keyring')`. */
  loadBinding?: () => Promise<KeyringBinding>;
}

/** Pin Linux to the Secret Service: the kernel keyring fallback would lose tokens on reboot. */
export const ENTRY_OPTIONS = { linux: { store: 'secret-service' as const } };

const PATTERNS: ReadonlyArray<readonly [RegExp, TokenStoreErrorCode]> = [
  [/prompt was dismissed|is ?locked|locked object|no result found|keychain is locked/i, 'LOCKED'],
  [/did not receive a reply|timed? ?out/i, 'TIMEOUT'],
  [/denied|not permitted|permission|not authori[sz]ed|user canceled|user cancelled/i, 'DENIED'],
];

/**
 * Maps a keyring error message to a code. Locked and denied need the user; a D-Bus call that got
 * no reply is a timeout; anything else (no bus, no Secret Service, autolaunch disabled, a missing
 * binary) means the keychain is unavailable.
 * "no result found" on a write means there is no default keyring to write to: the user must
 * create or unlock one, so it counts as LOCKED.
 */
export function classifyKeychainMessage(message: string): TokenStoreErrorCode {
  for (const [pattern, code] of PATTERNS) if (pattern.test(message)) return code;
  return 'UNAVAILABLE';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function defaultLoadBinding(): Promise<KeyringBinding> {
  const mod = (await import('@napi-rs/keyring')) as unknown as KeyringBinding & {
    default?: KeyringBinding;
  };
  return typeof mod.AsyncEntry === 'function' ? mod : (mod.default ?? mod);
}

export function createKeychain(options: KeychainOptions = {}): Keychain {
  const timeoutMs = options.timeoutMs ?? KEYCHAIN_TIMEOUT_MS;
  const clock = options.clock ?? systemClock;
  const load = options.loadBinding ?? defaultLoadBinding;
  let binding: Promise<KeyringBinding> | undefined;

  const getBinding = (): Promise<KeyringBinding> => {
    binding ??= load();
    return binding;
  };

  async function call<T>(
    what: string,
    op: (b: KeyringBinding, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const opController = new AbortController();
    const timerController = new AbortController();
    const timeout = clock.sleep(timeoutMs, timerController.signal).then(
      () => {
        opController.abort();
        throw new TokenStoreError(
          'TIMEOUT',
          `the OS keychain did not answer ${what} within ${timeoutMs} ms`,
          {
            backend: 'keychain',
          },
        );
      },
      () => undefined as never, // the operation finished first and cancelled the timer
    );
    const work = (async () => {
      let b: KeyringBinding;
      try {
        b = await getBinding();
      } catch (error) {
        throw new TokenStoreError(
          'UNAVAILABLE',
          `the OS keychain module could not be loaded: ${messageOf(error)}`,
          {
            backend: 'keychain',
            cause: error,
          },
        );
      }
      try {
        return await op(b, opController.signal);
      } catch (error) {
        if (error instanceof TokenStoreError) throw error;
        const message = messageOf(error);
        throw new TokenStoreError(
          classifyKeychainMessage(message),
          `OS keychain ${what} failed: ${message}`,
          {
            backend: 'keychain',
            cause: error,
          },
        );
      }
    })();
    try {
      return await Promise.race([work, timeout]);
    } finally {
      timerController.abort();
      work.catch(() => undefined); // a late failure after a timeout is already reported
    }
  }

  return {
    getPassword: (service, account) =>
      call('read', (b, signal) =>
        new b.AsyncEntry(service, account, ENTRY_OPTIONS).getPassword(signal),
      ),
    setPassword: (service, account, password) =>
      call('write', (b, signal) =>
        new b.AsyncEntry(service, account, ENTRY_OPTIONS).setPassword(password, signal),
      ),
    deletePassword: (service, account) =>
      call('delete', (b, signal) =>
        new b.AsyncEntry(service, account, ENTRY_OPTIONS).deletePassword(signal),
      ),
    findCredentials: (service) =>
      call('search', (b, signal) => b.findCredentialsAsync(service, null, signal)),
  };
}
