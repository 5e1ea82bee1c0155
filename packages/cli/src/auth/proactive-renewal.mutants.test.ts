// What the scheduler's main tests leave open: full event payloads, the tuning options, retries past
// the listed delays, the unref'ed default timers and the edges of the revocation test.
// Written against Stryker's survivors; fake clock and clock-driven timers only.
import { describe, expect, it } from 'vitest';
import { PROVIDER, renewalHarness } from '../../test/fixtures/renewal-harness.js';
import {
  defaultIsRevoked,
  renewalRetryDelay,
  unrefTimers,
  type RenewalEvent,
} from './proactive-renewal.js';

const HOUR_S = 3600;

describe('ProactiveRenewalScheduler, beyond the main tests', () => {
  it('events carry provider, bucket, the clock time and every field of their kind', async () => {
    const h = renewalHarness({ random: () => 0 });
    const start = h.clock.now();
    const token = await h.login('work', HOUR_S);
    h.scheduler.schedule(PROVIDER, 'work', token);
    const fireAt = start + 0.8 * HOUR_S * 1000;
    expect(h.scheduler.armedCount).toBe(1);
    h.script.push('transient');
    await h.advance(fireAt - start);
    const retryAt = fireAt + 60_000;
    const base = { provider: PROVIDER, bucket: 'work' };
    expect(h.events).toEqual<RenewalEvent[]>([
      { ...base, at: start, type: 'scheduled', fireAt, expiry: token.expiry, retry: false },
      { ...base, at: fireAt, type: 'fired', attempt: 1 },
      {
        ...base,
        at: fireAt,
        type: 'failed',
        failures: 1,
        reason: 'TransientRefreshError: the token endpoint failed with HTTP 503',
      },
      { ...base, at: fireAt, type: 'scheduled', fireAt: retryAt, retry: true },
    ]);
    expect(h.scheduler.armedCount).toBe(1);
    await h.advance(60_000);
    const renewed = await h.stored('work');
    expect(h.events.slice(4)).toEqual<RenewalEvent[]>([
      { ...base, at: retryAt, type: 'fired', attempt: 2 },
      { ...base, at: retryAt, type: 'renewed', expiry: renewed!.expiry },
      {
        ...base,
        at: retryAt,
        type: 'scheduled',
        fireAt: retryAt + 0.8 * HOUR_S * 1000,
        expiry: renewed!.expiry,
        retry: false,
      },
    ]);
  });

  it('a non-Error failure is described as its string', async () => {
    // A plain string on purpose: some libraries reject with one, and the event must still say it.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    const h = renewalHarness({ renew: () => Promise.reject('socket hang up') });
    const token = await h.login('work', HOUR_S);
    h.scheduler.schedule(PROVIDER, 'work', token);
    await h.advance(HOUR_S * 1000);
    expect(h.events.find((e) => e.type === 'failed')).toMatchObject({ reason: 'socket hang up' });
  });

  it('a renew resolving {token, refreshedBy: this-process} reports renewed', async () => {
    const h = renewalHarness();
    const token = await h.login('work', HOUR_S);
    const next = {
      ...token,
      access_token: 'access-token-next',
      expiry: (token.expiry ?? 0) + HOUR_S,
    };
    const scheduler = renewalHarness({
      renew: () => Promise.resolve({ token: next, refreshedBy: 'this-process' }),
    });
    scheduler.scheduler.schedule(PROVIDER, 'work', token);
    await scheduler.advance(HOUR_S * 1000);
    expect(scheduler.events.find((e) => e.type === 'renewed')).toMatchObject({
      expiry: next.expiry,
    });
    expect(scheduler.scheduler.state(PROVIDER, 'work').status).toBe('armed');
  });

  it('schedule() of a stopped or running bucket says why it did nothing', async () => {
    const h = renewalHarness({ random: () => 0 });
    const token = await h.login('work', HOUR_S);
    h.slow.waitMs = 10_000;
    h.scheduler.schedule(PROVIDER, 'work', token);
    await h.advance(0.8 * HOUR_S * 1000);
    h.scheduler.schedule(PROVIDER, 'work', token);
    expect(h.events.at(-1)).toMatchObject({ type: 'not-scheduled', reason: 'running' });
    await h.advance(10_000);

    const stopped = renewalHarness({ maxConsecutiveFailures: 1 });
    const own = await stopped.login('work', HOUR_S);
    stopped.scheduler.schedule(PROVIDER, 'work', own);
    stopped.script.push('transient');
    await stopped.advance(HOUR_S * 1000);
    expect(stopped.scheduler.state(PROVIDER, 'work')).toEqual({
      status: 'stopped',
      failures: 1,
      stoppedBecause: 'failures',
    });
    stopped.scheduler.schedule(PROVIDER, 'work', own);
    expect(stopped.events.at(-1)).toMatchObject({ type: 'not-scheduled', reason: 'stopped' });
  });

  it('honours its tuning options: minimum lifetime, retry delays and jitter, failure limit', async () => {
    const h = renewalHarness({
      random: () => 0.5,
      minRemainingSeconds: 2 * HOUR_S,
      retryDelaysMs: [1_000],
      retryJitterMs: 100,
      maxConsecutiveFailures: 2,
    });
    const short = await h.login('short', HOUR_S);
    h.scheduler.schedule(PROVIDER, 'short', short);
    expect(h.events.at(-1)).toMatchObject({ type: 'not-scheduled', reason: 'expiring-soon' });

    const long = await h.login('long', 3 * HOUR_S);
    h.scheduler.schedule(PROVIDER, 'long', long);
    const fireAt = h.scheduler.state(PROVIDER, 'long').fireAt!;
    h.script.push('transient', 'transient');
    await h.advance(fireAt - h.clock.now());
    expect(h.scheduler.state(PROVIDER, 'long')).toEqual({
      status: 'armed',
      fireAt: fireAt + 1_050,
      failures: 1,
    });
    await h.advance(1_050);
    expect(h.scheduler.state(PROVIDER, 'long')).toMatchObject({
      status: 'stopped',
      failures: 2,
      stoppedBecause: 'failures',
    });
  });

  it('a retry after more failures than listed delays waits the last delay', () => {
    expect(renewalRetryDelay(5, 0)).toBe(120_000);
    expect(renewalRetryDelay(3, 0.5, [10, 20, 30], 10)).toBe(35);
    expect(renewalRetryDelay(1, 0.99, [10], 100)).toBe(109);
  });

  it('cancel and retainOnly of a bucket with nothing armed report no cancellation', async () => {
    const h = renewalHarness();
    const token = await h.login('work', HOUR_S);
    h.scheduler.schedule(PROVIDER, 'work', token);
    h.scheduler.cancel(PROVIDER, 'work');
    const count = h.events.length;
    h.scheduler.cancel(PROVIDER, 'work');
    h.scheduler.retainOnly(PROVIDER, []);
    expect(h.events.length).toBe(count);
    expect(h.scheduler.armedCount).toBe(0);
  });

  it('the default timers are unref-ed and can be cleared', async () => {
    let fired = false;
    const handle = unrefTimers.setTimeout(() => {
      fired = true;
    }, 5) as NodeJS.Timeout;
    expect(handle.hasRef()).toBe(false);
    unrefTimers.clearTimeout(handle);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toBe(false);
  });

  it('only invalid_grant objects and RefreshTokenRevokedError count as revoked', () => {
    expect(defaultIsRevoked({ error: 'invalid_grant' })).toBe(true);
    expect(defaultIsRevoked({ error: 'invalid_request' })).toBe(false);
    expect(defaultIsRevoked(null)).toBe(false);
    expect(defaultIsRevoked('invalid_grant')).toBe(false);
    expect(defaultIsRevoked(undefined)).toBe(false);
  });
});
