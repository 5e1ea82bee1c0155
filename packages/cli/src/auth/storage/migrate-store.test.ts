// Moving tokens between backends: everything is copied and read back before anything is removed,
// a failure or conflict leaves the source (and the recorded choice) alone, and migrateStore
// switches the sticky record only when every bucket made it.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OAuthToken } from '@baton/core';
import { KEYCHAIN_SKIP_NOTE, KEYCHAIN_TESTS_ENABLED } from '../../../test/keyring-bus.js';
import { createTokenStore } from './create-token-store.js';
import { EncryptedFileTokenStore, tokenFileName } from './encrypted-file-token-store.js';
import { KeychainTokenStore } from './keychain-token-store.js';
import { migrateStore, migrateTokenStore } from './migrate-store.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'baton-migrate-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const token = (n: number): OAuthToken => ({
  access_token: `at-migrate-${n}`,
  refresh_token: `rt-migrate-${n}`,
  token_type: 'Bearer',
  expiry: 1_900_000_000 + n,
});
const fileStore = (name: string): EncryptedFileTokenStore =>
  new EncryptedFileTokenStore({ dir: path.join(root, name, 'tokens') });

async function fill(store: EncryptedFileTokenStore): Promise<void> {
  await store.save('anthropic', 'work', token(1));
  await store.save('anthropic', 'home', token(2));
  await store.save('qwen', 'default', token(3));
}

describe('migrateTokenStore', () => {
  it('moves every bucket, reads each back, then removes the source entries', async () => {
    const from = fileStore('a');
    const to = fileStore('b');
    await fill(from);
    const result = await migrateTokenStore({ from, to });
    expect(result).toEqual({
      moved: [
        { provider: 'anthropic', bucket: 'home' },
        { provider: 'anthropic', bucket: 'work' },
        { provider: 'qwen', bucket: 'default' },
      ],
      failed: [],
      sourceRemoved: true,
    });
    expect(await to.get('anthropic', 'work')).toEqual(token(1));
    expect(await to.get('qwen', 'default')).toEqual(token(3));
    expect(await from.listProviders()).toEqual([]);
  });

  it('an unreadable source entry blocks every removal; the readable ones are copied', async () => {
    const from = fileStore('a');
    const to = fileStore('b');
    await fill(from);
    await writeFile(path.join(root, 'a', 'tokens', tokenFileName('qwen', 'broken')), 'not json');
    const result = await migrateTokenStore({ from, to });
    expect(result.sourceRemoved).toBe(false);
    expect(result.moved).toHaveLength(3);
    expect(result.failed).toMatchObject([{ provider: 'qwen', bucket: 'broken', stage: 'read' }]);
    expect(result.failed[0]?.message).toMatch(/not a baton token envelope/);
    expect(await from.listBuckets('anthropic')).toEqual(['home', 'work']);
    expect(await from.get('anthropic', 'work')).toEqual(token(1));
    expect(await to.get('anthropic', 'work')).toEqual(token(1));
  });

  it('a different token already in the target is a conflict: neither side changes', async () => {
    const from = fileStore('a');
    const to = fileStore('b');
    await fill(from);
    await to.save('anthropic', 'work', token(99));
    const result = await migrateTokenStore({ from, to });
    expect(result.failed).toMatchObject([
      { provider: 'anthropic', bucket: 'work', stage: 'conflict' },
    ]);
    expect(result.sourceRemoved).toBe(false);
    expect(await to.get('anthropic', 'work')).toEqual(token(99));
    expect(await from.get('anthropic', 'work')).toEqual(token(1));
    // The same token on both sides (an earlier, interrupted run) is no conflict.
    await to.save('anthropic', 'work', token(1));
    expect((await migrateTokenStore({ from, to })).failed).toEqual([]);
  });
});

describe('migrateStore', () => {
  it('with the keychain unreachable, nothing moves and the recorded choice stays', async () => {
    const env = {
      BATON_DATA_DIR: path.join(root, 'data'),
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus',
    };
    const before = await createTokenStore({ env });
    expect(before.backend).toBe('file');
    await before.store.save('anthropic', 'work', token(1));
    const result = await migrateStore({ to: 'keychain', env });
    expect(result).toMatchObject({ from: 'file', to: 'keychain', recordUpdated: false });
    expect(result.failed[0]).toMatchObject({ stage: 'write' });
    expect(result.failed[0]?.message).toMatch(/UNAVAILABLE|not provided|connect/i);
    expect(await before.store.get('anthropic', 'work')).toEqual(token(1));
    expect((await createTokenStore({ env })).backend).toBe('file');
    expect(await readdir(path.join(root, 'data'))).toContain('store-backend.json');
  });
});

describe.skipIf(!KEYCHAIN_TESTS_ENABLED)(
  KEYCHAIN_TESTS_ENABLED ? 'migrateStore with a real Secret Service' : KEYCHAIN_SKIP_NOTE,
  () => {
    it('files to keychain and back: every bucket moves, the record follows, auto follows the record', async () => {
      const keychainService = `baton-migrate-${randomBytes(4).toString('hex')}`;
      const dataDir = path.join(root, 'data');
      await mkdir(dataDir, { recursive: true });
      const env = {
        BATON_DATA_DIR: dataDir,
        DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
      };
      const files = new EncryptedFileTokenStore({ dir: path.join(dataDir, 'tokens') });
      await fill(files);

      const toKeychain = await migrateStore({ to: 'keychain', env, keychainService });
      expect(toKeychain).toMatchObject({
        from: 'file',
        to: 'keychain',
        recordUpdated: true,
        failed: [],
        sourceRemoved: true,
      });
      expect(toKeychain.moved).toHaveLength(3);
      const keychain = new KeychainTokenStore({ service: keychainService });
      expect(await keychain.get('anthropic', 'home')).toEqual(token(2));
      expect(await files.listProviders()).toEqual([]);
      const record = JSON.parse(
        await readFile(path.join(dataDir, 'store-backend.json'), 'utf8'),
      ) as { backend: string };
      expect(record.backend).toBe('keychain');
      expect(await createTokenStore({ env })).toMatchObject({
        backend: 'keychain',
        decidedBy: 'record',
      });

      const back = await migrateStore({ to: 'file', env, keychainService });
      expect(back).toMatchObject({ from: 'keychain', to: 'file', recordUpdated: true, failed: [] });
      expect(await files.get('qwen', 'default')).toEqual(token(3));
      expect(await keychain.listProviders()).toEqual([]);
      expect(await createTokenStore({ env })).toMatchObject({
        backend: 'file',
        decidedBy: 'record',
      });
    });
  },
);
