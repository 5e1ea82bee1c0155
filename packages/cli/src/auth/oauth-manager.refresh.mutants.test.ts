// The OAuthManager's refresh path against a real token endpoint (the testkit's raw HTTP server): when
// a lookup refreshes, what it sends, what it stores and returns, how a dead grant is remembered and
// marked "needs login", and the reuse of a read made moments ago. Written against Stryker's survivors.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redactSecret } from '@baton/core';
import { startRawHttpServer, type RawHttpServer } from '@baton/testkit';
import {
  BUCKET,
  INVALID_GRANT,
  PROVIDER,
  issued,
  refreshHarness,
  type RefreshHarness,
} from '../../test/fixtures/refresh-harness.js';
import { apiKeyToken } from './credential.js';
import { RefreshTokenRevokedError, TransientRefreshError } from './flows/errors.js';
import {
  ApiKeyRejectedError,
  NoCredentialError,
  RECENT_READ_REUSE_MS,
  UNTIL_LOGIN_MS,
} from './oauth-manager.js';

let raw: RawHttpServer;
let h: RefreshHarness;
beforeAll(async () => {
  raw = await startRawHttpServer();
});
afterAll(async () => {
  await raw.close();
});
afterEach(async () => {
  await h.close();
});

function expectNoSecretInLog(...secrets: (string | undefined)[]): void {
  for (const secret of secrets) {
    if (secret !== undefined) expect(h.log.join('\n')).not.toContain(secret);
  }
}

describe('getOAuthToken', () => {
  it('returns a token with more than 30 s left as stored, without a token request', async () => {
    h = await refreshHarness(raw);
    const token = await h.stored('a', 31);
    expect(await h.manager.getOAuthToken(PROVIDER, BUCKET)).toEqual(token);
    expect(h.tokenRequests()).toEqual([]);
  });

  it('refreshes a near-expiry token: sends its refresh token, stores and returns the new one, logs it redacted', async () => {
    h = await refreshHarness(raw);
    const old = await h.stored('a', 30);
    raw.script('/token', [issued('b')]);
    const token = await h.manager.getOAuthToken(PROVIDER, BUCKET);
    expect(h.tokenRequests().map((r) => [r.grantType, r.refreshToken])).toEqual([
      ['refresh_token', old.refresh_token],
    ]);
    expect(token).toMatchObject({
      access_token: 'access-token-b',
      refresh_token: 'refresh-token-b',
      expiry: h.issuedExpiry(),
    });
    expect(await h.current()).toEqual(token);
    expect(h.log).toEqual([
      `refreshed ${PROVIDER}/${BUCKET}: ${redactSecret('access-token-b')}, 3600 s left`,
    ]);
    expectNoSecretInLog(old.access_token, old.refresh_token, 'access-token-b', 'refresh-token-b');
  });

  it('is null when nothing is stored; an API key comes back as is and is never refreshed', async () => {
    h = await refreshHarness(raw);
    expect(await h.manager.getOAuthToken(PROVIDER, BUCKET)).toBeNull();
    const key = apiKeyToken('sk-test-key-0123456789');
    await h.store.save(PROVIDER, BUCKET, key);
    expect(await h.manager.getOAuthToken(PROVIDER, BUCKET)).toEqual(key);
    expect(await h.manager.refreshExpired(PROVIDER, BUCKET, key)).toEqual(key);
    expect(h.tokenRequests()).toEqual([]);
  });

  it('one refresh per bucket at a time: concurrent lookups share it, a later one starts anew', async () => {
    h = await refreshHarness(raw);
    await h.stored('a', 10);
    raw.script('/token', [issued('b'), issued('c')]);
    const [one, two] = await Promise.all([
      h.manager.getOAuthToken(PROVIDER, BUCKET),
      h.manager.getOAuthToken(PROVIDER, BUCKET),
    ]);
    expect(one?.access_token).toBe('access-token-b');
    expect(two?.access_token).toBe('access-token-b');
    expect(h.tokenRequests()).toHaveLength(1);
    const forced = await h.manager.forceRefresh(PROVIDER, BUCKET);
    expect(forced.access_token).toBe('access-token-c');
    expect(h.tokenRequests().map((r) => r.refreshToken)).toEqual([
      'refresh-token-a',
      'refresh-token-b',
    ]);
  });
});

describe('forceRefresh', () => {
  it('throws NoCredentialError for an empty bucket and ApiKeyRejectedError for an API key', async () => {
    h = await refreshHarness(raw);
    const none = await h.manager.forceRefresh(PROVIDER, BUCKET).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(NoCredentialError);
    expect(none).toMatchObject({ provider: PROVIDER, bucket: BUCKET });
    expect((none as Error).message).toBe(
      `no credential is stored for ${PROVIDER}/${BUCKET}; run \`baton auth login ${PROVIDER} --bucket ${BUCKET}\``,
    );
    await h.store.save(PROVIDER, BUCKET, apiKeyToken('sk-test-key-0123456789'));
    const rejected = await h.manager.forceRefresh(PROVIDER, BUCKET).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(ApiKeyRejectedError);
    expect(rejected).toMatchObject({ provider: PROVIDER, bucket: BUCKET });
    expect((rejected as Error).message).toBe(
      `the API key of ${PROVIDER}/${BUCKET} was rejected; store a new one with \`baton auth login ${PROVIDER} --bucket ${BUCKET} --api-key\``,
    );
    expect(h.tokenRequests()).toEqual([]);
  });

  it('returns the stored token without a request when it is no longer the one that failed', async () => {
    h = await refreshHarness(raw);
    const stored = await h.stored('a', 3600);
    expect(await h.manager.forceRefresh(PROVIDER, BUCKET, 'access-token-older')).toEqual(stored);
    expect(h.tokenRequests()).toEqual([]);
    expect(h.log).toEqual([
      `force-refresh ${PROVIDER}/${BUCKET}: the stored token already changed, using it`,
    ]);
    // A key stored meanwhile is not "a newer token": it cannot be refreshed and was refused.
    await h.store.save(PROVIDER, BUCKET, apiKeyToken('sk-test-key-0123456789'));
    await expect(
      h.manager.forceRefresh(PROVIDER, BUCKET, 'access-token-older'),
    ).rejects.toBeInstanceOf(ApiKeyRejectedError);
  });

  it('refreshes a token with an hour left when it is the one that failed', async () => {
    h = await refreshHarness(raw);
    const stored = await h.stored('a', 3600);
    raw.script('/token', [issued('b')]);
    const token = await h.manager.forceRefresh(PROVIDER, BUCKET, stored.access_token);
    expect(token.access_token).toBe('access-token-b');
    expect(h.tokenRequests().map((r) => r.refreshToken)).toEqual([stored.refresh_token]);
    expect((await h.current())?.access_token).toBe('access-token-b');
  });
});

describe('refreshExpired, under the lock', () => {
  it('uses a fresh token another process stored meanwhile, without a request', async () => {
    h = await refreshHarness(raw);
    const mine = await h.stored('a', -5);
    const theirs = await h.stored('elsewhere', 3600);
    expect(await h.manager.refreshExpired(PROVIDER, BUCKET, mine)).toEqual(theirs);
    expect(h.tokenRequests()).toEqual([]);
    expect(h.log).toEqual([`refresh ${PROVIDER}/${BUCKET}: another process already refreshed`]);
  });

  it('refreshes the stored token, not the one it started from, when that one is near expiry too', async () => {
    h = await refreshHarness(raw);
    const mine = await h.stored('a', -5);
    await h.stored('elsewhere', 20);
    raw.script('/token', [issued('b')]);
    const token = await h.manager.refreshExpired(PROVIDER, BUCKET, mine);
    expect(token.access_token).toBe('access-token-b');
    expect(h.tokenRequests().map((r) => r.refreshToken)).toEqual(['refresh-token-elsewhere']);
  });

  it('throws NoCredentialError when the bucket was emptied, ApiKeyRejectedError when it now holds a key', async () => {
    h = await refreshHarness(raw);
    const mine = await h.stored('a', -5);
    await h.store.remove(PROVIDER, BUCKET);
    await expect(h.manager.refreshExpired(PROVIDER, BUCKET, mine)).rejects.toBeInstanceOf(
      NoCredentialError,
    );
    await h.store.save(PROVIDER, BUCKET, apiKeyToken('sk-test-key-0123456789'));
    await expect(h.manager.refreshExpired(PROVIDER, BUCKET, mine)).rejects.toBeInstanceOf(
      ApiKeyRejectedError,
    );
    expect(h.tokenRequests()).toEqual([]);
  });
});

describe('a refused refresh', () => {
  it('invalid_grant marks the bucket "needs login" and never sends that refresh token again', async () => {
    h = await refreshHarness(raw);
    const old = await h.stored('a', -5);
    raw.script('/token', [INVALID_GRANT]);
    const first = await h.manager.getOAuthToken(PROVIDER, BUCKET).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(RefreshTokenRevokedError);
    expect(await h.ledger.get(PROVIDER, BUCKET)).toEqual({
      reason: 'expired-refresh-failed',
      source: 'until-login',
      until: h.clock.now() + UNTIL_LOGIN_MS,
      recordedAt: h.clock.now(),
    });
    expect(h.log).toEqual([`refresh ${PROVIDER}/${BUCKET} failed: ${(first as Error).message}`]);
    expect(await h.current()).toEqual(old);

    const again = await h.manager.forceRefresh(PROVIDER, BUCKET).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(RefreshTokenRevokedError);
    expect((again as Error).message).toBe(
      `the refresh token of ${PROVIDER}/${BUCKET} was rejected earlier; log in again`,
    );
    expect(h.tokenRequests()).toHaveLength(1);

    // A new grant (a login elsewhere) is refreshed again, and its success ends the mark.
    await h.stored('relogged', -5);
    raw.script('/token', [issued('b')]);
    expect((await h.manager.getOAuthToken(PROVIDER, BUCKET))?.access_token).toBe('access-token-b');
    expect(h.tokenRequests().map((r) => r.refreshToken)).toEqual([
      old.refresh_token,
      'refresh-token-relogged',
    ]);
    expect(await h.ledger.get(PROVIDER, BUCKET)).toBeUndefined();
    expectNoSecretInLog(old.refresh_token, 'refresh-token-relogged');
  });

  it('a token without a refresh token fails the same way every time and is marked too', async () => {
    h = await refreshHarness(raw);
    await h.store.save(PROVIDER, BUCKET, {
      access_token: 'access-token-bare',
      token_type: 'Bearer',
      expiry: h.issuedExpiry(-5),
    });
    for (let i = 0; i < 2; i++) {
      const error = await h.manager.getOAuthToken(PROVIDER, BUCKET).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RefreshTokenRevokedError);
      expect((error as Error).message).toContain('has no refresh token');
    }
    expect(await h.ledger.get(PROVIDER, BUCKET)).toMatchObject({ source: 'until-login' });
    expect(h.tokenRequests()).toEqual([]);
  });

  it('a transient failure leaves no mark and the next lookup asks the server again', async () => {
    h = await refreshHarness(raw);
    const old = await h.stored('a', -5);
    raw.script('/token', [
      { status: 503, json: { error: 'temporarily_unavailable' } },
      issued('b'),
    ]);
    await expect(h.manager.getOAuthToken(PROVIDER, BUCKET)).rejects.toBeInstanceOf(
      TransientRefreshError,
    );
    expect(await h.ledger.get(PROVIDER, BUCKET)).toBeUndefined();
    expect(await h.current()).toEqual(old);
    expect((await h.manager.getOAuthToken(PROVIDER, BUCKET))?.access_token).toBe('access-token-b');
    expect(h.tokenRequests().map((r) => r.refreshToken)).toEqual([
      old.refresh_token,
      old.refresh_token,
    ]);
  });

  it('a successful refresh ends a "needs login" mark but leaves a provider-stated cooldown', async () => {
    h = await refreshHarness(raw);
    await h.stored('a', -5);
    const until = h.clock.now() + 90_000;
    await h.ledger.record(PROVIDER, BUCKET, {
      reason: 'quota-exhausted',
      source: 'retry-after',
      until,
    });
    raw.script('/token', [issued('b')]);
    await h.manager.getOAuthToken(PROVIDER, BUCKET);
    expect(await h.ledger.get(PROVIDER, BUCKET)).toMatchObject({ source: 'retry-after', until });
  });
});

describe('a read made moments ago', () => {
  it('serves the next lookup once, up to 2 s old', async () => {
    h = await refreshHarness(raw);
    const peeked = await h.stored('a', 3600);
    expect(await h.manager.peekToken(PROVIDER, BUCKET)).toEqual(peeked);
    await h.stored('0', 3600);
    expect(await h.manager.getOAuthToken(PROVIDER, BUCKET)).toEqual(peeked); // read this instant
    await h.manager.peekToken(PROVIDER, BUCKET);
    const newer = await h.stored('b', 3600);
    await h.clock.advance(RECENT_READ_REUSE_MS);
    expect((await h.manager.getOAuthToken(PROVIDER, BUCKET))?.access_token).toBe('access-token-0');
    expect(await h.manager.getOAuthToken(PROVIDER, BUCKET)).toEqual(newer);

    await h.manager.peekToken(PROVIDER, BUCKET);
    const newest = await h.stored('c', 3600);
    await h.clock.advance(RECENT_READ_REUSE_MS + 1);
    expect(await h.manager.getOAuthToken(PROVIDER, BUCKET)).toEqual(newest);
  });

  it('is not reused after the clock went back, nor after a refresh replaced it', async () => {
    h = await refreshHarness(raw);
    await h.stored('a', 3600);
    await h.manager.peekToken(PROVIDER, BUCKET);
    const newer = await h.stored('b', 3600);
    await h.clock.advance(-1);
    expect(await h.manager.getOAuthToken(PROVIDER, BUCKET)).toEqual(newer);

    await h.manager.peekToken(PROVIDER, BUCKET);
    raw.script('/token', [issued('c')]);
    await h.manager.refreshExpired(PROVIDER, BUCKET, newer);
    expect((await h.manager.getOAuthToken(PROVIDER, BUCKET))?.access_token).toBe('access-token-c');
  });
});
