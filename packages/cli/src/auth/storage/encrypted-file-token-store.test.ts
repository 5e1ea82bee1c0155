// The encrypted-file store in one process: round trips, damage, key handling (key file,
// passphrase, KEY_MISMATCH), version-1 files, and what it does with odd files at token paths.
import { spawnSync } from 'node:child_process';
import { createCipheriv, randomBytes, scryptSync } from 'node:crypto';
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  open as openFile,
  readFile,
  readdir,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenStoreError, type OAuthToken } from '@baton/core';
import {
  EncryptedFileTokenStore,
  FILE_PROTECTION,
  tokenFileName,
} from './encrypted-file-token-store.js';
import { legacyMachineSecret } from './legacy-machine-key.js';
import { LOCK_RANGE, loadNativeLock } from './native-lock.js';

let dir: string;
beforeEach(async () => {
  dir = path.join(await mkdtemp(path.join(tmpdir(), 'baton-filestore-')), 'tokens');
});
afterEach(async () => {
  await rm(path.dirname(dir), { recursive: true, force: true });
});

const token = (n: number, extra: Record<string, unknown> = {}): OAuthToken => ({
  access_token: `sk-access-secret-${n}-abcdefgh`,
  refresh_token: `rt-secret-${n}-abcdefgh`,
  token_type: 'Bearer',
  expiry: 1_900_000_000 + n,
  ...extra,
});

async function storeError(promise: Promise<unknown>): Promise<TokenStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenStoreError);
  return error as TokenStoreError;
}

describe('EncryptedFileTokenStore', () => {
  it('round-trips tokens with provider fields, lists and removes them', async () => {
    const store = new EncryptedFileTokenStore({ dir });
    await store.save('anthropic', 'work', token(1, { account_id: 'acc-1', nested: { a: [1, 2] } }));
    await store.save('anthropic', 'home', token(2));
    await store.save('qwen', 'a.b@c-d_e', token(3, { resource_url: 'https://x.example' }));
    expect(await store.get('anthropic', 'work')).toEqual(
      token(1, { account_id: 'acc-1', nested: { a: [1, 2] } }),
    );
    expect(await store.get('qwen', 'a.b@c-d_e')).toEqual(
      token(3, { resource_url: 'https://x.example' }),
    );
    expect(await store.get('qwen', 'missing')).toBeNull();
    expect(await store.listBuckets('anthropic')).toEqual(['home', 'work']);
    expect(await store.listProviders()).toEqual(['anthropic', 'qwen']);
    expect(await store.remove('anthropic', 'home')).toBe(true);
    expect(await store.remove('anthropic', 'home')).toBe(false);
    expect(await store.listBuckets('anthropic')).toEqual(['work']);
    expect(store.describe()).toEqual({
      backend: 'file',
      durability: `encrypted files in ${dir}`,
      protection: FILE_PROTECTION['key-file'],
    });
    expect(new EncryptedFileTokenStore({ dir, passphrase: 'pw' }).describe().protection).toBe(
      'encrypted, passphrase',
    );
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P08
   * @requirement REQ-1598-ST11
   */
  it('writes 0600 files in a 0700 dir, with no secret in clear', async () => {
    const store = new EncryptedFileTokenStore({ dir });
    await store.save('anthropic', 'work', token(1));
    const file = path.join(dir, tokenFileName('anthropic', 'work'));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('sk-access-secret');
    expect(text).not.toContain('rt-secret');
    expect(JSON.parse(text)).toMatchObject({
      format: 'baton-token',
      version: 2,
      keySource: 'key-file',
      cipher: 'aes-256-gcm',
      kdf: { name: 'none' },
    });
    const keyFile = path.join(path.dirname(dir), 'store.key');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(keyFile)).toHaveLength(32);
    expect(Buffer.from((JSON.parse(text) as { iv: string }).iv, 'base64')).toHaveLength(12);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P08
   * @requirement REQ-1598-ST09
   */
  it('reads a damaged entry as CORRUPT for that bucket only and keeps the file', async () => {
    const store = new EncryptedFileTokenStore({ dir });
    await store.save('anthropic', 'good', token(1));
    await store.save('anthropic', 'flipped', token(2));
    await store.save('anthropic', 'garbage', token(3));
    const flippedFile = path.join(dir, tokenFileName('anthropic', 'flipped'));
    const envelope = JSON.parse(await readFile(flippedFile, 'utf8')) as { data: string };
    const bytes = Buffer.from(envelope.data, 'base64');
    bytes[0] = bytes[0]! ^ 0xff;
    await writeFile(flippedFile, JSON.stringify({ ...envelope, data: bytes.toString('base64') }));
    await writeFile(path.join(dir, tokenFileName('anthropic', 'garbage')), '{"format": "baton-tok');

    for (const bucket of ['flipped', 'garbage']) {
      const error = await storeError(store.get('anthropic', bucket));
      expect(error.code).toBe('CORRUPT');
      expect(error.bucket).toBe(bucket);
      expect(error.message).toContain(tokenFileName('anthropic', bucket));
      expect(error.remediation).toContain(`baton auth login anthropic --bucket ${bucket}`);
    }
    expect(await store.get('anthropic', 'good')).toEqual(token(1));
    expect(await store.listBuckets('anthropic')).toEqual(['flipped', 'garbage', 'good']);
    expect(await readFile(path.join(dir, tokenFileName('anthropic', 'garbage')), 'utf8')).toBe(
      '{"format": "baton-tok',
    );
  });

  it('a file copied to another bucket does not decrypt there', async () => {
    const store = new EncryptedFileTokenStore({ dir });
    await store.save('anthropic', 'a', token(1));
    await copyFile(
      path.join(dir, tokenFileName('anthropic', 'a')),
      path.join(dir, tokenFileName('anthropic', 'b')),
    );
    expect((await storeError(store.get('anthropic', 'b'))).code).toBe('CORRUPT');
  });
});

/** A version-1 file as older baton versions wrote it (scrypt of the machine secret or passphrase). */
async function writeVersion1(
  provider: string,
  bucket: string,
  value: OAuthToken,
  source: 'machine' | 'passphrase',
  passphrase = '',
): Promise<string> {
  const salt = randomBytes(16);
  const secret = source === 'machine' ? await legacyMachineSecret() : passphrase;
  const key = scryptSync(secret, salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 256 * 1024 * 1024 });
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`baton-token:v1:${source}:${provider}:${bucket}`));
  const data = Buffer.concat([cipher.update(JSON.stringify(value)), cipher.final()]);
  const envelope = {
    format: 'baton-token',
    version: 1,
    keySource: source,
    kdf: { name: 'scrypt', N: 2 ** 15, r: 8, p: 1, salt: salt.toString('base64') },
    cipher: 'aes-256-gcm',
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
  const file = path.join(dir, tokenFileName(provider, bucket));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify(envelope), { mode: 0o600 });
  return file;
}

/**
 * @plan PLAN-20260223-ISSUE1598.P08
 * @requirement REQ-1598-ST07
 */
describe('EncryptedFileTokenStore keys', () => {
  it('a wrong passphrase is KEY_MISMATCH: named fix, no login offered, no keychain advice', async () => {
    await new EncryptedFileTokenStore({ dir, passphrase: 'correct horse' }).save(
      'qwen',
      'b',
      token(1),
    );
    const wrong = await storeError(
      new EncryptedFileTokenStore({ dir, passphrase: 'battery staple' }).get('qwen', 'b'),
    );
    expect(wrong).toMatchObject({ code: 'KEY_MISMATCH', reauthEligible: false, backend: 'file' });
    expect(wrong.message).toMatch(/BATON_STORE_PASSPHRASE is not the passphrase/);
    expect(wrong.message).not.toContain('battery');
    expect(wrong.remediation).toMatch(/BATON_STORE_PASSPHRASE/);
    expect(wrong.remediation).not.toMatch(/baton auth login|keychain/i);
    expect(
      await new EncryptedFileTokenStore({ dir, passphrase: 'correct horse' }).get('qwen', 'b'),
    ).toEqual(token(1));
    const none = await storeError(new EncryptedFileTokenStore({ dir }).get('qwen', 'b'));
    expect(none.code).toBe('KEY_MISMATCH');
    expect(none.message).toMatch(/set BATON_STORE_PASSPHRASE/);
  });

  it('a file written with the key file still opens when a passphrase is set (read old, write new)', async () => {
    await new EncryptedFileTokenStore({ dir }).save('qwen', 'k', token(2));
    const withPassphrase = new EncryptedFileTokenStore({ dir, passphrase: 'pw' });
    expect(await withPassphrase.get('qwen', 'k')).toEqual(token(2));
    expect(withPassphrase.describe().protection).toBe('encrypted, passphrase');
  });

  it('a missing or different key file is KEY_MISMATCH naming the key file, never CORRUPT', async () => {
    const store = new EncryptedFileTokenStore({ dir });
    await store.save('anthropic', 'work', token(1));
    const keyFile = path.join(path.dirname(dir), 'store.key');
    const original = await readFile(keyFile);
    await writeFile(keyFile, randomBytes(32));
    const different = await storeError(
      new EncryptedFileTokenStore({ dir }).get('anthropic', 'work'),
    );
    expect(different.code).toBe('KEY_MISMATCH');
    expect(different.message).toContain('different key file');
    await rm(keyFile);
    const missing = await storeError(new EncryptedFileTokenStore({ dir }).get('anthropic', 'work'));
    expect(missing.code).toBe('KEY_MISMATCH');
    expect(missing.message).toContain(`${keyFile} it was encrypted with is missing`);
    await writeFile(keyFile, original, { mode: 0o600 });
    expect(await new EncryptedFileTokenStore({ dir }).get('anthropic', 'work')).toEqual(token(1));
  });

  it('an old-format (version 1, machine key) file is read and rewritten in the current format', async () => {
    const file = await writeVersion1('anthropic', 'old', token(7, { account_id: 'a1' }), 'machine');
    const store = new EncryptedFileTokenStore({ dir });
    expect(await store.get('anthropic', 'old')).toEqual(token(7, { account_id: 'a1' }));
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      version: 2,
      keySource: 'key-file',
    });
    expect(store.warnings.join('\n')).toContain('rewritten from format 1');
    expect(await new EncryptedFileTokenStore({ dir }).get('anthropic', 'old')).toEqual(
      token(7, { account_id: 'a1' }),
    );

    await writeVersion1('qwen', 'pp', token(8), 'passphrase', 'old pass');
    expect(
      await new EncryptedFileTokenStore({ dir, passphrase: 'old pass' }).get('qwen', 'pp'),
    ).toEqual(token(8));
    const wrong = await storeError(
      new EncryptedFileTokenStore({ dir, passphrase: 'other' }).get('qwen', 'pp'),
    );
    expect(wrong.code).toBe('KEY_MISMATCH');
  });
});

describe.skipIf(process.platform === 'win32')('EncryptedFileTokenStore and odd files', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P08
   * @requirement REQ-1598-ST11
   */
  it('a FIFO at a token path reads as CORRUPT at once (no hang) and a save replaces it', async () => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, tokenFileName('anthropic', 'fifo'));
    expect(spawnSync('mkfifo', [file]).status).toBe(0);
    const store = new EncryptedFileTokenStore({ dir });
    const error = await storeError(store.get('anthropic', 'fifo'));
    expect(error.code).toBe('CORRUPT');
    expect(error.message).toContain('is a FIFO, not a regular file');
    await store.save('anthropic', 'fifo', token(1));
    expect(await store.get('anthropic', 'fifo')).toEqual(token(1));
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P08
   * @requirement REQ-1598-ST11
   */
  it('a symlinked token file is not followed; a save replaces the link, not its target', async () => {
    const store = new EncryptedFileTokenStore({ dir });
    await store.save('anthropic', 'real', token(1));
    const outside = path.join(path.dirname(dir), 'outside.token');
    await copyFile(path.join(dir, tokenFileName('anthropic', 'real')), outside);
    const link = path.join(dir, tokenFileName('anthropic', 'link'));
    await symlink(outside, link);
    const error = await storeError(store.get('anthropic', 'link'));
    expect(error.code).toBe('CORRUPT');
    expect(error.message).toContain('is a symlink');
    const before = await readFile(outside, 'utf8');
    await store.save('anthropic', 'link', token(2));
    expect(await readFile(outside, 'utf8')).toBe(before);
    expect(await store.get('anthropic', 'link')).toEqual(token(2));
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P08
   * @requirement REQ-1598-ST11
   */
  it('a token file or key file open to others (0644) is read, tightened to 0600 and reported', async () => {
    const warnings: string[] = [];
    const store = new EncryptedFileTokenStore({ dir, onWarning: (m) => warnings.push(m) });
    await store.save('anthropic', 'loose', token(1));
    const file = path.join(dir, tokenFileName('anthropic', 'loose'));
    const keyFile = path.join(path.dirname(dir), 'store.key');
    await chmod(file, 0o644);
    await chmod(keyFile, 0o644);
    const fresh = new EncryptedFileTokenStore({ dir, onWarning: (m) => warnings.push(m) });
    expect(await fresh.get('anthropic', 'loose')).toEqual(token(1));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(warnings).toEqual([
      `${file} was open to other users (mode 0644); tightened to 0600`,
      `${keyFile} was open to other users (mode 0644); tightened to 0600`,
    ]);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P08
   * @requirement REQ-1598-ST11
   */
  it('the next write removes temp files of a dead writer but not one a live writer holds', async () => {
    const store = new EncryptedFileTokenStore({ dir });
    await store.save('anthropic', 'work', token(1));
    const dead = path.join(dir, `.${tokenFileName('anthropic', 'work')}.4242.0badc0ffee00.tmp`);
    await writeFile(dead, 'half a token', { mode: 0o600 });
    const live = path.join(dir, `.${tokenFileName('anthropic', 'work')}.a1b2c3d4e5f6.tmp`);
    const handle = await openFile(live, 'wx', 0o600);
    expect(loadNativeLock().tryLock(handle.fd, LOCK_RANGE.offset, LOCK_RANGE.length)).toBe(true);
    await store.save('anthropic', 'work', token(2));
    const names = await readdir(dir);
    expect(names).not.toContain(path.basename(dead));
    expect(names).toContain(path.basename(live));
    await handle.close();
    await store.save('anthropic', 'work', token(3));
    expect(await readdir(dir)).toEqual([tokenFileName('anthropic', 'work')]);
  });
});
