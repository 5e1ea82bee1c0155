import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEYCHAIN_SKIP_NOTE, KEYCHAIN_TESTS_ENABLED } from '../../../test/keyring-bus.js';
import {
  StoreChoiceError,
  createTokenStore,
  parseStoreChoice,
  probeKeychain,
} from './create-token-store.js';
import { EncryptedFileTokenStore } from './encrypted-file-token-store.js';
import { createKeychain } from './keychain.js';
import { KeychainTokenStore } from './keychain-token-store.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'baton-create-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('createTokenStore', () => {
  it('BATON_STORE=file gives the encrypted file store under the data dir and says which key', async () => {
    const machine = await createTokenStore({
      env: { BATON_STORE: 'file', BATON_DATA_DIR: dataDir },
    });
    expect(machine.backend).toBe('file');
    expect(machine.store).toBeInstanceOf(EncryptedFileTokenStore);
    expect(machine.reason).toBe('BATON_STORE=file (encrypted, machine-bound key)');
    expect(machine.store.describe().durability).toContain(path.join(dataDir, 'tokens'));

    const env = { BATON_STORE: 'FILE', BATON_DATA_DIR: dataDir, BATON_STORE_PASSPHRASE: 'pw' };
    const withPassphrase = await createTokenStore({ env });
    expect(withPassphrase.store.describe().protection).toBe('encrypted, passphrase');
    await withPassphrase.store.save('p', 'b', { access_token: 'x', token_type: 'Bearer' });
    expect(await withPassphrase.store.get('p', 'b')).toMatchObject({ access_token: 'x' });
  });

  it('BATON_STORE=keychain forces the keychain without probing', async () => {
    const created = await createTokenStore({
      env: { BATON_STORE: 'keychain', BATON_DATA_DIR: dataDir },
    });
    expect(created).toMatchObject({ backend: 'keychain', reason: 'BATON_STORE=keychain' });
    expect(created.store).toBeInstanceOf(KeychainTokenStore);
  });

  it('rejects an unknown BATON_STORE value, listing the valid ones', async () => {
    expect(parseStoreChoice(undefined)).toBe('auto');
    expect(parseStoreChoice(' Auto ')).toBe('auto');
    expect(() => parseStoreChoice('vault')).toThrow(StoreChoiceError);
    await expect(createTokenStore({ env: { BATON_STORE: 'vault' } })).rejects.toThrow(
      /keychain, file, auto/,
    );
  });
});

describe.skipIf(!KEYCHAIN_TESTS_ENABLED)(
  KEYCHAIN_TESTS_ENABLED ? 'createTokenStore with a real Secret Service' : KEYCHAIN_SKIP_NOTE,
  () => {
    it('auto picks the keychain when the probe passes, and the probe leaves nothing behind', async () => {
      const keychain = createKeychain();
      const probe = await probeKeychain(keychain);
      expect(probe.ok).toBe(true);
      expect(await keychain.findCredentials('baton-probe')).toEqual([]);
      const created = await createTokenStore({
        env: { BATON_DATA_DIR: dataDir },
        freshProbe: true,
      });
      expect(created.backend).toBe('keychain');
      expect(created.reason).toMatch(/passed the availability probe/);
    });
  },
);
