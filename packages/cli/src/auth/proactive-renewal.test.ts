import { describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { FakeClock, type OAuthToken } from '@baton/core';
import {
  ISSUED_LIFETIME_SECONDS,
  makeToken,
  PROVIDER,
  renewalHarness,
} from '../../test/fixtures/renewal-harness.js';
import { clockTimers } from '../../test/fixtures/renewal-timers.js';
import { runArmedChild } from '../../test/fixtures/renewal-child.js';
import {
  MAX_TIMER_DELAY_MS,
  RENEWAL_MIN_REMAINING_SECONDS,
  RENEWAL_RETRY_DELAYS_MS,
  RENEWAL_RETRY_JITTER_MS,
  renewalFireAt,
  renewalRetryDelay,
  type RenewalTimers,
} from './proactive-renewal.js';

const HOUR_S = 3600;
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

/** A bucket armed from an hour-long token whose first renewal failed (a retry is waiting). */
async function afterOneFailure() {
  const h = renewalHarness({ random: () => 0 });
  const token = await h.login('work', HOUR_S);
  h.scheduler.schedule(PROVIDER, 'work', token);
  h.script.push('transient');
  await h.advance(0.8 * HOUR_S * 1000);
  expect(h.scheduler.state(PROVIDER, 'work').failures).toBe(1);
  return { h, token };
}

describe('renewal timing arithmetic', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-PR02
   */
  test.prop([fc.integer({ min: 1, max: 90 * 24 * HOUR_S * 1000 }), unit])(
    'fires between 0.75 and 0.8 of the remaining lifetime',
    (remainingMs, random) => {
      const delay = renewalFireAt(0, remainingMs, random);
      expect(delay).toBeLessThanOrEqual(remainingMs * 0.8);
      expect(delay).toBeGreaterThanOrEqual(Math.floor(remainingMs * 0.75));
    },
  );

  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-PR06
   */
  test.prop([fc.integer({ min: 1, max: 2 }), unit])(
    'retries after 60 s then 120 s, plus under 5 s of jitter',
    (failures, random) => {
      const delay = renewalRetryDelay(failures, random);
      const base = failures === 1 ? 60_000 : 120_000;
      expect(delay).toBeGreaterThanOrEqual(base);
      expect(delay).toBeLessThan(base + RENEWAL_RETRY_JITTER_MS);
    },
  );

  it('the defaults are the documented ones', () => {
    expect(RENEWAL_RETRY_DELAYS_MS).toEqual([60_000, 120_000]);
    expect(RENEWAL_MIN_REMAINING_SECONDS).toBe(300);
  });
});

describe('scheduling', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-PR01, REQ-1598-PR02
   */
  test.prop([fc.integer({ min: RENEWAL_MIN_REMAINING_SECONDS + 1, max: 60 * 24 * HOUR_S }), unit])(
    'arms a token within [0.75, 0.8] of its remaining lifetime',
    async (lifetime, random) => {
      const h = renewalHarness();
      h.setRandom(random);
      h.scheduler.schedule(PROVIDER, 'work', await h.login('work', lifetime));
      const { status, fireAt = NaN } = h.scheduler.state(PROVIDER, 'work');
      const delay = fireAt - h.clock.now();
      expect(status).toBe('armed');
      expect(delay).toBeLessThanOrEqual(lifetime * 1000 * 0.8);
      expect(delay).toBeGreaterThanOrEqual(Math.floor(lifetime * 1000 * 0.75));
      h.scheduler.dispose();
    },
  );

  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-PR02, REQ-1598-PR05
   */
  it('renews at the fire time and chains from the new expiry', async () => {
    const h = renewalHarness();
    h.setRandom(0);
    h.scheduler.schedule(PROVIDER, 'work', await h.login('work', HOUR_S));
    const firstFire = h.clock.now() + 0.8 * HOUR_S * 1000;
    expect(h.scheduler.state(PROVIDER, 'work')).toEqual({
      status: 'armed',
      fireAt: firstFire,
      failures: 0,
    });

    await h.advance(firstFire - h.clock.now() - 1);
    expect((await h.stored('work'))?.access_token).toBe('access-token-work');

    await h.advance(1);
    const renewed = await h.stored('work');
    expect(renewed?.access_token).toBe('access-token-renewed-1');
    expect(renewed?.expiry).toBe(firstFire / 1000 + ISSUED_LIFETIME_SECONDS);
    expect(h.scheduler.state(PROVIDER, 'work').fireAt).toBe(
      firstFire + 0.8 * ISSUED_LIFETIME_SECONDS * 1000,
    );

    await h.advance(0.8 * ISSUED_LIFETIME_SECONDS * 1000);
    expect((await h.stored('work'))?.access_token).toBe('access-token-renewed-2');
    expect(h.types()).toEqual([
      'scheduled',
      'fired',
      'renewed',
      'scheduled',
      'fired',
      'renewed',
      'scheduled',
    ]);
    expect(h.timers.pending).toBe(1);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-PR04
   */
  it('is idempotent for the same expiry and replaces the timer for a new one', async () => {
    const h = renewalHarness();
    const token = await h.login('work', HOUR_S);
    h.scheduler.schedule(PROVIDER, 'work', token);
    const first = h.scheduler.state(PROVIDER, 'work').fireAt;
    h.setRandom(0.9); // a re-arm would land elsewhere
    h.scheduler.schedule(PROVIDER, 'work', { ...token });
    expect(h.scheduler.state(PROVIDER, 'work').fireAt).toBe(first);
    expect(h.timers.pending).toBe(1);

    const longer = await h.login('work', 2 * HOUR_S, 'longer');
    h.scheduler.schedule(PROVIDER, 'work', longer);
    const second = h.scheduler.state(PROVIDER, 'work').fireAt ?? NaN;
    expect(second).toBeGreaterThan(first ?? NaN);
    expect(h.timers.pending).toBe(1);
    expect(h.scheduler.armedCount).toBe(1);

    await h.advance(second - h.clock.now() - 1); // past the first fire time
    expect((await h.stored('work'))?.access_token).toBe('access-token-longer');
    await h.advance(1);
    expect((await h.stored('work'))?.access_token).toBe('access-token-renewed-1');
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-PR01, REQ-1598-CL08
   */
  it('does not arm tokens with 5 minutes or less left, without a refresh token, or API keys', async () => {
    const h = renewalHarness();
    h.scheduler.schedule(PROVIDER, 'a', makeToken(h.clock, RENEWAL_MIN_REMAINING_SECONDS, 'a'));
    h.scheduler.schedule(PROVIDER, 'b', makeToken(h.clock, HOUR_S, 'b', { refresh_token: '' }));
    h.scheduler.schedule(PROVIDER, 'c', { kind: 'api-key', key: 'sk-test-not-a-real-key' });
    h.scheduler.schedule(PROVIDER, 'd', makeToken(h.clock, HOUR_S, 'd', { expiry: undefined }));
    h.scheduler.schedule(PROVIDER, 'e', makeToken(h.clock, -HOUR_S, 'e'));
    for (const bucket of ['a', 'b', 'c', 'd', 'e']) {
      expect(h.scheduler.state(PROVIDER, bucket).status).toBe('idle');
    }
    expect(h.timers.pending).toBe(0);
    expect(h.events.map((e) => (e.type === 'not-scheduled' ? e.reason : e.type))).toEqual([
      'expiring-soon',
      'no-refresh-token',
      'api-key',
      'expiring-soon',
      'expiring-soon',
    ]);

    h.scheduler.schedule(PROVIDER, 'a', makeToken(h.clock, RENEWAL_MIN_REMAINING_SECONDS + 1, 'a'));
    expect(h.scheduler.state(PROVIDER, 'a').status).toBe('armed');
    // The bucket now holds an API key (login --api-key): the OAuth timer goes.
    h.scheduler.schedule(PROVIDER, 'a', { kind: 'api-key' });
    expect(h.scheduler.state(PROVIDER, 'a').status).toBe('idle');
    expect(h.timers.pending).toBe(0);
  });

  it('never asks setTimeout for more than it can wait: a 60-day token fires on time', async () => {
    const clock = new FakeClock();
    const inner = clockTimers(clock);
    const requested: number[] = [];
    const timers: RenewalTimers = {
      setTimeout: (fn, ms) => (requested.push(ms), inner.setTimeout(fn, ms)),
      clearTimeout: (handle) => inner.clearTimeout(handle),
    };
    const h = renewalHarness({ timers, random: () => 0 }, clock);
    const lifetime = 60 * 24 * HOUR_S;
    h.scheduler.schedule(PROVIDER, 'work', await h.login('work', lifetime));
    const fireAt = h.clock.now() + 0.8 * lifetime * 1000;
    await clock.advance(MAX_TIMER_DELAY_MS);
    expect(h.scheduler.state(PROVIDER, 'work')).toMatchObject({ status: 'armed', fireAt });
    await h.advance(fireAt - clock.now() - 1);
    expect((await h.stored('work'))?.access_token).toBe('access-token-work');
    await h.advance(1);
    expect((await h.stored('work'))?.access_token).toBe('access-token-renewed-1');
    expect(Math.max(...requested)).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
  });
});

describe('when the refresh reports in through notifyRefreshed while the run is in flight', () => {
  it('still reports renewed and arms once from the new token', async () => {
    const h = renewalHarness({ random: () => 0 });
    h.reporting.notifyRefreshed = true;
    h.scheduler.schedule(PROVIDER, 'work', await h.login('work', HOUR_S));
    await h.advance(0.8 * HOUR_S * 1000);
    expect((await h.stored('work'))?.access_token).toBe('access-token-renewed-1');
    expect(h.types()).toEqual(['scheduled', 'fired', 'scheduled', 'renewed']);
    expect(h.scheduler.state(PROVIDER, 'work')).toEqual({
      status: 'armed',
      fireAt: h.clock.now() + 0.8 * ISSUED_LIFETIME_SECONDS * 1000,
      failures: 0,
    });
    expect(h.timers.pending).toBe(1);
  });

  it('a failure after the refresh was reported does not count', async () => {
    const late = { notify: (_token: OAuthToken): void => undefined };
    const h = renewalHarness({
      random: () => 0,
      renew: async () => {
        late.notify(makeToken(h.clock, 2 * HOUR_S, 'refreshed'));
        throw new Error('the cooldown ledger could not be written');
      },
    });
    late.notify = (token) => h.scheduler.notifyRefreshed(PROVIDER, 'work', token);
    h.scheduler.schedule(PROVIDER, 'work', await h.login('work', HOUR_S));
    await h.advance(0.8 * HOUR_S * 1000);
    expect(h.scheduler.state(PROVIDER, 'work')).toEqual({
      status: 'armed',
      fireAt: h.clock.now() + 0.8 * 2 * HOUR_S * 1000,
      failures: 0,
    });
    expect(h.types()).not.toContain('failed');
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P11
 * @requirement REQ-1598-PR05
 */
describe('when another process already refreshed', () => {
  it('keeps its token, reports skipped and reschedules from it', async () => {
    const h = renewalHarness({ random: () => 0 });
    h.scheduler.schedule(PROVIDER, 'work', await h.login('work', HOUR_S));
    await h.advance(0.5 * HOUR_S * 1000);
    const theirs = await h.refreshElsewhere('work', 2 * HOUR_S);
    await h.advance(0.3 * HOUR_S * 1000);

    expect(await h.stored('work')).toEqual(theirs);
    expect(h.types().slice(-3)).toEqual(['fired', 'skipped', 'scheduled']);
    const remainingMs = (theirs.expiry ?? NaN) * 1000 - h.clock.now();
    expect(h.scheduler.state(PROVIDER, 'work')).toEqual({
      status: 'armed',
      fireAt: h.clock.now() + 0.8 * remainingMs,
      failures: 0,
    });
  });
});

describe('failures', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-PR06
   */
  it('retries after 60 s then 120 s, stops after 3, and notifyRefreshed re-arms', async () => {
    const h = renewalHarness();
    h.setRandom(0.5);
    const token = await h.login('work', HOUR_S);
    h.scheduler.schedule(PROVIDER, 'work', token);
    h.script.push('transient', 'transient', 'transient');
    await h.advance((h.scheduler.state(PROVIDER, 'work').fireAt ?? NaN) - h.clock.now());

    const firstRetry = 60_000 + 0.5 * RENEWAL_RETRY_JITTER_MS;
    expect(h.scheduler.state(PROVIDER, 'work')).toEqual({
      status: 'armed',
      fireAt: h.clock.now() + firstRetry,
      failures: 1,
    });
    await h.advance(firstRetry - 1);
    expect(h.scheduler.state(PROVIDER, 'work').failures).toBe(1);
    await h.advance(1);
    const secondRetry = 120_000 + 0.5 * RENEWAL_RETRY_JITTER_MS;
    expect(h.scheduler.state(PROVIDER, 'work')).toEqual({
      status: 'armed',
      fireAt: h.clock.now() + secondRetry,
      failures: 2,
    });
    await h.advance(secondRetry);
    expect(h.scheduler.state(PROVIDER, 'work')).toEqual({
      status: 'stopped',
      failures: 3,
      stoppedBecause: 'failures',
    });
    expect(h.timers.pending).toBe(0);
    expect(await h.stored('work')).toEqual(token);
    const failed = h.events.filter((e) => e.type === 'failed');
    expect(failed.map((e) => e.failures)).toEqual([1, 2, 3]);
    expect(failed[0]?.reason).toBe(
      'TransientRefreshError: the token endpoint failed with HTTP 503',
    );
    expect(h.events.at(-1)).toMatchObject({ type: 'stopped', because: 'failures' });

    // A later read of the same bucket does not restart it...
    h.scheduler.schedule(PROVIDER, 'work', token);
    expect(h.scheduler.state(PROVIDER, 'work').status).toBe('stopped');
    await h.advance(HOUR_S * 1000);
    expect(h.timers.pending).toBe(0);

    // ...a successful login does.
    const fresh = await h.login('work', HOUR_S, 'relogin');
    h.scheduler.notifyRefreshed(PROVIDER, 'work', fresh);
    expect(h.scheduler.state(PROVIDER, 'work')).toMatchObject({ status: 'armed', failures: 0 });
    await h.advance(0.8 * HOUR_S * 1000);
    expect((await h.stored('work'))?.access_token).toBe('access-token-renewed-1');
  });

  it('a success after a failure clears the count', async () => {
    const { h } = await afterOneFailure();
    await h.advance(60_000);
    expect(h.scheduler.state(PROVIDER, 'work')).toMatchObject({ status: 'armed', failures: 0 });
    expect((await h.stored('work'))?.access_token).toBe('access-token-renewed-1');
  });

  it('a read of the same token while a retry waits keeps the retry', async () => {
    const { h, token } = await afterOneFailure();
    const retry = h.scheduler.state(PROVIDER, 'work');
    expect(retry).toEqual({ status: 'armed', fireAt: h.clock.now() + 60_000, failures: 1 });
    h.scheduler.schedule(PROVIDER, 'work', token);
    expect(h.scheduler.state(PROVIDER, 'work')).toEqual(retry);
  });

  it('a renew that resolves without a token counts as a failure', async () => {
    const h = renewalHarness({
      renew: () => Promise.resolve(undefined as never),
      random: () => 0,
    });
    h.scheduler.schedule(PROVIDER, 'work', await h.login('work', HOUR_S));
    await h.advance(0.8 * HOUR_S * 1000);
    expect(h.scheduler.state(PROVIDER, 'work')).toMatchObject({ status: 'armed', failures: 1 });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-PR07
   */
  it('a revoked grant (invalid_grant) stops at once', async () => {
    const h = renewalHarness({ random: () => 0 });
    const token = await h.login('work', HOUR_S);
    h.scheduler.schedule(PROVIDER, 'work', token);
    h.script.push('revoked');
    await h.advance(0.8 * HOUR_S * 1000);
    expect(h.scheduler.state(PROVIDER, 'work')).toEqual({
      status: 'stopped',
      failures: 1,
      stoppedBecause: 'revoked',
    });
    expect(h.timers.pending).toBe(0);
    expect(h.events.at(-1)).toMatchObject({ type: 'stopped', because: 'revoked' });
    expect(await h.stored('work')).toEqual(token);
    h.scheduler.schedule(PROVIDER, 'work', await h.login('work', HOUR_S, 'read-again'));
    expect(h.scheduler.state(PROVIDER, 'work').status).toBe('stopped');
    h.scheduler.notifyRefreshed(PROVIDER, 'work', await h.login('work', HOUR_S, 'relogin'));
    expect(h.scheduler.state(PROVIDER, 'work').status).toBe('armed');
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-PR07
   */
  it('treats any invalid_grant error as revoked unless told otherwise', async () => {
    const grantError = Object.assign(new Error('the grant is gone'), { error: 'invalid_grant' });
    const h = renewalHarness({ renew: () => Promise.reject(grantError), random: () => 0 });
    h.scheduler.schedule(PROVIDER, 'work', await h.login('work', HOUR_S));
    await h.advance(0.8 * HOUR_S * 1000);
    expect(h.scheduler.state(PROVIDER, 'work').stoppedBecause).toBe('revoked');

    const lenient = renewalHarness({
      renew: () => Promise.reject(grantError),
      isRevoked: () => false,
      random: () => 0,
    });
    lenient.scheduler.schedule(PROVIDER, 'work', await lenient.login('work', HOUR_S));
    await lenient.advance(0.8 * HOUR_S * 1000);
    expect(lenient.scheduler.state(PROVIDER, 'work')).toMatchObject({
      status: 'armed',
      failures: 1,
    });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-SE01
   */
  it('no event carries a token, and a throwing listener does not stop renewals', async () => {
    const h = renewalHarness({
      random: () => 0,
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    const seen = renewalHarness({ random: () => 0 });
    for (const run of [h, seen]) {
      run.scheduler.schedule(PROVIDER, 'work', await run.login('work', HOUR_S));
      run.script.push('transient');
      await run.advance(0.8 * HOUR_S * 1000 + 60_000);
      await run.advance(0.8 * HOUR_S * 1000);
    }
    expect((await h.stored('work'))?.access_token).toBe('access-token-renewed-2');
    const text = JSON.stringify(seen.events);
    expect(seen.types()).toContain('failed');
    expect(text).not.toMatch(/access-token|refresh-token/);
  });
});

describe('cancel, retainOnly and dispose', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-PR08
   */
  it('cancel (logout) clears the timer and the failure count', async () => {
    const { h } = await afterOneFailure();
    h.scheduler.cancel(PROVIDER, 'work');
    expect(h.scheduler.state(PROVIDER, 'work')).toEqual({ status: 'idle', failures: 0 });
    expect(h.timers.pending).toBe(0);
    expect(h.events.at(-1)).toMatchObject({ type: 'cancelled', because: 'logout' });
    await h.advance(HOUR_S * 1000);
    expect((await h.stored('work'))?.access_token).toBe('access-token-work');
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-PR06, REQ-1598-PR08
   */
  it('retainOnly clears unlisted buckets of that provider and keeps their failure counts', async () => {
    const h = renewalHarness({ random: () => 0 });
    for (const bucket of ['a', 'b', 'c']) {
      h.scheduler.schedule(PROVIDER, bucket, await h.login(bucket, HOUR_S));
    }
    const other = makeToken(h.clock, 10 * HOUR_S, 'other');
    await h.store.save('openai', 'b', other);
    h.scheduler.schedule('openai', 'b', other);
    h.script.push('transient'); // bucket a fires first (same fire time, armed first)
    await h.advance(0.8 * HOUR_S * 1000);
    expect(h.scheduler.state(PROVIDER, 'a').failures).toBe(1);

    h.scheduler.retainOnly(PROVIDER, ['b']);
    expect(h.scheduler.state(PROVIDER, 'a')).toEqual({ status: 'idle', failures: 1 });
    expect(h.scheduler.state(PROVIDER, 'c').status).toBe('idle');
    expect(h.scheduler.state(PROVIDER, 'b').status).toBe('armed');
    expect(h.scheduler.state('openai', 'b').status).toBe('armed');
    expect(h.scheduler.armedCount).toBe(2);

    // Listed again: the count carries on, so two more failures make three in a row.
    h.scheduler.schedule(PROVIDER, 'a', (await h.stored('a'))!);
    h.script.push('transient', 'transient');
    await h.advance(HOUR_S * 1000);
    expect(h.scheduler.state(PROVIDER, 'a')).toMatchObject({ status: 'stopped', failures: 3 });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-PR08
   */
  it('dispose cancels every timer, aborts a renewal in flight and ignores later calls', async () => {
    const h = renewalHarness({ random: () => 0 });
    h.slow.waitMs = 5_000; // the renewal waits, e.g. for another process's lock
    h.scheduler.schedule(PROVIDER, 'a', await h.login('a', HOUR_S));
    h.scheduler.schedule(PROVIDER, 'b', await h.login('b', 2 * HOUR_S));
    await h.advance(0.8 * HOUR_S * 1000);
    expect(h.scheduler.state(PROVIDER, 'a').status).toBe('running');

    h.scheduler.dispose();
    expect(h.scheduler.armedCount).toBe(0);
    expect(h.timers.pending).toBe(0);
    expect(h.clock.pendingSleepers).toBe(0); // the renewal's wait was aborted
    await h.advance(10 * HOUR_S * 1000);
    expect((await h.stored('a'))?.access_token).toBe('access-token-a');
    h.scheduler.schedule(PROVIDER, 'c', await h.login('c', HOUR_S));
    expect(h.scheduler.armedCount).toBe(0);
    expect(h.types().filter((t) => t === 'cancelled')).toHaveLength(2);
  });

  it('a renewal in flight when the bucket is logged out leaves the store alone', async () => {
    const h = renewalHarness({ random: () => 0 });
    h.slow.waitMs = 5_000;
    h.scheduler.schedule(PROVIDER, 'work', await h.login('work', HOUR_S));
    await h.advance(0.8 * HOUR_S * 1000);
    h.scheduler.cancel(PROVIDER, 'work');
    await h.store.remove(PROVIDER, 'work');
    await h.advance(10_000);
    expect(await h.stored('work')).toBeNull();
    expect(h.scheduler.state(PROVIDER, 'work')).toEqual({ status: 'idle', failures: 0 });
  });
});

// Children run side by side: most of their time is node and tsx starting up.
/**
 * @plan PLAN-20260223-ISSUE1598.P11
 * @plan PLAN-20260223-ISSUE1598.P17
 * @requirement REQ-1598-PR03, REQ-1598-CLI05
 */
describe.concurrent('armed timers never keep a process alive', () => {
  const GRACE_MS = 2_000;

  it.each([
    ['one bucket, 60 days away (chained timers)', '1', String(60 * 24 * HOUR_S)],
    ['1,000 buckets, an hour away', '1000', String(HOUR_S)],
  ])('%s: the child exits on its own at once', async (_name, count, lifetime) => {
    const result = await runArmedChild([count, lifetime], GRACE_MS);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.armed).toBe(Number(count));
    expect(result.exitedAfterMs).toBeLessThan(GRACE_MS);
  });

  it('control: the same child with timers that are not unref-ed stays alive', async () => {
    const result = await runArmedChild(['1', String(HOUR_S), 'ref'], GRACE_MS);
    expect(result.armed).toBe(1);
    expect(result.exitedAfterMs).toBeUndefined();
  });
});
