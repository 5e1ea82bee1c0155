// BEHAVIOR §5 rule by rule, on the real handler with the real manager, file store, ledger and
// authorization server: tryFailover is called the way the RetryOrchestrator calls it.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AllBucketsExhaustedError, FakeClock } from '@baton/core';
import { tokenFileName } from '../../src/auth/storage/encrypted-file-token-store.js';
import { EncryptedFileTokenStore } from '../../src/auth/storage/encrypted-file-token-store.js';
import { GUESSED_BILLING_COOLDOWN_MS, GUESSED_QUOTA_COOLDOWN_MS } from '../../src/index.js';
import { accountOf, ask, OUT_OF_QUOTA, PROVIDER, startWorld, type World } from './world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function setup(loggedIn: string[]): Promise<World> {
  world = await startWorld();
  for (const bucket of loggedIn) await world.loginBucket(bucket);
  world.server.resetCounters();
  return world;
}

const refreshes = (w: World): number => w.server.counters.byGrantType.refresh_token ?? 0;

describe('pass 1: the triggering bucket', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-CL01
   */
  it('429 with a stated reset → quota-exhausted until that reset, recorded in the ledger', async () => {
    const w = await setup(['a', 'b']);
    const h = w.client(['a', 'b']).handler;
    const retryAt = Date.now() + 120_000;
    await expect(h.tryFailover({ triggeringStatus: 429, trigger: 'quota', retryAt })).resolves.toBe(
      true,
    );
    expect(h.getLastFailoverDetails().a).toEqual({
      reason: 'quota-exhausted',
      status: 429,
      retryAt,
    });
    expect(await w.ledger.get(PROVIDER, 'a')).toMatchObject({
      until: retryAt,
      source: 'retry-after',
    });
    expect(h.getCurrentBucket()).toBe('b');
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-CL01
   */
  it('402 without a reset → a 60 s guess; credit/billing wording → a 1 h guess', async () => {
    const w = await setup(['a', 'b', 'c']);
    const h = w.client(['a', 'b', 'c']).handler;
    const t0 = Date.now();
    await h.tryFailover({ triggeringStatus: 402, trigger: 'quota' });
    const a = (await w.ledger.get(PROVIDER, 'a'))!;
    expect(a.source).toBe('guess');
    expect(a.until - t0).toBeGreaterThanOrEqual(GUESSED_QUOTA_COOLDOWN_MS);
    expect(a.until - Date.now()).toBeLessThanOrEqual(GUESSED_QUOTA_COOLDOWN_MS);
    await h.tryFailover({ triggeringStatus: 400, trigger: 'quota', billing: true });
    const b = (await w.ledger.get(PROVIDER, 'b'))!;
    expect(b.until - Date.now()).toBeGreaterThan(GUESSED_BILLING_COOLDOWN_MS - 5_000);
    expect(h.getCurrentBucket()).toBe('c');
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-CL02, REQ-1598-FL03
   */
  it('a bucket out again right after its guessed cooldown ended gets a doubled guess (reported as its retry time)', async () => {
    const clock = new FakeClock(Date.now());
    world = await startWorld({ clock });
    const w = world;
    await w.loginBucket('a');
    await w.loginBucket('b');
    const client = w.client(['a', 'b']);
    const h = client.handler;
    await h.tryFailover({ triggeringStatus: 429, trigger: 'rate-limit', failedBucket: 'a' });
    expect((await w.ledger.get(PROVIDER, 'a'))!.until - clock.now()).toBe(
      GUESSED_QUOTA_COOLDOWN_MS,
    );
    await clock.advance(GUESSED_QUOTA_COOLDOWN_MS);
    await client.newTurn();
    expect(client.currentBucket()).toBe('a');
    await h.tryFailover({ triggeringStatus: 429, trigger: 'rate-limit', failedBucket: 'a' });
    const grown = (await w.ledger.get(PROVIDER, 'a'))!.until;
    expect(grown - clock.now()).toBe(2 * GUESSED_QUOTA_COOLDOWN_MS);
    expect(h.getLastFailoverDetails().a?.retryAt).toBe(grown);
  });

  it('a refusal by policy → refused, no refresh, remembered so later calls skip it without a request', async () => {
    const w = await setup(['a', 'b']);
    const h = w.client(['a', 'b']).handler;
    const message =
      'This credential is only authorized for use with Claude Code and cannot be used for other API requests.';
    await h.tryFailover({ triggeringStatus: 403, trigger: 'refused', message, interactive: true });
    expect(h.getLastFailoverReasons()).toEqual({ a: 'refused' });
    expect(h.getLastFailoverDetails().a?.message).toBe(message);
    expect(refreshes(w)).toBe(0);
    expect(w.logins).toEqual([]);
    // A later request fails on b: a is skipped as refused by the ledger, not probed.
    h.resetSession();
    expect(
      await h.tryFailover({ triggeringStatus: 429, trigger: 'quota', interactive: true }),
    ).toBe(false);
    expect(h.getLastFailoverReasons()).toEqual({ a: 'refused', b: 'quota-exhausted' });
    expect(w.logins).toEqual([]);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-CL05
   */
  it('expired token → refreshed in place: true at once, no switch', async () => {
    const w = await setup(['a', 'b']);
    await w.expire('a');
    const h = w.client(['a', 'b']).handler;
    await expect(h.tryFailover({ triggeringStatus: 401, trigger: 'auth' })).resolves.toBe(true);
    expect(h.getCurrentBucket()).toBe('a');
    expect(refreshes(w)).toBe(1);
    expect(h.getLastFailoverReasons()).toEqual({});
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-CL05
   */
  it('expired token whose refresh is refused → expired-refresh-failed, "needs login" in the ledger', async () => {
    const w = await setup(['a', 'b']);
    await w.expire('a');
    w.server.revokeGrant(accountOf('a'));
    const h = w.client(['a', 'b']).handler;
    await expect(h.tryFailover({ triggeringStatus: 401, trigger: 'auth' })).resolves.toBe(true);
    expect(h.getLastFailoverReasons()).toEqual({ a: 'expired-refresh-failed' });
    expect(h.getCurrentBucket()).toBe('b');
    expect(await w.ledger.get(PROVIDER, 'a')).toMatchObject({
      reason: 'expired-refresh-failed',
      source: 'until-login',
    });
    const status = await w.manager.status(PROVIDER);
    expect(status.buckets.find((b) => b.bucket === 'a')?.needsLogin).toBe(true);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-CL06
   */
  it('valid token and 401/403 → expired-refresh-failed (revoked by the server: reauth-eligible)', async () => {
    const w = await setup(['a']);
    const h = w.client(['a', 'b']).handler;
    expect(await h.tryFailover({ triggeringStatus: 403, trigger: 'auth' })).toBe(false);
    expect(h.getLastFailoverReasons()).toEqual({ a: 'expired-refresh-failed', b: 'no-token' });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-CL07
   */
  it('valid token and a 5xx or network failure → skipped (not about the credentials), with the stated retry time', async () => {
    const w = await setup(['a', 'b']);
    const h = w.client(['a', 'b']).handler;
    const retryAt = Date.now() + 90_000;
    await h.tryFailover({ triggeringStatus: 503, trigger: 'long-wait', retryAt });
    expect(h.getLastFailoverDetails().a).toEqual({ reason: 'skipped', status: 503, retryAt });
    expect(await w.ledger.get(PROVIDER, 'a')).toBeUndefined();
    expect(h.getCurrentBucket()).toBe('b');
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-CL04
   */
  it('no stored token → no-token', async () => {
    const w = await setup(['b']);
    const h = w.client(['a', 'b']).handler;
    await h.tryFailover({ trigger: 'auth' });
    expect(h.getLastFailoverReasons()).toEqual({ a: 'no-token' });
  });
});

describe('pass 2: the next usable bucket', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-FL02, REQ-1598-FL03, REQ-1598-FL04
   */
  it('in profile order: tried → its reason, cooling → quota-exhausted with no request spent, missing → no-token, expired → refreshed and used', async () => {
    const w = await setup(['a', 'b', 'd']);
    await w.expire('d');
    await w.ledger.record(PROVIDER, 'b', {
      reason: 'quota-exhausted',
      source: 'retry-after',
      until: Date.now() + 300_000,
    });
    const h = w.client(['a', 'b', 'c', 'd']).handler;
    await expect(h.tryFailover({ triggeringStatus: 429, trigger: 'quota' })).resolves.toBe(true);
    expect(h.getLastFailoverReasons()).toEqual({
      a: 'quota-exhausted',
      b: 'quota-exhausted',
      c: 'no-token',
    });
    expect(h.getCurrentBucket()).toBe('d');
    expect(refreshes(w)).toBe(1);
    expect(w.emulator.counters.requests).toBe(0);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-CL08
   */
  it('an API-key bucket is usable as it is (never refreshed)', async () => {
    const w = await setup(['a']);
    await w.manager.saveApiKey(PROVIDER, 'key', 'sk-test-0123456789abcdef');
    w.emulator.setStaticKey('sk-test-0123456789abcdef', accountOf('key'));
    w.emulator.setQuota(accountOf('a'), OUT_OF_QUOTA);
    const client = w.client(['a', 'key']);
    await expect(ask(client, 'with a key')).resolves.toBe('with a key');
    expect(client.currentBucket()).toBe('key');
    expect(refreshes(w)).toBe(0);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-CL08
   */
  it('a rejected API key → expired-refresh-failed "the API key was rejected", never a login', async () => {
    const w = await setup([]);
    await w.manager.saveApiKey(PROVIDER, 'key', 'sk-revoked-000000000000');
    const h = w.client(['key']).handler;
    expect(await h.tryFailover({ triggeringStatus: 401, trigger: 'auth', interactive: true })).toBe(
      false,
    );
    expect(h.getLastFailoverDetails().key).toMatchObject({
      reason: 'expired-refresh-failed',
      message: 'the API key was rejected',
    });
    expect(w.logins).toEqual([]);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P08
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-CL03, REQ-1598-ST09
   */
  it('a corrupt entry reads as no-token for that bucket only, and a login may replace it', async () => {
    const w = await setup(['a', 'b']);
    await writeFile(path.join(w.dir, 'tokens', tokenFileName(PROVIDER, 'b')), 'not a token file', {
      mode: 0o600,
    });
    const h = w.client(['a', 'b']).handler;
    expect(
      await h.tryFailover({ triggeringStatus: 429, trigger: 'quota', interactive: true }),
    ).toBe(true);
    expect(w.logins).toEqual(['b']);
    expect(h.getCurrentBucket()).toBe('b');
    expect((await w.store.get(PROVIDER, 'b'))?.access_token).toBeTruthy();
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P14
   * @plan PLAN-20260223-ISSUE1598.P15
   * @requirement REQ-1598-CL03, REQ-1598-FR03
   */
  it('a store outage (key mismatch) is not "no token": no login is started, the fix is in the error', async () => {
    const w = await setup(['a']);
    const other = new EncryptedFileTokenStore({
      dir: path.join(w.dir, 'tokens'),
      passphrase: 'another passphrase',
    });
    await other.save(PROVIDER, 'b', {
      access_token: 'unreadable-here',
      token_type: 'Bearer',
      expiry: Date.now() / 1000 + 600,
    });
    w.emulator.setQuota(accountOf('a'), OUT_OF_QUOTA);
    const client = w.client(['a', 'b'], { interactive: true });
    const error = (await ask(client, 'x').catch((e: unknown) => e)) as AllBucketsExhaustedError;
    expect(error).toBeInstanceOf(AllBucketsExhaustedError);
    expect(w.logins).toEqual([]);
    expect(error.bucketFailureReasons.b).toBe('no-token');
    expect(error.details.b?.action).toBeTruthy();
    expect(error.message).not.toContain('baton auth login local --bucket b');
  });
});

describe('pass 3: one foreground login', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P15
   * @requirement REQ-1598-FR01, REQ-1598-FR02, REQ-1598-FR06
   */
  it('only when interactive; first eligible bucket in profile order; at most one login per call', async () => {
    const w = await setup(['a']);
    w.loginMode = 'hang';
    const h = w.client(['a', 'b', 'c']).handler;
    expect(await h.tryFailover({ triggeringStatus: 429, trigger: 'quota' })).toBe(false);
    expect(w.logins).toEqual([]);
    h.resetSession();
    // b's login fails (denied at once): c is not tried in the same call.
    const controller = new AbortController();
    const started = h.tryFailover({
      triggeringStatus: 429,
      trigger: 'quota',
      interactive: true,
      signal: controller.signal,
    });
    while (w.pendingCodes.length === 0) await new Promise((r) => setTimeout(r, 10));
    await w.server.denyDeviceCode(w.pendingCodes[0]!);
    expect(await started).toBe(false);
    expect(w.logins).toEqual(['b']);
    expect(h.getLastFailoverReasons()).toEqual({
      a: 'quota-exhausted',
      b: 'reauth-failed',
      c: 'no-token',
    });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P15
   * @requirement REQ-1598-FR04
   */
  it('re-checks the store before prompting: a bucket logged in meanwhile is used without a prompt', async () => {
    const w = await setup(['a', 'b']);
    const before = await w.store.get(PROVIDER, 'b');
    const token = await w.manager.authenticate(PROVIDER, 'b');
    expect(token.access_token).toBe(before?.access_token);
    expect(w.logins).toEqual([]);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P15
   * @requirement REQ-1598-FR02, REQ-1598-FL08
   */
  it('the triggering bucket itself when it is the only eligible one (401 on a valid token is re-logged in)', async () => {
    const w = await setup(['a']);
    const old = await w.store.get(PROVIDER, 'a');
    const h = w.client(['a']).handler;
    expect(await h.tryFailover({ triggeringStatus: 401, trigger: 'auth', interactive: true })).toBe(
      true,
    );
    expect(w.logins).toEqual(['a']);
    expect((await w.store.get(PROVIDER, 'a'))?.access_token).not.toBe(old?.access_token);
  });
});

describe('invariants and the session', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P16
   * @requirement REQ-1598-SM03
   */
  it('getLastFailoverReasons and details return copies', async () => {
    const w = await setup(['a']);
    const h = w.client(['a', 'b']).handler;
    await h.tryFailover({ triggeringStatus: 429, trigger: 'quota' });
    const reasons = h.getLastFailoverReasons();
    reasons.a = 'skipped';
    const details = h.getLastFailoverDetails();
    details.a!.reason = 'skipped';
    expect(h.getLastFailoverReasons().a).toBe('quota-exhausted');
    expect(h.getLastFailoverDetails().a?.reason).toBe('quota-exhausted');
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P13
   * @plan PLAN-20260223-ISSUE1598.P14
   * @plan PLAN-20260223-ISSUE1598.P15
   * @requirement REQ-1598-SM05, REQ-1598-FL01, REQ-1598-FL07
   */
  it("the session bucket is the manager's, per provider and profile; reset() goes to the first unmarked bucket", async () => {
    const w = await setup(['a', 'b', 'c']);
    const work = w.client(['a', 'b', 'c'], { profile: 'work' });
    const home = w.client(['a', 'b', 'c'], { profile: 'home' });
    await work.handler.tryFailover({ triggeringStatus: 429, trigger: 'quota' });
    expect(w.manager.getSessionBucket(PROVIDER, 'work')).toBe('b');
    expect(home.currentBucket()).toBe('a');
    w.manager.setSessionBucket(PROVIDER, 'work', 'c');
    expect(work.currentBucket()).toBe('c');
    await work.newTurn();
    expect(work.currentBucket()).toBe('b');
    await home.newTurn();
    expect(home.currentBucket()).toBe('b');
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P15
   * @requirement REQ-1598-FR06
   */
  it('concurrent calls for the same failed bucket share one outcome', async () => {
    const w = await setup(['a', 'b']);
    const h = w.client(['a', 'b']).handler;
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () =>
        h.tryFailover({ triggeringStatus: 429, trigger: 'quota', failedBucket: 'a' }),
      ),
    );
    expect(outcomes).toEqual([true, true, true, true, true]);
    expect(w.switches).toHaveLength(1);
    // A late caller whose bucket was already left is sent to the current one without a classification.
    expect(
      await h.tryFailover({ triggeringStatus: 429, trigger: 'quota', failedBucket: 'a' }),
    ).toBe(true);
    expect(w.switches).toHaveLength(1);
    expect(h.getCurrentBucket()).toBe('b');
  });
});
