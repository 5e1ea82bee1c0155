// Pins the request deadline and the attempt scope directly (the orchestrator's tests reach them only
// through whole requests): what a race settles with, when the deadline fires, and the stream-idle stop.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../util/fake-clock.js';
import { AttemptScope, raceSignal, RequestDeadline, STREAM_IDLE } from './attempt-scope.js';
import { DeadlineExceededError, NetworkError } from './errors.js';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
};

describe('raceSignal', () => {
  it('settles with the value, or the rejection, of the promise when the signal stays quiet', async () => {
    const signal = new AbortController().signal;
    await expect(raceSignal(Promise.resolve(7), signal)).resolves.toBe(7);
    const failure = new Error('attempt failed');
    await expect(raceSignal(Promise.reject(failure), signal)).rejects.toBe(failure);
  });

  it('rejects with the reason of a signal that is already aborted, whatever the promise does', async () => {
    const stop = new AbortController();
    const reason = new Error('stopped');
    stop.abort(reason);
    await expect(raceSignal(Promise.resolve(1), stop.signal)).rejects.toBe(reason);
    await expect(raceSignal(Promise.reject(new Error('late')), stop.signal)).rejects.toBe(reason);
  });

  it('rejects with the reason as soon as the signal aborts, before the promise settles', async () => {
    const stop = new AbortController();
    const raced = raceSignal(never<number>(), stop.signal);
    const reason = new Error('caller gave up');
    stop.abort(reason);
    await expect(raced).rejects.toBe(reason);
  });

  it('an abort after the promise settled changes nothing', async () => {
    const stop = new AbortController();
    const raced = raceSignal(Promise.resolve('done'), stop.signal);
    await expect(raced).resolves.toBe('done');
    stop.abort(new Error('too late'));
    await expect(raced).resolves.toBe('done');
  });
});

describe('RequestDeadline', () => {
  it('arms a timer for exactly the time left, and disarms it once the awaited promise settles', async () => {
    const clock = new FakeClock(1_000);
    const deadline = new RequestDeadline(clock, 5_000, new AbortController().signal);
    await clock.advance(1_500);
    await expect(deadline.during(Promise.resolve('ok'), deadline.signal)).resolves.toBe('ok');
    expect(clock.sleeps).toEqual([3_500]);
    expect(clock.pendingSleepers).toBe(0);
    expect(deadline.reached).toBe(false);
  });

  it('fires when the time is up: the wait rejects with DeadlineExceededError, and it is reached', async () => {
    const clock = new FakeClock(0);
    const deadline = new RequestDeadline(clock, 2_000, new AbortController().signal);
    const waiting = rejection(deadline.during(never(), deadline.signal));
    await clock.advance(1_999);
    expect(deadline.reached).toBe(false);
    expect(deadline.signal.aborted).toBe(false);
    await clock.advance(1);
    const error = await waiting;
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as DeadlineExceededError).deadlineMs).toBe(2_000);
    expect(deadline.reached).toBe(true);
    expect(deadline.error).toBe(error);
  });

  it('with no time left it fires at once, even for a promise that has already resolved', async () => {
    const clock = new FakeClock(0);
    const deadline = new RequestDeadline(clock, 0, new AbortController().signal);
    const error = await rejection(deadline.during(Promise.resolve('late'), deadline.signal));
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(clock.sleeps).toEqual([]);
  });

  it('past the deadline, a later wait fails at once with the same error', async () => {
    const clock = new FakeClock(0);
    const deadline = new RequestDeadline(clock, 100, new AbortController().signal);
    await clock.advance(250);
    const first = await rejection(deadline.during(Promise.resolve(1), deadline.signal));
    const second = await rejection(deadline.during(Promise.resolve(2), deadline.signal));
    expect(second).toBe(first);
    expect(clock.sleeps).toEqual([]);
  });

  it('a caller that aborted is not a deadline reached, even once the time is up', async () => {
    const clock = new FakeClock(0);
    const caller = new AbortController();
    const deadline = new RequestDeadline(clock, 100, caller.signal);
    caller.abort(new Error('user pressed ctrl-c'));
    expect(deadline.signal.aborted).toBe(true);
    await expect(deadline.during(never(), deadline.signal)).rejects.toThrow('user pressed ctrl-c');
    expect(deadline.reached).toBe(false);
    // The wait was stopped by the caller before any timer could fire.
    await clock.advance(500);
    expect(deadline.reached).toBe(false);
  });

  it('each attempt gets its own signal: aborting one leaves the request and the next attempt alone', () => {
    const clock = new FakeClock(0);
    const deadline = new RequestDeadline(clock, 100, new AbortController().signal);
    const first = deadline.attempt();
    const reason = new Error('attempt over');
    first.abort(reason);
    expect(first.signal.aborted).toBe(true);
    expect(first.signal.reason).toBe(reason);
    expect(deadline.signal.aborted).toBe(false);
    expect(deadline.attempt().signal.aborted).toBe(false);
  });

  it("an attempt's signal follows the caller's", () => {
    const caller = new AbortController();
    const deadline = new RequestDeadline(new FakeClock(0), 100, caller.signal);
    const scope = deadline.attempt();
    caller.abort(new Error('stop'));
    expect(scope.signal.aborted).toBe(true);
  });
});

describe('AttemptScope', () => {
  const setup = (deadlineMs = 60_000) => {
    const clock = new FakeClock(0);
    const deadline = new RequestDeadline(clock, deadlineMs, new AbortController().signal);
    return { clock, deadline, scope: deadline.attempt() };
  };

  it('race rejects once the attempt is aborted, with its reason', async () => {
    const { scope } = setup();
    const raced = scope.race(never());
    const reason = new Error('ended');
    scope.abort(reason);
    await expect(raced).rejects.toBe(reason);
  });

  it('next hands on a chunk that arrives in time and leaves no timer behind', async () => {
    const { clock, scope } = setup();
    const iterator = [1, 2][Symbol.iterator]();
    const asyncIterator: AsyncIterator<number> = { next: () => Promise.resolve(iterator.next()) };
    await expect(scope.next(asyncIterator, clock, 1_000, 'p')).resolves.toEqual({
      value: 1,
      done: false,
    });
    expect(clock.pendingSleepers).toBe(0);
    expect(scope.signal.aborted).toBe(false);
    expect(clock.sleeps[0]).toBe(1_000);
  });

  it('a stream silent for idleMs aborts the attempt with a retryable STREAM_IDLE network error', async () => {
    const { clock, scope } = setup();
    const silent: AsyncIterator<number> = { next: () => never() };
    const waiting = rejection(scope.next(silent, clock, 1_000, 'anthropic'));
    await clock.advance(999);
    expect(scope.signal.aborted).toBe(false);
    await clock.advance(1);
    const error = await waiting;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({
      code: STREAM_IDLE,
      provider: 'anthropic',
      message: 'anthropic: the stream sent nothing for 1000 ms',
    });
    expect(scope.signal.reason).toBe(error);
    expect(STREAM_IDLE).toBe('STREAM_IDLE');
  });

  it('the request deadline still applies while waiting for a chunk', async () => {
    const { clock, scope } = setup(500);
    const silent: AsyncIterator<number> = { next: () => never() };
    const waiting = rejection(scope.next(silent, clock, 1_000, 'p'));
    await clock.advance(500);
    expect(await waiting).toBeInstanceOf(DeadlineExceededError);
  });

  it('is an AttemptScope bound to the request', () => {
    const { scope } = setup();
    expect(scope).toBeInstanceOf(AttemptScope);
  });
});
