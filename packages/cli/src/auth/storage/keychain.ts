// A keytar-shaped keychain (getPassword/setPassword/deletePassword/findCredentials by service and
// account) over @napi-rs/keyring in a helper process, pinned to the Secret Service on Linux, with
// every call under a time limit and every failure mapped to a TokenStoreError code.
import { TokenStoreError, systemClock, type Clock, type TokenStoreErrorCode } from '@baton/core';
import { execFile } from 'node:child_process';
import { HostCallError, KeychainHost, type HostRequest, type HostValue } from './keychain-host.js';

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
  /**
   * Deletes every item for the account, duplicates included (another program may have written a
   * second one, which blocks the binding's own set and delete). Linux only, through secret-tool.
   */
  removeAll?(service: string, account: string): Promise<void>;
}

export interface KeychainOptions {
  timeoutMs?: number;
  clock?: Clock;
  /** Environment of the keychain helper process (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** The keyring binding to load (default: @napi-rs/keyring as installed). */
  modulePath?: string;
}

const PATTERNS: ReadonlyArray<readonly [RegExp, TokenStoreErrorCode]> = [
  // Two items for one account (written by another program), or a secret that is not UTF-8 text:
  // that entry is unreadable, not the keychain (BEHAVIOR §2).
  [
    /matched by \d+ credentials|ambiguous|not valid utf-?8|invalid utf-?8|incomplete utf-?8|bad ?encoding/i,
    'CORRUPT',
  ],
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

/** Says what a CORRUPT message means instead of quoting the binding's internals. */
function plainly(code: TokenStoreErrorCode, message: string): string {
  if (code !== 'CORRUPT') return message;
  const duplicates = /matched by (\d+) credentials/i.exec(message);
  if (duplicates)
    return `${duplicates[1]} items exist for this account (another program wrote one)`;
  return 'the stored secret is not UTF-8 text';
}

/**
 * The keychain over a helper process (see keychain-host.ts): every call under the time limit; a
 * call that does not answer in time is abandoned with its helper, never left holding this process.
 */
export function createKeychain(options: KeychainOptions = {}): Keychain {
  const timeoutMs = options.timeoutMs ?? KEYCHAIN_TIMEOUT_MS;
  const clock = options.clock ?? systemClock;
  const host = KeychainHost.shared({
    ...(options.env ? { env: options.env } : {}),
    ...(options.modulePath ? { modulePath: options.modulePath } : {}),
  });

  async function call(what: string, request: HostRequest): Promise<HostValue> {
    const timer = new AbortController();
    const timeout = clock.sleep(timeoutMs, timer.signal).then(
      () => {
        const error = new TokenStoreError(
          'TIMEOUT',
          `the OS keychain did not answer ${what} within ${timeoutMs} ms`,
          { backend: 'keychain' },
        );
        host.abandon(error);
        throw error;
      },
      () => undefined as never, // the call finished first and cancelled the timer
    );
    const work = host.call(request).catch((error: unknown) => {
      if (error instanceof TokenStoreError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof HostCallError && error.kind !== 'call') {
        throw new TokenStoreError(
          'UNAVAILABLE',
          `the OS keychain module could not be loaded: ${message}`,
          { backend: 'keychain', cause: error },
        );
      }
      const code = classifyKeychainMessage(message);
      throw new TokenStoreError(code, `OS keychain ${what} failed: ${plainly(code, message)}`, {
        backend: 'keychain',
        cause: error,
      });
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      timer.abort();
      work.catch(() => undefined); // a late failure after a timeout is already reported
    }
  }

  return {
    getPassword: async (service, account) =>
      (await call('read', { op: 'get', service, account })) as string | null,
    setPassword: async (service, account, password) => {
      await call('write', { op: 'set', service, account, password });
    },
    deletePassword: async (service, account) =>
      (await call('delete', { op: 'delete', service, account })) === true,
    removeAll: (service, account) => secretToolClear(service, account, options.env, timeoutMs),
    findCredentials: async (service) => {
      const found = (await call('search', { op: 'list', service })) as KeychainCredential[] | null;
      return found ?? [];
    },
  };
}

/** `secret-tool clear` removes every item whose attributes match, however many there are. */
function secretToolClear(
  service: string,
  account: string,
  env: NodeJS.ProcessEnv | undefined,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.platform !== 'linux') {
      reject(
        new TokenStoreError(
          'CORRUPT',
          'duplicate keychain items can only be removed by hand here',
          { backend: 'keychain' },
        ),
      );
      return;
    }
    execFile(
      'secret-tool',
      ['clear', 'service', service, 'username', account],
      { env: env ?? process.env, timeout: timeoutMs },
      (error) => {
        if (!error) return resolve();
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        reject(
          new TokenStoreError(
            'CORRUPT',
            missing
              ? 'duplicate keychain items need secret-tool (libsecret-tools) to be removed'
              : `removing duplicate keychain items failed: ${error.message}`,
            {
              backend: 'keychain',
              cause: error,
              remediation: `Remove the duplicate items by hand: \`secret-tool clear service ${service} username ${account}\` (package libsecret-tools), then retry.`,
            },
          ),
        );
      },
    );
  });
}
