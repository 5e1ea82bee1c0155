// The refresh grant against the real testkit server: rotation, reuse → RefreshTokenRevokedError,
// exactly one token-endpoint call per refresh, and each injected fault typed as it should be.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, isAbortError, type OAuthToken } from '@baton/core';
import {
  startAuthorizationServer,
  startRawHttpServer,
  type AuthorizationServer,
} from '@baton/testkit';
import {
  OAuthFlowError,
  refreshToken,
  RefreshTokenRevokedError,
  resolveProvider,
  startDeviceAuthorization,
  TransientRefreshError,
  parseProviderConfig,
  type ResolvedProvider,
} from '../../src/auth/flows/index.js';
import { localProvider } from './helpers.js';

let server: AuthorizationServer;
let provider: ResolvedProvider;

beforeAll(async () => {
  server = await startAuthorizationServer();
  provider = await resolveProvider(localProvider(server));
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.clearFaults();
  server.resetCounters();
});

async function login(account: string): Promise<OAuthToken> {
  const pending = await startDeviceAuthorization(provider, { intervalMs: 20 });
  const approval = server.approveDeviceCode(pending.userCode, { account });
  const token = await pending.waitForToken();
  await approval;
  server.resetCounters();
  return token;
}

describe('refresh grant', () => {
  it('rotates the refresh token with exactly one token-endpoint call', async () => {
    const first = await login('rot');
    const clock = new FakeClock(Date.now());
    const refreshed = await refreshToken(provider, first, { clock });
    expect(refreshed.refresh_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).not.toBe(first.refresh_token);
    expect(refreshed.access_token).not.toBe(first.access_token);
    expect(refreshed.expiry).toBe(Math.floor(clock.now() / 1000) + 300);
    expect(server.counters.total).toBe(1);
    expect(server.refreshCallsFor(first.refresh_token!)).toBe(1);
  });

  it('replaying the old refresh token gives RefreshTokenRevokedError (invalid_grant), no secret in it', async () => {
    const first = await login('replay');
    await refreshToken(provider, first);
    const error = await refreshToken(provider, first).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefreshTokenRevokedError);
    expect((error as RefreshTokenRevokedError).error).toBe('invalid_grant');
    expect((error as Error).message).not.toContain(first.refresh_token!);
    expect(JSON.stringify(error)).not.toContain(first.refresh_token!);
    expect(server.refreshCallsFor(first.refresh_token!)).toBe(2);
  });

  it('types the injected faults: invalid_grant revoked; 500, dropped and slow calls transient', async () => {
    const token = await login('faults');
    server.failNextRefreshes(1, 'invalid_grant');
    server.failNextRefreshes(1, 500);
    server.failNextRefreshes(1, 'drop');
    const revoked = await refreshToken(provider, token).catch((e: unknown) => e);
    expect(revoked).toBeInstanceOf(RefreshTokenRevokedError);
    const failed = await refreshToken(provider, token).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(TransientRefreshError);
    expect((failed as TransientRefreshError).status).toBe(500);
    const dropped = await refreshToken(provider, token).catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(TransientRefreshError);
    server.failNextRefreshes(1, { delayMs: 5_000 });
    const slow = await refreshToken(provider, token, { requestTimeoutMs: 300 }).catch(
      (e: unknown) => e,
    );
    expect(slow).toBeInstanceOf(TransientRefreshError);
    expect(server.refreshCallsFor(token.refresh_token!)).toBe(4);
  });

  it('aborts with the caller signal', async () => {
    const token = await login('abort');
    const controller = new AbortController();
    server.failNextRefreshes(1, { delayMs: 5_000 });
    const pending = refreshToken(provider, token, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await pending.catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
  });

  it('keeps the old refresh token when the server returns none (no rotation, e.g. Google)', async () => {
    const recorder = await startRawHttpServer();
    recorder.script('/token', [
      { json: { access_token: 'new-access', token_type: 'bearer', expires_in: 120 } },
    ]);
    try {
      const noRotation = await resolveProvider(
        parseProviderConfig({
          name: 'norotate',
          endpoints: {
            token: `${recorder.url}/token`,
            deviceAuthorization: `${recorder.url}/device`,
          },
          clientId: 'c1',
          flow: 'device',
          api: 'openai',
          baseUrl: 'http://127.0.0.1:9/v1',
        }),
      );
      const previous: OAuthToken = {
        access_token: 'old-access',
        refresh_token: 'kept-refresh',
        token_type: 'Bearer',
        expiry: 1,
        account_id: 'acct-1',
      };
      const clock = new FakeClock();
      const merged = await refreshToken(noRotation, previous, { clock });
      expect(merged).toEqual({
        access_token: 'new-access',
        refresh_token: 'kept-refresh',
        token_type: 'Bearer',
        expiry: Math.floor(clock.now() / 1000) + 120,
        account_id: 'acct-1',
      });
      expect(Object.fromEntries(new URLSearchParams(recorder.requests[0]!.body))).toEqual({
        grant_type: 'refresh_token',
        refresh_token: 'kept-refresh',
        client_id: 'c1',
      });
    } finally {
      await recorder.close();
    }
  });

  it('refuses to refresh a token that has no refresh token, without a request', async () => {
    const error = await refreshToken(provider, { access_token: 'a', token_type: 'Bearer' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RefreshTokenRevokedError);
    expect(error).toBeInstanceOf(OAuthFlowError);
    expect(server.counters.total).toBe(0);
  });
});
