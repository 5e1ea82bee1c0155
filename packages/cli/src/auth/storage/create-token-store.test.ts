// Backend choice: forced by BATON_STORE, or decided once by auto and recorded (sticky).
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
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
  /**
   * @plan PLAN-20260223-ISSUE1598.P08
   * @requirement REQ-1598-ST08
   */
  it('BATON_STORE=file gives the encrypted file store under the data dir and says which key', async () => {
    const machine = await createTokenStore({
      env: { BATON_STORE: 'file', BATON_DATA_DIR: dataDir },
    });
    expect(machine.backend).toBe('file');
    expect(machine.store).toBeInstanceOf(EncryptedFileTokenStore);
    expect(machine.reason).toBe(
      'BATON_STORE=file (encrypted, key file beside it: protects copies of the token files, not against this user)',
    );
    expect(machine).toMatchObject({ decidedBy: 'env', reachable: true });
    expect(machine.store.describe().durability).toContain(path.join(dataDir, 'tokens'));

    const env = { BATON_STORE: 'FILE', BATON_DATA_DIR: dataDir, BATON_STORE_PASSPHRASE: 'pw' };
    const withPassphrase = await createTokenStore({ env });
    expect(withPassphrase.store.describe().protection).toBe('encrypted, passphrase');
    await withPassphrase.store.save('p', 'b', { access_token: 'x', token_type: 'Bearer' });
    expect(await withPassphrase.store.get('p', 'b')).toMatchObject({ access_token: 'x' });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P08
   * @requirement REQ-1598-ST08
   */
  it('BATON_STORE=keychain forces the keychain and says when it is unreachable', async () => {
    const env = {
      BATON_STORE: 'keychain',
      BATON_DATA_DIR: dataDir,
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus',
    };
    const created = await createTokenStore({ env });
    expect(created).toMatchObject({ backend: 'keychain', decidedBy: 'env', reachable: false });
    expect(created.reason).toMatch(/^BATON_STORE=keychain; the keychain is unreachable: /);
    expect(created.outage?.code).toBe('UNAVAILABLE');
    expect(created.store).toBeInstanceOf(KeychainTokenStore);
    expect(await readdir(dataDir)).toEqual([]); // a forced choice is not recorded
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
    /**
     * @plan PLAN-20260223-ISSUE1598.P08
     * @requirement REQ-1598-ST06, REQ-1598-ST08
     */
    it('auto picks the keychain when the probe passes, and the probe leaves nothing behind', async () => {
      const keychain = createKeychain();
      const probe = await probeKeychain(keychain);
      expect(probe.ok).toBe(true);
      expect(await keychain.findCredentials('baton-probe')).toEqual([]);
      const created = await createTokenStore({
        env: {
          BATON_DATA_DIR: dataDir,
          DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
        },
        freshProbe: true,
      });
      expect(created.backend).toBe('keychain');
      expect(created.reason).toMatch(/passed the availability probe/);
    });
  },
);

/**
 * @plan PLAN-20260223-ISSUE1598.P08
 * @requirement REQ-1598-ST08
 */
describe('createTokenStore: auto decides once and keeps it', () => {
  const noBus = (): Record<string, string> => ({
    BATON_DATA_DIR: dataDir,
    DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus',
  });

  it('without a keychain auto records encrypted files, and keeps them later whatever the keychain does', async () => {
    const first = await createTokenStore({ env: noBus() });
    expect(first).toMatchObject({ backend: 'file', decidedBy: 'decided', reachable: true });
    expect(first.reason).toMatch(/^auto chose encrypted files: the OS keychain was not usable/);
    const record = JSON.parse(await readFile(path.join(dataDir, 'store-backend.json'), 'utf8')) as {
      backend: string;
    };
    expect(record).toMatchObject({ version: 1, backend: 'file' });
    const later = await createTokenStore({
      env: {
        BATON_DATA_DIR: dataDir,
        DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
      },
    });
    expect(later).toMatchObject({ backend: 'file', decidedBy: 'record' });
    expect(later.reason).toMatch(/auto chose encrypted files earlier and keeps it/);
  });

  it('token files already there (an earlier baton) keep the file store without a probe', async () => {
    await mkdir(path.join(dataDir, 'tokens'), { recursive: true });
    await writeFile(path.join(dataDir, 'tokens', 'anthropic~work.token'), '{}');
    const created = await createTokenStore({ env: { BATON_DATA_DIR: dataDir } });
    expect(created).toMatchObject({ backend: 'file', decidedBy: 'decided' });
    expect(created.reason).toMatch(/token files from an earlier run are there/);
  });

  it('a damaged record is reported and replaced by a fresh decision', async () => {
    await writeFile(path.join(dataDir, 'store-backend.json'), '{"version": 1, "backend": "vault"}');
    const created = await createTokenStore({ env: noBus() });
    expect(created).toMatchObject({ backend: 'file', decidedBy: 'decided' });
    expect(created.warnings[0]).toMatch(/the backend record was damaged and is replaced/);
    const record = JSON.parse(await readFile(path.join(dataDir, 'store-backend.json'), 'utf8')) as {
      backend: string;
    };
    expect(record.backend).toBe('file');
  });
});

describe.skipIf(!KEYCHAIN_TESTS_ENABLED)(
  KEYCHAIN_TESTS_ENABLED ? 'sticky keychain (real Secret Service)' : KEYCHAIN_SKIP_NOTE,
  () => {
    /**
     * @plan PLAN-20260223-ISSUE1598.P08
     * @requirement REQ-1598-ST08, REQ-1598-ST10
     */
    it('keychain chosen, then unreachable: reported as such, get throws (never null), no file written', async () => {
      const env = {
        BATON_DATA_DIR: dataDir,
        DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
      };
      const first = await createTokenStore({ env, freshProbe: true });
      expect(first).toMatchObject({ backend: 'keychain', decidedBy: 'decided', reachable: true });
      const bucket = `sticky-${Date.now()}`;
      await first.store.save('anthropic', bucket, {
        access_token: 'at-sticky-1',
        token_type: 'Bearer',
      });

      const gone = await createTokenStore({
        env: { ...env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' },
      });
      expect(gone).toMatchObject({ backend: 'keychain', decidedBy: 'record', reachable: false });
      expect(gone.reason).toMatch(/the keychain is unreachable/);
      expect(gone.outage?.code).toBe('UNAVAILABLE');
      const read = await gone.store.get('anthropic', bucket).catch((e: unknown) => e);
      expect(read).toMatchObject({ name: 'TokenStoreError', code: 'UNAVAILABLE' });
      const saved = await gone.store
        .save('anthropic', bucket, { access_token: 'at-sticky-2', token_type: 'Bearer' })
        .catch((e: unknown) => e);
      expect(saved).toMatchObject({ code: 'UNAVAILABLE' });
      expect(await readdir(dataDir)).toEqual(['store-backend.json']); // no token files, no key file

      const back = await createTokenStore({ env, freshProbe: true });
      expect(await back.store.get('anthropic', bucket)).toMatchObject({
        access_token: 'at-sticky-1',
      });
      await back.store.remove('anthropic', bucket);
    });
  },
);
