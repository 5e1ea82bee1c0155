import { once } from 'node:events';
import { mkdtemp, readFile, readdir, rm, stat, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenStoreError, type OAuthToken } from '@baton/core';
import { lastJson, runFixture, spawnFixture } from '../../../test/keyring-bus.js';
import { EncryptedFileTokenStore, tokenFileName } from './encrypted-file-token-store.js';

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

/** Runs the looping writer child and SIGKILLs it once its output contains `marker`. */
async function killWriterWhen(marker: string): Promise<string> {
  const child = spawnFixture('file-store-writer.ts', [dir, 'kill', 'b'], process.env);
  let out = '';
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes(marker)) resolve();
    });
  });
  child.kill('SIGKILL');
  await once(child, 'exit');
  return out;
}

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
      protection: 'encrypted, machine-bound key',
    });
    expect(new EncryptedFileTokenStore({ dir, passphrase: 'pw' }).describe().protection).toBe(
      'encrypted, passphrase',
    );
  });

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
      version: 1,
      keySource: 'machine',
      cipher: 'aes-256-gcm',
      kdf: { name: 'scrypt' },
    });
    expect(Buffer.from((JSON.parse(text) as { iv: string }).iv, 'base64')).toHaveLength(12);
  });

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

  it('a wrong passphrase reads as CORRUPT with a clear message, and key kinds are not mixed up', async () => {
    await new EncryptedFileTokenStore({ dir, passphrase: 'correct horse' }).save(
      'qwen',
      'b',
      token(1),
    );
    const wrong = await storeError(
      new EncryptedFileTokenStore({ dir, passphrase: 'battery staple' }).get('qwen', 'b'),
    );
    expect(wrong.code).toBe('CORRUPT');
    expect(wrong.message).toMatch(/wrong BATON_STORE_PASSPHRASE/);
    expect(wrong.message).not.toContain('battery');
    expect(
      await new EncryptedFileTokenStore({ dir, passphrase: 'correct horse' }).get('qwen', 'b'),
    ).toEqual(token(1));

    const machine = await storeError(new EncryptedFileTokenStore({ dir }).get('qwen', 'b'));
    expect(machine.message).toMatch(/set BATON_STORE_PASSPHRASE/);
    await new EncryptedFileTokenStore({ dir }).save('qwen', 'm', token(2));
    const passphrase = await storeError(
      new EncryptedFileTokenStore({ dir, passphrase: 'x' }).get('qwen', 'm'),
    );
    expect(passphrase.message).toMatch(/unset BATON_STORE_PASSPHRASE/);
  });

  it('ten processes saving different buckets at once: all ten are there', async () => {
    const buckets = Array.from({ length: 10 }, (_, i) => `b${i}`);
    const env = { ...process.env, BATON_DATA_DIR: path.dirname(dir), BATON_STORE: 'file' };
    const results = await Promise.all(
      buckets.map((b, i) =>
        runFixture('store-op.ts', ['save', 'multi', b, JSON.stringify(token(i))], env),
      ),
    );
    for (const r of results) expect(lastJson(r)).toMatchObject({ ok: true, backend: 'file' });
    const store = new EncryptedFileTokenStore({ dir });
    expect(await store.listBuckets('multi')).toEqual(buckets);
    for (const [i, b] of buckets.entries()) expect(await store.get('multi', b)).toEqual(token(i));
  });

  it('a writer killed mid-write leaves the old value or a whole new one, never a partial file', async () => {
    const store = new EncryptedFileTokenStore({ dir });
    await store.save('kill', 'b', token(0));
    // First a writer killed as soon as it starts writing: the old value must still be there whole.
    const early = await killWriterWhen('READY');
    const first = await store.get('kill', 'b');
    expect(early.includes('SAVED') ? ['new-1', 'new-2'] : [token(0).access_token]).toContain(
      first?.access_token,
    );
    // Then one killed in the middle of a stream of large saves.
    const out = await killWriterWhen('SAVED 2');
    const saved = [...out.matchAll(/SAVED (\d+)/g)].map((m) => Number(m[1]));
    const last = Math.max(...saved);
    const value = await store.get('kill', 'b');
    // The kill lands before or after a rename: the last announced save, or the one after it, whole.
    expect([`new-${last}`, `new-${last + 1}`]).toContain(value?.access_token);
    const n = Number(value!.access_token.slice(4));
    expect(value!.padding).toBe(String(n % 10).repeat(4 * 1024 * 1024));
    expect(await store.listBuckets('kill')).toEqual(['b']);
    expect((await readdir(dir)).filter((f) => !f.endsWith('.tmp'))).toEqual([
      tokenFileName('kill', 'b'),
    ]);
  });
});
