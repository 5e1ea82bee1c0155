// The token backends a measurement runs on side by side: the encrypted file store always, the OS
// keychain (Secret Service) when scripts/with-keyring.sh provides one (BATON_KEYCHAIN_TESTS=1).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TokenStore } from '@baton/core';
import {
  EncryptedFileTokenStore,
  KeychainTokenStore,
  createKeychain,
} from '../src/auth/storage/index.js';

export const KEYCHAIN_AVAILABLE = process.env.BATON_KEYCHAIN_TESTS === '1';
export const KEYCHAIN_SKIPPED =
  'keychain: skipped (run `pnpm bench`, which wraps the run in scripts/with-keyring.sh)';

export interface Backend {
  name: 'file' | 'keychain';
  store: TokenStore;
  /** Removes everything the backend stored (temp dir, or the bench's own keychain service). */
  dispose(): Promise<void>;
}

export async function fileBackend(options: { passphrase?: string } = {}): Promise<Backend> {
  const dir = await mkdtemp(path.join(tmpdir(), 'baton-bench-store-'));
  return {
    name: 'file',
    store: new EncryptedFileTokenStore({ dir: path.join(dir, 'tokens'), ...options }),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A keychain store under a service of its own, so nothing else in the keyring is touched. */
export function keychainBackend(): Backend {
  const service = `baton-bench-${randomBytes(4).toString('hex')}`;
  const keychain = createKeychain();
  return {
    name: 'keychain',
    store: new KeychainTokenStore({ keychain, service }),
    async dispose() {
      for (const c of await keychain.findCredentials(service))
        await keychain.deletePassword(service, c.account);
    },
  };
}

/** The file backend, and the keychain backend when one is available. */
export async function allBackends(): Promise<Backend[]> {
  return KEYCHAIN_AVAILABLE ? [await fileBackend(), keychainBackend()] : [await fileBackend()];
}
