// OAuthManager on its own: lookups, force-refresh, single-flight logins, API keys, logout and
// status, against the real authorization server and file store.
import { afterEach, describe, expect, it } from 'vitest';
import { introspect } from '../flows/helpers.js';
import { NoCredentialError } from '../../src/auth/oauth-manager.js';
import { PROVIDER, startWorld, type World } from './world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('OAuthManager', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P12
   * @plan PLAN-20260223-ISSUE1598.P13
   * @requirement REQ-1598-FR07
   */
  it('getOAuthToken returns a valid token as stored and refreshes one near expiry, persisting to that bucket only', async () => {
    world = await startWorld();
    const w = world;
    const a = await w.loginBucket('a');
    const b = await w.loginBucket('b');
    w.server.resetCounters();
    expect((await w.manager.getOAuthToken(PROVIDER, 'a'))?.access_token).toBe(a.access_token);
    await w.store.save(PROVIDER, 'a', { ...a, expiry: Math.floor(Date.now() / 1000) + 10 });
    const refreshed = await w.manager.getOAuthToken(PROVIDER, 'a');
    expect(refreshed?.access_token).not.toBe(a.access_token);
    expect(w.server.counters.byGrantType.refresh_token).toBe(1);
    expect((await w.store.get(PROVIDER, 'a'))?.access_token).toBe(refreshed?.access_token);
    expect((await w.store.get(PROVIDER, 'b'))?.access_token).toBe(b.access_token);
    expect(await introspect(w.server, refreshed!.access_token)).toMatchObject({ active: true });
    expect(await w.manager.getOAuthToken(PROVIDER, 'nobody')).toBeNull();
  });

  it('peekToken never refreshes, even an expired token', async () => {
    world = await startWorld();
    const w = world;
    await w.loginBucket('a');
    await w.expire('a');
    w.server.resetCounters();
    const peeked = await w.manager.peekToken(PROVIDER, 'a');
    expect(peeked!.expiry!).toBeLessThan(Date.now() / 1000);
    expect(w.server.counters.total).toBe(0);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P12
   * @requirement REQ-1598-LK03, REQ-1598-RO04
   */
  it('forceRefresh skips the refresh when the stored token already differs from the one that failed', async () => {
    world = await startWorld();
    const w = world;
    const first = await w.loginBucket('a');
    w.server.resetCounters();
    const second = await w.manager.forceRefresh(PROVIDER, 'a', first.access_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(w.server.counters.byGrantType.refresh_token).toBe(1);
    // A second request that failed with the first token: the store already moved on.
    const third = await w.manager.forceRefresh(PROVIDER, 'a', first.access_token);
    expect(third.access_token).toBe(second.access_token);
    expect(w.server.counters.byGrantType.refresh_token).toBe(1);
    await expect(w.manager.forceRefresh(PROVIDER, 'none', 'x')).rejects.toBeInstanceOf(
      NoCredentialError,
    );
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P13
   * @plan PLAN-20260223-ISSUE1598.P15
   * @requirement REQ-1598-FR06, REQ-1598-FR07
   */
  it('two concurrent logins of one bucket show one prompt and both get its token', async () => {
    world = await startWorld();
    const w = world;
    const [one, two] = await Promise.all([
      w.manager.authenticate(PROVIDER, 'a', { force: true }),
      w.manager.authenticate(PROVIDER, 'a', { force: true }),
    ]);
    expect(w.logins).toEqual(['a']);
    expect(one.access_token).toBe(two.access_token);
    expect((await w.store.get(PROVIDER, 'a'))?.access_token).toBe(one.access_token);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P15
   * @requirement REQ-1598-FR05
   */
  it('a login that exceeds its time limit is cut off and stores nothing', async () => {
    world = await startWorld({ loginMode: 'hang' });
    const w = world;
    const started = Date.now();
    await expect(w.manager.authenticate(PROVIDER, 'a', { timeoutMs: 300 })).rejects.toThrow(
      /within/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await w.store.listBuckets(PROVIDER)).toEqual([]);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-CL08
   */
  it('API keys are stored like tokens, never refreshed, and replace an OAuth token', async () => {
    world = await startWorld();
    const w = world;
    await w.loginBucket('a');
    await w.manager.saveApiKey(PROVIDER, 'a', '  sk-live-abcdef0123456789  ');
    const stored = await w.manager.getOAuthToken(PROVIDER, 'a');
    expect(stored).toMatchObject({ access_token: 'sk-live-abcdef0123456789', kind: 'api-key' });
    const status = await w.manager.status(PROVIDER);
    expect(status.buckets).toEqual([
      expect.objectContaining({
        bucket: 'a',
        kind: 'api-key',
        authenticated: true,
        needsLogin: false,
      }),
    ]);
    expect(status.buckets[0]).not.toHaveProperty('expiresAt');
    await expect(w.manager.saveApiKey(PROVIDER, 'b', '   ')).rejects.toThrow(/empty/);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P13
   * @requirement REQ-1598-CLI06
   */
  it('logout revokes at the server, removes locally, clears the session bucket and cooldowns', async () => {
    world = await startWorld();
    const w = world;
    const a = await w.loginBucket('a');
    await w.loginBucket('b');
    w.manager.setSessionBucket(PROVIDER, 'work', 'a');
    await w.ledger.record(PROVIDER, 'a', {
      reason: 'quota-exhausted',
      source: 'guess',
      until: Date.now() + 30_000,
    });
    const result = await w.manager.logout(PROVIDER, 'a');
    expect(result).toEqual({ removed: ['a'], revoked: ['a'] });
    expect(await introspect(w.server, a.access_token)).toMatchObject({ active: false });
    expect(await w.store.listBuckets(PROVIDER)).toEqual(['b']);
    expect(w.manager.getSessionBucket(PROVIDER, 'work')).toBeUndefined();
    expect(await w.ledger.get(PROVIDER, 'a')).toBeUndefined();
    expect(await w.manager.logout(PROVIDER, { all: true })).toMatchObject({ removed: ['b'] });
    expect((await w.manager.status(PROVIDER)).buckets).toEqual([]);
  });

  it('logout removes locally even when the server cannot be reached', async () => {
    world = await startWorld();
    const w = world;
    await w.loginBucket('a');
    await w.server.close();
    const result = await w.manager.logout(PROVIDER, 'a', { revokeTimeoutMs: 500 });
    expect(result).toEqual({ removed: ['a'], revoked: [] });
    expect(await w.store.listBuckets(PROVIDER)).toEqual([]);
    await w.server.restart();
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P17
   * @requirement REQ-1598-CLI01
   */
  it('status reports what is known per bucket, including buckets of the profile with nothing stored', async () => {
    world = await startWorld();
    const w = world;
    const a = await w.loginBucket('a');
    await w.ledger.record(PROVIDER, 'a', {
      reason: 'quota-exhausted',
      source: 'retry-after',
      until: Date.now() + 60_000,
    });
    w.manager.setSessionBucket(PROVIDER, 'work', 'a');
    const report = await w.manager.status(PROVIDER, { buckets: ['a', 'b'] });
    expect(report.store.backend).toBe('file');
    const [sa, sb] = report.buckets;
    expect(sa).toMatchObject({
      bucket: 'a',
      kind: 'oauth',
      authenticated: true,
      active: true,
      needsLogin: false,
      expiresAt: a.expiry! * 1000,
      coolingReason: 'quota-exhausted',
    });
    expect(sb).toMatchObject({
      bucket: 'b',
      authenticated: false,
      active: false,
      needsLogin: true,
    });
    expect(sb).not.toHaveProperty('expiresAt');
    expect(JSON.stringify(report)).not.toContain(a.access_token);
  });
});
