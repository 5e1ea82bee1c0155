// What may and may not change the failover state, on the real manager, handler, file store, ledger
// and authorization server: lookups never do, resetSession() clears the tried set, a switch survives
// a failed session write, logout and dispose end renewals while a new turn leaves them armed.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '@baton/core';
import {
  BucketFailoverHandlerImpl,
  type FailoverCredentials,
} from '../../src/auth/BucketFailoverHandlerImpl.js';
import type { CooldownListing } from '../../src/auth/storage/cooldown-ledger.js';
import { clockTimers } from '../fixtures/renewal-timers.js';
import { PROVIDER, startWorld, type World } from './world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function setup(loggedIn: string[], clock?: FakeClock): Promise<World> {
  // An hour-long token: the server's default (5 min) is not enough to arm a renewal.
  const renewal = clock
    ? { clock, renewalTimers: clockTimers(clock), accessTokenTtlSeconds: 3600 }
    : {};
  world = await startWorld(renewal);
  for (const bucket of loggedIn) await world.loginBucket(bucket);
  world.server.resetCounters();
  return world;
}

/** The ledger's entries for the test provider. */
const ledgerOf = async (w: World): Promise<CooldownListing[]> => w.ledger.list(PROVIDER);

describe('lookups leave failover state alone', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P12
   * @requirement REQ-1598-FL09
   */
  it('getOAuthToken and peekToken on every bucket, one of them refreshing, change no session bucket, reason or cooldown', async () => {
    const w = await setup(['a', 'b', 'c']);
    const client = w.client(['a', 'b', 'c']);
    const retryAt = Date.now() + 120_000;
    expect(
      await client.handler.tryFailover({ triggeringStatus: 429, trigger: 'quota', retryAt }),
    ).toBe(true);
    await w.expire('c');
    const session = w.manager.getSessionBucket(PROVIDER, 'test');
    const reasons = client.handler.getLastFailoverReasons();
    const details = client.handler.getLastFailoverDetails();
    const ledger = await ledgerOf(w);
    expect(session).toBe('b');
    expect(reasons).toEqual({ a: 'quota-exhausted' });
    expect(ledger.map((e) => [e.bucket, e.reason, e.until])).toEqual([
      ['a', 'quota-exhausted', retryAt],
    ]);

    for (const bucket of ['a', 'b', 'c', 'nobody']) {
      await w.manager.peekToken(PROVIDER, bucket);
      await w.manager.getOAuthToken(PROVIDER, bucket);
    }
    // The expired bucket really was refreshed by the lookup, and the cooling one really was read.
    expect(w.server.counters.byGrantType.refresh_token).toBe(1);
    expect((await w.manager.getOAuthToken(PROVIDER, 'a'))?.access_token).toBeTruthy();

    expect(w.manager.getSessionBucket(PROVIDER, 'test')).toBe(session);
    expect(client.currentBucket()).toBe('b');
    expect(client.handler.getLastFailoverReasons()).toEqual(reasons);
    expect(client.handler.getLastFailoverDetails()).toEqual(details);
    expect(await ledgerOf(w)).toEqual(ledger);
    expect(w.switches).toHaveLength(1);
  });
});

describe('the tried set of a request', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P14
   * @plan PLAN-20260223-ISSUE1598.P15
   * @requirement REQ-1598-FL02, REQ-1598-FL06
   */
  it('a bucket tried in this request is passed over as skipped until resetSession() clears the set', async () => {
    const w = await setup(['a', 'b', 'c']);
    const server = { triggeringStatus: 503, trigger: 'server' } as const;

    // Same request: a failed (5xx, no cooldown), then b fails too: a was tried, so c is next.
    const same = w.client(['a', 'b', 'c'], { profile: 'same' }).handler;
    expect(await same.tryFailover(server)).toBe(true);
    expect(same.getCurrentBucket()).toBe('b');
    expect(await same.tryFailover(server)).toBe(true);
    expect(same.getLastFailoverReasons()).toEqual({ a: 'skipped', b: 'skipped' });
    expect(same.getCurrentBucket()).toBe('c');

    // A new request (resetSession, as after a success): a is no longer tried and is usable again.
    const fresh = w.client(['a', 'b', 'c'], { profile: 'fresh' }).handler;
    expect(await fresh.tryFailover(server)).toBe(true);
    fresh.resetSession();
    expect(await fresh.tryFailover(server)).toBe(true);
    expect(fresh.getLastFailoverReasons()).toEqual({ b: 'skipped' });
    expect(fresh.getCurrentBucket()).toBe('a');
    expect(await w.ledger.list(PROVIDER)).toEqual([]);
  });
});

describe('the session bucket', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-FL05
   */
  it('a switch whose session write fails is logged, not thrown: the call still answers true', async () => {
    const w = await setup(['a', 'b']);
    const real = w.manager;
    const log: string[] = [];
    const credentials: FailoverCredentials = {
      peekToken: real.peekToken.bind(real),
      refreshExpired: real.refreshExpired.bind(real),
      authenticate: real.authenticate.bind(real),
      getSessionBucket: real.getSessionBucket.bind(real),
      setSessionBucket: () => {
        throw new Error('the session could not be written');
      },
    };
    const handler = new BucketFailoverHandlerImpl({
      manager: credentials,
      ledger: w.ledger,
      provider: PROVIDER,
      profile: { name: 'work', buckets: ['a', 'b'] },
      log: (line) => log.push(line),
    });
    await expect(handler.tryFailover({ triggeringStatus: 429, trigger: 'quota' })).resolves.toBe(
      true,
    );
    expect(log).toContain('could not set the session bucket: the session could not be written');
    expect(log).toContain(`${PROVIDER}: switched from a to b (quota-exhausted)`);
    expect(await w.ledger.get(PROVIDER, 'a')).toMatchObject({ reason: 'quota-exhausted' });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P13
   * @plan PLAN-20260223-ISSUE1598.P16
   * @requirement REQ-1598-SM02, REQ-1598-SM05
   */
  it("a session bucket outside the profile is never used: the handler falls back to the profile's first", async () => {
    const w = await setup(['a', 'b']);
    const client = w.client(['a', 'b'], { profile: 'work' });
    w.manager.setSessionBucket(PROVIDER, 'work', 'elsewhere');
    expect(client.currentBucket()).toBe('a');
    expect(await client.handler.tryFailover({ triggeringStatus: 429, trigger: 'quota' })).toBe(
      true,
    );
    expect(w.manager.getSessionBucket(PROVIDER, 'work')).toBe('b');
    expect(client.handler.getLastFailoverReasons()).toEqual({ a: 'quota-exhausted' });
  });
});

describe('renewal timers and the lifecycle', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @plan PLAN-20260223-ISSUE1598.P13
   * @requirement REQ-1598-PR08, REQ-1598-CLI06
   */
  it('a new turn keeps renewals armed; logout cancels that bucket only; dispose cancels the rest', async () => {
    const clock = new FakeClock(Date.now());
    const w = await setup(['a', 'b'], clock);
    const renewal = w.manager.renewal!;
    expect(renewal.state(PROVIDER, 'a').status).toBe('armed');
    expect(renewal.state(PROVIDER, 'b').status).toBe('armed');

    const client = w.client(['a', 'b']);
    await client.handler.tryFailover({ triggeringStatus: 429, trigger: 'quota' });
    await client.newTurn();
    client.handler.resetSession();
    expect(renewal.armedCount).toBe(2);

    expect(await w.manager.logout(PROVIDER, 'a')).toMatchObject({ removed: ['a'] });
    expect(renewal.state(PROVIDER, 'a')).toEqual({ status: 'idle', failures: 0 });
    expect(renewal.state(PROVIDER, 'b').status).toBe('armed');
    expect(await w.store.listBuckets(PROVIDER)).toEqual(['b']);

    w.manager.dispose();
    expect(renewal.armedCount).toBe(0);
    // Time passing after dispose refreshes nothing.
    await clock.advance(24 * 3600 * 1000);
    expect(w.server.counters.byGrantType.refresh_token ?? 0).toBe(0);
  });
});
