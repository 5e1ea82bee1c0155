// RetryOrchestrator: request-wide bounds (attempts, switch cap, deadline, long waits), how failover
// is asked and reported, and the exhausted error it builds.
import { describe, expect, it } from 'vitest';
import {
  AllBucketsExhaustedError,
  AuthenticationError,
  NetworkError,
  QuotaError,
  RateLimitError,
  ServerError,
  DeadlineExceededError,
} from './errors.js';
import { backoffDelay, DEFAULT_BACKOFF_OPTIONS } from './backoff.js';
import { fail, harness, ScriptedProvider, seededRandom } from '../../test/retry-fixtures.js';
import { RoundRobinHandler, withoutReasonGetters } from '../../test/scripted-failover-handler.js';

const quota = (n = 0) => new QuotaError(`payment required #${n}`, { status: 402 });
const serverError = (n = 0) => new ServerError(`upstream #${n}`, { status: 500 });

describe('bounds', () => {
  it('gives up with the last error after maxAttempts (6) charged attempts', async () => {
    const h = harness();
    const errors = Array.from({ length: 7 }, (_, i) => new NetworkError(`reset #${i}`));
    const provider = new ScriptedProvider({ a: errors.map(fail) });
    expect(await h.rejection(h.orchestrator.execute(provider.request))).toBe(errors[5]);
    expect(provider.calls.map((c) => c.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(h.sleeps).toHaveLength(5);
  });

  it('honours a smaller maxAttempts option', async () => {
    const h = harness({ options: { maxAttempts: 2 } });
    const errors = [serverError(1), serverError(2), serverError(3)];
    const provider = new ScriptedProvider({ a: errors.map(fail) });
    expect(await h.rejection(h.orchestrator.execute(provider.request))).toBe(errors[1]);
    expect(provider.calls).toHaveLength(2);
  });

  it('a successful bucket switch does not consume an attempt', async () => {
    const h = harness({ options: { maxAttempts: 1 } });
    const provider = new ScriptedProvider({ a: [fail(quota())], b: [fail(quota())] });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by c');
    expect(provider.buckets).toEqual(['a', 'b', 'c']);
  });

  it('charged attempts add up across switches (3 + 3 + 2 calls for 6 attempts)', async () => {
    const h = harness();
    const errors = Array.from({ length: 9 }, (_, i) => serverError(i));
    const provider = new ScriptedProvider({
      a: errors.slice(0, 3).map(fail),
      b: errors.slice(3, 6).map(fail),
      c: errors.slice(6).map(fail),
    });
    expect(await h.rejection(h.orchestrator.execute(provider.request))).toBe(errors[7]);
    expect(provider.buckets).toEqual(['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c']);
  });

  it('at most buckets × 2 switches per request, then the last error', async () => {
    const handler = new RoundRobinHandler(['a', 'b', 'c']);
    const h = harness({ handler });
    const errors = Array.from({ length: 10 }, (_, i) => quota(i));
    let call = 0;
    const error = await h.rejection(
      h.orchestrator.execute(async () => {
        throw errors[call++]!;
      }),
    );
    expect(handler.switchCount).toBe(6);
    expect(call).toBe(7);
    expect(error).toBe(errors[6]);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P07
   * @requirement REQ-1598-RO11
   */
  it('a wait that would cross the deadline is not started: gives up with the last error', async () => {
    const h = harness({ options: { deadlineMs: 5_000 } });
    const errors = [serverError(1), serverError(2), serverError(3)];
    const provider = new ScriptedProvider({ a: errors.map(fail) });
    expect(await h.rejection(h.orchestrator.execute(provider.request))).toBe(errors[1]);
    expect(h.sleeps).toEqual([2_000]);
    expect(h.clock.now() - h.start).toBe(2_000);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P07
   * @requirement REQ-1598-RO11
   */
  it('an attempt still running at the deadline is stopped: DeadlineExceededError, no failover', async () => {
    const h = harness({ options: { deadlineMs: 5_000 } });
    let attemptSignal: AbortSignal | undefined;
    const outcome = await h.rejection(
      h.orchestrator.execute(async ({ signal }) => {
        attemptSignal = signal;
        // Ignores its signal on purpose: the engine must not wait for it.
        await h.clock.sleep(60_000);
        throw quota();
      }),
    );
    expect(outcome).toBeInstanceOf(DeadlineExceededError);
    expect(h.clock.now() - h.start).toBe(5_000);
    expect(attemptSignal?.aborted).toBe(true);
    expect(h.handler.tryFailoverCalls).toBe(0);
  });

  it('a Retry-After above maxRetryAfterWaitMs is never slept: failover with it as cooldown', async () => {
    const h = harness();
    const provider = new ScriptedProvider({
      a: [fail(new ServerError('maintenance', { status: 503, retryAfterMs: 60_001 }))],
    });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by b');
    expect(h.sleeps).toEqual([]);
    expect(h.handler.contexts).toStrictEqual([
      {
        failedBucket: 'a',
        triggeringStatus: 503,
        retryAfterMs: 60_001,
        retryAt: h.start + 60_001,
        trigger: 'long-wait',
        message: 'maintenance',
      },
    ]);
    // The cooldown holds: the next turn skips `a` until the stated time, then uses it again.
    expect(h.handler.cooldownUntil.get('a')).toBe(h.start + 60_001);
    h.handler.reset();
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by b');
    await h.clock.advance(60_001);
    h.handler.reset();
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by a');
    expect(provider.buckets).toEqual(['a', 'b', 'b', 'a']);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P07
   * @requirement REQ-1598-ER07, REQ-1598-RO12
   */
  it('if nothing is usable the error carries the earliest retry time', async () => {
    const h = harness({ buckets: ['a', 'b'] });
    const long = (ms: number) => new RateLimitError('slow down', { status: 429, retryAfterMs: ms });
    const provider = new ScriptedProvider({ a: [fail(long(120_000))], b: [fail(long(90_000))] });
    const error = await h.rejection(h.orchestrator.execute(provider.request));
    expect(error).toBeInstanceOf(AllBucketsExhaustedError);
    expect((error as AllBucketsExhaustedError).earliestRetryAt).toBe(h.start + 90_000);
    expect(h.sleeps).toEqual([]);
  });
});

describe('failover', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P07
   * @requirement REQ-1598-ER01
   */
  it('the exhausted error carries the handler reasons, details, buckets and last error', async () => {
    const h = harness({
      world: { unusable: { b: 'no-token' }, cooldownUntil: { c: Date.UTC(2026, 0, 1, 14, 5) } },
    });
    const last = quota();
    const provider = new ScriptedProvider({ a: [fail(last)] });
    const error = (await h.rejection(
      h.orchestrator.execute(provider.request),
    )) as AllBucketsExhaustedError;
    expect(error).toBeInstanceOf(AllBucketsExhaustedError);
    expect(error.providerName).toBe('anthropic');
    expect(error.attemptedBuckets).toEqual(['a', 'b', 'c']);
    expect(error.bucketFailureReasons).toEqual({
      a: 'quota-exhausted',
      b: 'no-token',
      c: 'quota-exhausted',
    });
    expect(error.details.a).toEqual({
      reason: 'quota-exhausted',
      status: 402,
      retryAt: h.start + 60_000,
    });
    expect(error.details.c?.retryAt).toBe(Date.UTC(2026, 0, 1, 14, 5));
    expect(error.lastError).toBe(last);
    expect(error.cause).toBe(last);
    expect(error.isRetryable).toBe(false);
    expect(h.failovers).toStrictEqual([
      { from: 'a', to: undefined, status: 402, outcome: 'exhausted' },
    ]);
  });

  it('a handler without getLastFailoverReasons still works (reasons {})', async () => {
    const h = harness({
      buckets: ['a', 'b'],
      world: { unusable: { b: 'no-token' } },
      wrapHandler: withoutReasonGetters,
    });
    const provider = new ScriptedProvider({ a: [fail(quota())] });
    const error = (await h.rejection(
      h.orchestrator.execute(provider.request),
    )) as AllBucketsExhaustedError;
    expect(h.handler.tryFailoverCalls).toBe(1);
    expect(error).toBeInstanceOf(AllBucketsExhaustedError);
    expect(error.bucketFailureReasons).toEqual({});
    expect(error.details).toEqual({});
    expect(error.message).toContain('All 2 buckets for anthropic are unavailable');
    expect(error.message).toContain('  - b');
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P07
   * @requirement REQ-1598-IC02, REQ-1598-ER07
   */
  it('passes trigger, status, Retry-After, its absolute time, the provider message, the caller signal and interactive to tryFailover', async () => {
    const h = harness({
      buckets: ['a', 'b'],
      interactive: true,
      world: { unusable: { b: 'no-token' }, loginFixes: ['b'] },
    });
    const controller = new AbortController();
    const provider = new ScriptedProvider({
      a: [fail(new RateLimitError('usage limit reached', { status: 429, retryAfterMs: 30_000 }))],
    });
    const result = h.orchestrator.execute(provider.request, { signal: controller.signal });
    await expect(h.run(result)).resolves.toBe('served by b');
    expect(h.handler.contexts).toStrictEqual([
      {
        failedBucket: 'a',
        triggeringStatus: 429,
        retryAfterMs: 30_000,
        retryAt: h.start + 30_000,
        trigger: 'quota',
        message: 'usage limit reached',
        interactive: true,
      },
    ]);
    // One signal combining the caller's and the deadline's: the caller's abort reaches it.
    expect(h.handler.signals).toHaveLength(1);
    const [failoverSignal] = h.handler.signals;
    expect(failoverSignal?.aborted).toBe(false);
    controller.abort();
    expect(failoverSignal?.aborted).toBe(true);
    expect(h.handler.logins).toEqual(['b']);
  });

  it('no handler: a failover becomes throwing the last error', async () => {
    const h = harness({ handler: null });
    const error = quota();
    const provider = new ScriptedProvider({ '(none)': [fail(error)] });
    expect(await h.rejection(h.orchestrator.execute(provider.request))).toBe(error);
    expect(provider.buckets).toEqual([undefined]);
    expect(h.failovers).toStrictEqual([
      { from: undefined, to: undefined, status: 402, outcome: 'unavailable' },
    ]);
  });

  it('disabled handler: the last error is thrown and the handler is never asked', async () => {
    const h = harness({ world: { enabled: false } });
    const error = quota();
    const provider = new ScriptedProvider({ a: [fail(error)] });
    expect(await h.rejection(h.orchestrator.execute(provider.request))).toBe(error);
    expect(h.handler.tryFailoverCalls).toBe(0);
  });

  it('single bucket: the handler is still asked, refreshes an expired token and the bucket retries', async () => {
    const h = harness({ buckets: ['solo'], world: { expired: ['solo'] } });
    const revoked = () => new AuthenticationError('expired token', { status: 401 });
    const provider = new ScriptedProvider({ solo: [fail(revoked()), fail(revoked())] });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by solo');
    expect(provider.buckets).toEqual(['solo', 'solo', 'solo']);
    expect(h.handler.refreshed).toEqual(['solo']);
    expect(h.handler.switches).toEqual([]);
    expect(h.failovers).toStrictEqual([
      { from: 'solo', to: 'solo', status: 401, outcome: 'switched' },
    ]);
  });

  it('single bucket that cannot serve: the exhausted error names the only bucket', async () => {
    const h = harness({ buckets: ['solo'] });
    const provider = new ScriptedProvider({ solo: [fail(quota())] });
    const error = await h.rejection(h.orchestrator.execute(provider.request));
    expect(error).toBeInstanceOf(AllBucketsExhaustedError);
    expect((error as Error).message).toMatch(/^The only bucket for anthropic is unavailable:/);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P07
   * @requirement REQ-1598-RO14, REQ-1598-FL06
   */
  it('success calls resetSession: the tried set is cleared for the next request', async () => {
    const h = harness();
    const provider = new ScriptedProvider({ a: [fail(quota())] });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by b');
    expect(h.handler.resetSessionCalls).toBe(2);
    expect([...h.handler.tried]).toEqual([]);
  });

  it('a failed request leaves the tried set for the caller to see, cleared at the next start', async () => {
    const h = harness({ buckets: ['a'] });
    const provider = new ScriptedProvider({ a: [fail(quota())] });
    await h.rejection(h.orchestrator.execute(provider.request));
    expect([...h.handler.tried]).toEqual(['a']);
    expect(h.handler.resetSessionCalls).toBe(1);
    h.handler.cooldownUntil.clear();
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by a');
    expect(h.handler.resetSessionCalls).toBe(3);
  });

  it('backoff jitter comes from the injected random source (seeded, reproducible)', async () => {
    const runOnce = async () => {
      const h = harness({ random: seededRandom(42) });
      const provider = new ScriptedProvider({ a: [fail(serverError()), fail(serverError())] });
      await h.run(h.orchestrator.execute(provider.request));
      return h.sleeps;
    };
    const first = await runOnce();
    expect(await runOnce()).toEqual(first);
    const expected = seededRandom(42);
    expect(first).toEqual([
      backoffDelay(0, DEFAULT_BACKOFF_OPTIONS, expected),
      backoffDelay(1, DEFAULT_BACKOFF_OPTIONS, expected),
    ]);
    expect(first[0]).not.toBe(2_000);
  });
});
