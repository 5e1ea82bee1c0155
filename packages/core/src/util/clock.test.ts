import { describe, expect, it } from 'vitest';
import { abortReason, isAbortError, nowSeconds, systemClock, throwIfAborted } from './clock.js';
import { FakeClock } from './fake-clock.js';

/**
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-RO13, REQ-1598-RO09
 */
describe('systemClock.sleep', () => {
  it('resolves after the delay', async () => {
    const start = Date.now();
    await systemClock.sleep(20);
    expect(Date.now() - start).toBeGreaterThanOrEqual(15);
  });

  it('rejects at once with an AbortError when aborted mid-sleep', async () => {
    const controller = new AbortController();
    const start = Date.now();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    setTimeout(() => controller.abort(), 10);
    const error: unknown = await sleeping.catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect(Date.now() - start).toBeLessThan(5_000);
  });

  it('rejects immediately when the signal is already aborted', async () => {
    const error: unknown = await systemClock
      .sleep(10, AbortSignal.abort())
      .catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
  });
});

describe('abort helpers', () => {
  it('keeps an Error reason and wraps other reasons in an AbortError', () => {
    const custom = new Error('stop');
    const c1 = new AbortController();
    c1.abort(custom);
    expect(abortReason(c1.signal)).toBe(custom);
    const c2 = new AbortController();
    c2.abort('user pressed ctrl-c');
    const wrapped = abortReason(c2.signal);
    expect(wrapped.name).toBe('AbortError');
    expect(wrapped.message).toBe('user pressed ctrl-c');
    expect(() => throwIfAborted(c2.signal)).toThrow('user pressed ctrl-c');
    expect(() => throwIfAborted(undefined)).not.toThrow();
    expect(isAbortError(new Error('x'))).toBe(false);
  });
});

describe('FakeClock', () => {
  it('wakes sleepers in time order only when advanced', async () => {
    const clock = new FakeClock(1_000);
    const woke: string[] = [];
    void clock.sleep(300).then(() => woke.push(`b@${clock.now()}`));
    void clock.sleep(100).then(() => woke.push(`a@${clock.now()}`));
    await clock.advance(50);
    expect(woke).toEqual([]);
    await clock.advance(300);
    expect(woke).toEqual(['a@1100', 'b@1300']);
    expect(clock.now()).toBe(1_350);
    expect(clock.sleeps).toEqual([300, 100]);
    expect(nowSeconds(clock)).toBe(1);
  });

  it('rejects an aborted sleep and forgets it', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    controller.abort();
    await expect(sleeping).rejects.toMatchObject({ name: 'AbortError' });
    expect(clock.pendingSleepers).toBe(0);
  });

  it('runs a chain of sleeps to completion', async () => {
    const clock = new FakeClock(0);
    const work = async (): Promise<number> => {
      await clock.sleep(2_000);
      await clock.sleep(4_000);
      return clock.now();
    };
    await expect(clock.runUntilSettled(work())).resolves.toBe(6_000);
  });
});
