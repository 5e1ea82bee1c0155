// The token directory itself may not be a symbolic link out of the data dir (BEHAVIOR §2): every
// operation refuses it as an outage to fix (never "no token"), and nothing is written through it.
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenStoreError } from '@baton/core';
import { EncryptedFileTokenStore } from './encrypted-file-token-store.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'baton-linked-dir-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('a token directory that is a symbolic link', () => {
  it('is refused by get, save, remove and list with a fix, and nothing lands in the link target', async () => {
    const elsewhere = path.join(root, 'elsewhere');
    await mkdir(elsewhere, { mode: 0o700 });
    const dataDir = path.join(root, 'data');
    await mkdir(dataDir, { mode: 0o700 });
    await symlink(elsewhere, path.join(dataDir, 'tokens'));
    const store = new EncryptedFileTokenStore({ dir: path.join(dataDir, 'tokens') });
    const token = { access_token: 'access-token-value-1234', token_type: 'Bearer', expiry: 2e9 };
    for (const attempt of [
      () => store.get('p', 'b'),
      () => store.save('p', 'b', token),
      () => store.remove('p', 'b'),
      () => store.listBuckets('p'),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenStoreError);
      expect(error).toMatchObject({ code: 'DENIED', reauthEligible: false, backend: 'file' });
      expect((error as Error).message).toContain('symbolic link');
      expect((error as TokenStoreError).remediation).toContain('BATON_DATA_DIR');
    }
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('a real directory works as before', async () => {
    const store = new EncryptedFileTokenStore({ dir: path.join(root, 'data', 'tokens') });
    await store.save('p', 'b', { access_token: 'access-token-value-1234', token_type: 'Bearer' });
    expect((await store.get('p', 'b'))?.access_token).toBe('access-token-value-1234');
    expect(await store.listBuckets('p')).toEqual(['b']);
  });
});
