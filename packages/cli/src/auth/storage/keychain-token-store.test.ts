// Against the real Secret Service (scripts/with-keyring.sh gives each run a private, unlocked
// gnome-keyring). Skipped with a note when BATON_KEYCHAIN_TESTS is not 1.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { TokenStoreError, type OAuthToken } from '@baton/core';
import { KEYCHAIN_SKIP_NOTE, KEYCHAIN_TESTS_ENABLED } from '../../../test/keyring-bus.js';
import { CHUNK_HEADER_PREFIX, WINDOWS_MAX_SECRET_BYTES } from './chunking.js';
import { createKeychain } from './keychain.js';
import { KEYCHAIN_SERVICE, KeychainTokenStore } from './keychain-token-store.js';

const hasSecretTool = spawnSync('secret-tool', ['--version']).error === undefined;
if (KEYCHAIN_TESTS_ENABLED && !hasSecretTool) {
  console.log(
    'undecodable/duplicate keychain item test skipped: secret-tool (libsecret-tools) is not installed',
  );
}

/** Writes an item the way another program would (secret-tool reads the secret from stdin). */
function secretTool(args: string[], input: Buffer): void {
  const result = spawnSync('secret-tool', args, { input, timeout: 10_000 });
  if (result.status !== 0)
    throw new Error(`secret-tool ${args[0]} failed: ${String(result.stderr)}`);
}

const title = KEYCHAIN_TESTS_ENABLED
  ? 'KeychainTokenStore (real Secret Service)'
  : KEYCHAIN_SKIP_NOTE;

describe.skipIf(!KEYCHAIN_TESTS_ENABLED)(title, () => {
  // A service per run keeps parallel runs and leftovers apart; one test uses the real `baton` service.
  const service = `baton-test-${randomBytes(4).toString('hex')}`;
  const runId = randomBytes(8).toString('hex');
  const keychain = createKeychain();
  const store = new KeychainTokenStore({ keychain, service });
  const token = (n: number): OAuthToken => ({
    access_token: `access-${n}-${runId}`,
    refresh_token: `refresh-${n}`,
    token_type: 'Bearer',
    expiry: 1_800_000_000 + n,
  });

  afterAll(async () => {
    for (const c of await keychain.findCredentials(service)) {
      await keychain
        .deletePassword(service, c.account)
        .catch(() => keychain.removeAll?.(service, c.account));
    }
  });

  it('round-trips several providers and buckets, lists them sorted, removes them', async () => {
    const saved: Array<[string, string, OAuthToken]> = [
      ['anthropic', 'work', token(1)],
      ['anthropic', 'home', token(2)],
      ['anthropic', 'a.b@c-d_e', token(3)],
      ['qwen', 'default', token(4)],
      ['codex', 'x', token(5)],
    ];
    for (const [p, b, t] of saved) await store.save(p, b, t);
    for (const [p, b, t] of saved) expect(await store.get(p, b)).toEqual(t);
    expect(await store.listBuckets('anthropic')).toEqual(['a.b@c-d_e', 'home', 'work']);
    expect(await store.listProviders()).toEqual(['anthropic', 'codex', 'qwen']);
    expect(await store.get('anthropic', 'nothing')).toBeNull();

    await store.save('anthropic', 'work', token(9));
    expect(await store.get('anthropic', 'work')).toEqual(token(9));
    expect((await store.get('anthropic', 'work'))?.refresh_token).toBe('refresh-9');

    expect(await store.remove('anthropic', 'home')).toBe(true);
    expect(await store.remove('anthropic', 'home')).toBe(false);
    expect(await store.get('anthropic', 'home')).toBeNull();
    expect(await store.listBuckets('anthropic')).toEqual(['a.b@c-d_e', 'work']);
    // The raw entry is the token JSON under service/`provider:bucket`.
    const raw = await keychain.getPassword(service, 'qwen:default');
    expect(JSON.parse(raw!)).toEqual(token(4));
  });

  it('uses service "baton" by default and says it is the OS keychain', async () => {
    const real = new KeychainTokenStore({ keychain });
    expect(real.describe()).toMatchObject({ backend: 'keychain', protection: 'OS keychain' });
    const bucket = `t${randomBytes(4).toString('hex')}`;
    await real.save('bt', bucket, token(7));
    expect(JSON.parse((await keychain.getPassword(KEYCHAIN_SERVICE, `bt:${bucket}`))!)).toEqual(
      token(7),
    );
    expect(await real.remove('bt', bucket)).toBe(true);
  });

  const extraKey = fc
    .string({ minLength: 1, maxLength: 12 })
    .filter(
      (k) =>
        ![
          'access_token',
          'refresh_token',
          'expiry',
          'token_type',
          'scope',
          'resource_url',
          '__proto__',
        ].includes(k),
    );
  test.prop([fc.dictionary(extraKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 })], {
    numRuns: 12,
  })('keeps provider fields (any JSON-safe extras) on a round trip', async (extras) => {
    const value = { ...JSON.parse(JSON.stringify(extras)), ...token(11) } as OAuthToken;
    await store.save('prop', 'extras', value);
    expect(await store.get('prop', 'extras')).toEqual(value);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P08
   * @requirement REQ-1598-ST12
   */
  it('splits a token over the Windows secret limit and reads it back whole', async () => {
    const chunked = new KeychainTokenStore({
      keychain,
      service,
      maxSecretBytes: WINDOWS_MAX_SECRET_BYTES,
    });
    const long = { ...token(20), id_token: `eyJ${'a'.repeat(9000)}`, account_id: 'ü-unicode-✓' };
    await chunked.save('big', 'one', long);
    expect(await chunked.get('big', 'one')).toEqual(long);

    const entries = await keychain.findCredentials(service);
    const mine = entries.filter((c) => c.account.startsWith('big:one'));
    expect(mine.length).toBeGreaterThanOrEqual(5);
    for (const entry of mine)
      expect(Buffer.byteLength(entry.password)).toBeLessThanOrEqual(WINDOWS_MAX_SECRET_BYTES);
    expect(
      mine.find((c) => c.account === 'big:one')?.password.startsWith(CHUNK_HEADER_PREFIX),
    ).toBe(true);
    expect(await chunked.listBuckets('big')).toEqual(['one']);

    // Saving a small token replaces the parts; removing leaves nothing behind.
    await chunked.save('big', 'one', token(21));
    expect(await chunked.get('big', 'one')).toEqual(token(21));
    expect(
      (await keychain.findCredentials(service)).filter((c) => c.account.startsWith('big:one')),
    ).toHaveLength(1);
    await chunked.save('big', 'one', long);
    expect(await chunked.remove('big', 'one')).toBe(true);
    expect(
      (await keychain.findCredentials(service)).filter((c) => c.account.startsWith('big:one')),
    ).toEqual([]);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P08
   * @requirement REQ-1598-ST09
   */
  it('reads a corrupt entry as CORRUPT for that key only and never deletes it', async () => {
    await store.save('corr', 'good', token(30));
    await keychain.setPassword(service, 'corr:bad', '{"access_token": "sk-secret-value-123", ');
    await keychain.setPassword(service, 'corr:wrongshape', JSON.stringify({ access_token: 42 }));
    for (const bucket of ['bad', 'wrongshape']) {
      const error = (await store.get('corr', bucket).catch((e: unknown) => e)) as TokenStoreError;
      expect(error).toBeInstanceOf(TokenStoreError);
      expect(error.code).toBe('CORRUPT');
      expect(error.provider).toBe('corr');
      expect(error.bucket).toBe(bucket);
      expect(error.message).not.toContain('sk-secret-value-123');
      expect(error.remediation).toContain(`baton auth login corr --bucket ${bucket}`);
    }
    expect(await store.get('corr', 'good')).toEqual(token(30));
    expect(await keychain.getPassword(service, 'corr:bad')).toContain('sk-secret-value-123');
    expect(await store.listBuckets('corr')).toEqual(['bad', 'good', 'wrongshape']);
  });

  it.skipIf(!hasSecretTool)(
    'an undecodable secret and duplicate items are CORRUPT for that bucket, listed once, and replaced by a save',
    async () => {
      await store.save('odd', 'good', token(40));
      // Another program writes a secret that is not UTF-8, and a second item for one account.
      secretTool(
        ['store', '--label', 'x', 'service', service, 'username', 'odd:binary'],
        Buffer.from([0xff, 0xfe, 0x00]),
      );
      await store.save('odd', 'dup', token(41));
      secretTool(
        ['store', '--label', 'x', 'service', service, 'username', 'odd:dup', 'other', 'app'],
        Buffer.from(JSON.stringify(token(42))),
      );
      for (const [bucket, why] of [
        ['binary', 'not UTF-8 text'],
        ['dup', '2 items exist for this account'],
      ] as const) {
        const error = (await store.get('odd', bucket).catch((e: unknown) => e)) as TokenStoreError;
        expect(error).toMatchObject({
          name: 'TokenStoreError',
          code: 'CORRUPT',
          bucket,
          reauthEligible: true,
        });
        expect(error.message).toContain(why);
      }
      expect(await store.get('odd', 'good')).toEqual(token(40));
      expect(await store.listBuckets('odd')).toEqual(['binary', 'dup', 'good']);
      await store.save('odd', 'binary', token(43));
      await store.save('odd', 'dup', token(44));
      expect(await store.get('odd', 'binary')).toEqual(token(43));
      expect(await store.get('odd', 'dup')).toEqual(token(44));
      expect(
        (await keychain.findCredentials(service)).filter((c) => c.account === 'odd:dup'),
      ).toHaveLength(1);
    },
  );
});
