// Proactive renewal through the real manager: a fake clock drives the timers, the refreshes are real
// (authorization server, file store), and a dead grant stops renewal and marks the bucket.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '@baton/core';
import type { RenewalEvent } from '../../src/auth/proactive-renewal.js';
import { clockTimers } from '../fixtures/renewal-timers.js';
import { accountOf, PROVIDER, startWorld, type World } from './world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const settle = async (ms = 300): Promise<void> => {
  await new Promise((resolve) => setTimeout(resolve, ms));
};

async function waitForEvent(
  events: RenewalEvent[],
  type: RenewalEvent['type'],
): Promise<RenewalEvent> {
  for (let i = 0; i < 500; i++) {
    const found = events.find((e) => e.type === type);
    if (found) return found;
    await settle(10);
  }
  throw new Error(`no ${type} event`);
}

/** A world whose manager renews on timers driven by a fake clock; hour-long access tokens. */
async function renewingWorld(): Promise<{ clock: FakeClock; events: RenewalEvent[]; w: World }> {
  const clock = new FakeClock(Date.now());
  const events: RenewalEvent[] = [];
  world = await startWorld({
    clock,
    accessTokenTtlSeconds: 3600,
    renewalTimers: clockTimers(clock),
    onRenewalEvent: (e) => events.push(e),
  });
  return { clock, events, w: world };
}

describe('proactive renewal through the manager', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-PR01, REQ-1598-PR02, REQ-1598-PR05
   */
  it('a login arms renewal at ~80% of the lifetime; it fires, refreshes for real and re-arms from the new token', async () => {
    const { clock, events, w } = await renewingWorld();
    const first = await w.loginBucket('a');
    const scheduled = events.find((e) => e.type === 'scheduled');
    expect(scheduled).toBeDefined();
    const fireAt = (scheduled as { fireAt: number }).fireAt;
    const lifetimeMs = first.expiry! * 1000 - clock.now();
    expect(fireAt - clock.now()).toBeLessThanOrEqual(0.8 * lifetimeMs + 1000);
    expect(fireAt - clock.now()).toBeGreaterThanOrEqual(0.75 * lifetimeMs - 1000);
    w.server.resetCounters();
    await clock.advance(fireAt - clock.now());
    await waitForEvent(events, 'renewed');
    expect(w.server.counters.byGrantType.refresh_token).toBe(1);
    const stored = await w.store.get(PROVIDER, 'a');
    expect(stored?.access_token).not.toBe(first.access_token);
    expect(w.manager.renewal?.state(PROVIDER, 'a').status).toBe('armed');
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-PR07, REQ-1598-ST13
   */
  it('a dead grant (invalid_grant) stops renewal at once and marks the bucket "needs login"', async () => {
    const { clock, events, w } = await renewingWorld();
    await w.loginBucket('a');
    w.server.revokeGrant(accountOf('a'));
    await clock.advance(3600 * 1000 * 0.8);
    const stopped = await waitForEvent(events, 'stopped');
    expect(stopped).toMatchObject({ because: 'revoked' });
    await settle(100);
    expect(await w.ledger.get(PROVIDER, 'a')).toMatchObject({
      reason: 'expired-refresh-failed',
      source: 'until-login',
    });
    const status = await w.manager.status(PROVIDER);
    expect(status.buckets[0]).toMatchObject({ bucket: 'a', needsLogin: true });
    expect(status.buckets[0]?.renewal).toMatchObject({
      status: 'stopped',
      stoppedBecause: 'revoked',
    });
    // A new login re-arms it and clears the mark.
    await w.loginBucket('a');
    expect(w.manager.renewal?.state(PROVIDER, 'a').status).toBe('armed');
    expect(await w.ledger.get(PROVIDER, 'a')).toBeUndefined();
  });
});
