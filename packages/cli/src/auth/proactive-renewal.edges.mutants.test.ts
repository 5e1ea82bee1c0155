// Edges of the renewal scheduler that the main tests pass by: exact fire times, the 5-minute floor,
// the longest timer step, what renew may resolve with, and cancellation reasons per caller.
// Written against Stryker's survivors; fake clock and clock-driven timers only.
import { describe, expect, it } from 'vitest';
import type { OAuthToken } from '@baton/core';
import { PROVIDER, renewalHarness } from '../../test/fixtures/renewal-harness.js';
import { clockTimers } from '../../test/fixtures/renewal-timers.js';
import { MAX_TIMER_DELAY_MS, renewalFireAt, type RenewalTimers } from './proactive-renewal.js';

const HOUR_S = 3600;

describe('ProactiveRenewalScheduler edges', () => {
  it('the fire time is 0.8 of the lifetime minus the random share of 5 % of it', () => {
    expect(renewalFireAt(1_000, 3_600_000, 0.5)).toBe(1_000 + 2_880_000 - 90_000);
    expect(renewalFireAt(0, 1_000, 1)).toBe(750);
  });

  it('arms a token with just over 5 minutes left, not one with exactly 5', async () => {
    const h = renewalHarness();
    const edge = await h.login('edge', 300);
    h.scheduler.schedule(PROVIDER, 'edge', edge);
    expect(h.events.at(-1)).toMatchObject({ type: 'not-scheduled', reason: 'expiring-soon' });
    const over = await h.login('over', 301);
    h.scheduler.schedule(PROVIDER, 'over', over);
    expect(h.scheduler.state(PROVIDER, 'over').status).toBe('armed');
  });

  it('asks setTimeout for at most 2^31 - 1 ms at a time', async () => {
    const asked: number[] = [];
    const base = renewalHarness();
    const inner = clockTimers(base.clock);
    const recording: RenewalTimers = {
      setTimeout: (fn, ms) => {
        asked.push(ms);
        return inner.setTimeout(fn, ms);
      },
      clearTimeout: (handle) => inner.clearTimeout(handle),
    };
    const h = renewalHarness({ timers: recording }, base.clock);
    const token = await h.login('work', 60 * 24 * HOUR_S);
    h.scheduler.schedule(PROVIDER, 'work', token);
    expect(asked).toEqual([MAX_TIMER_DELAY_MS]);
    expect(MAX_TIMER_DELAY_MS).toBe(2_147_483_647);
  });

  it('a renew resolving with no token or a non-object fails with a clear reason', async () => {
    for (const value of [null, 42]) {
      const h = renewalHarness({
        random: () => 0,
        renew: () => Promise.resolve(value as unknown as OAuthToken),
      });
      const token = await h.login('work', HOUR_S);
      h.scheduler.schedule(PROVIDER, 'work', token);
      await h.advance(HOUR_S * 1000);
      expect(h.events.find((e) => e.type === 'failed')).toMatchObject({
        reason: 'TypeError: renew resolved without a token',
      });
    }
  });

  it('a renewed token without an expiry is reported without one', async () => {
    const h = renewalHarness({
      random: () => 0,
      renew: () => Promise.resolve({ access_token: 'a', refresh_token: 'r', token_type: 'Bearer' }),
    });
    const token = await h.login('work', HOUR_S);
    h.scheduler.schedule(PROVIDER, 'work', token);
    await h.advance(HOUR_S * 1000);
    const renewed = h.events.find((e) => e.type === 'renewed')!;
    expect('expiry' in renewed).toBe(false);
  });

  it('retainOnly leaves other providers alone and says why it cancels; dispose too', async () => {
    const h = renewalHarness();
    const token = await h.login('work', HOUR_S);
    h.scheduler.schedule(PROVIDER, 'work', token);
    h.scheduler.schedule('openai', 'work', token);
    h.scheduler.retainOnly('openai', []);
    expect(h.scheduler.state(PROVIDER, 'work').status).toBe('armed');
    expect(h.events.at(-1)).toMatchObject({
      provider: 'openai',
      type: 'cancelled',
      because: 'not-in-profile',
    });
    h.scheduler.dispose();
    expect(h.events.at(-1)).toMatchObject({ type: 'cancelled', because: 'dispose' });
    h.scheduler.notifyRefreshed(PROVIDER, 'work', token);
    expect(h.scheduler.armedCount).toBe(0);
  });

  it('a bucket cleared from the profile after failures is idle, not armed, and keeps its count', async () => {
    const h = renewalHarness({ random: () => 0 });
    const token = await h.login('work', HOUR_S);
    h.scheduler.schedule(PROVIDER, 'work', token);
    h.script.push('transient');
    await h.advance(0.8 * HOUR_S * 1000);
    h.scheduler.retainOnly(PROVIDER, []);
    expect(h.scheduler.state(PROVIDER, 'work')).toStrictEqual({ status: 'idle', failures: 1 });
  });
});
