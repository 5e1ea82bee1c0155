// The §6 retry table as a pure decision: every row, its exact boundaries, the request-wide bounds,
// and properties that must hold for any failure and any counters.
import { describe, expect, it } from 'vitest';
import type { ClassifiedKind, ClassifiedProviderError } from './classify.js';
import {
  countFailure,
  countSwitch,
  decideRetry,
  DEFAULT_RETRY_OPTIONS,
  initialCounters,
  resolveRetryOptions,
  type RetryCounters,
  type RetryOptions,
} from './retry-decision.js';

const NO_JITTER = (): number => 0.5;
const options = DEFAULT_RETRY_OPTIONS;

function failure(
  kind: ClassifiedKind,
  extra: Partial<ClassifiedProviderError> = {},
): ClassifiedProviderError {
  const error = new Error(`${kind} failure`);
  return { kind, quotaWording: false, overloaded: false, message: error.message, error, ...extra };
}

/** Counters as after the first failed attempt on a 3-bucket profile with the full deadline left. */
function after(overrides: Partial<RetryCounters> = {}): RetryCounters {
  return { ...initialCounters(3, 300_000), attempts: 1, ...overrides };
}

const decide = (
  f: ClassifiedProviderError,
  c: Partial<RetryCounters> = {},
  o: RetryOptions = options,
): ReturnType<typeof decideRetry> => decideRetry(f, after(c), o, NO_JITTER);

/**
 * @plan PLAN-20260223-ISSUE1598.P05
 * @requirement REQ-1598-RO01
 */
describe('defaults', () => {
  it('are the documented numbers', () => {
    expect(DEFAULT_RETRY_OPTIONS).toEqual({
      initialDelayMs: 2_000,
      maxDelayMs: 30_000,
      jitterRatio: 0.3,
      maxAttempts: 6,
      switchesPerBucket: 2,
      maxRetryAfterWaitMs: 60_000,
      deadlineMs: 300_000,
      streamIdleMs: 60_000,
      shortRateLimitMaxMs: 10_000,
      rateLimitsBeforeFailover: 2,
      authFailuresBeforeFailover: 2,
      serverErrorsBeforeFailover: 3,
    });
  });

  it('resolveRetryOptions overrides only what is given', () => {
    expect(resolveRetryOptions({ maxAttempts: 2 })).toEqual({ ...options, maxAttempts: 2 });
    expect(resolveRetryOptions()).toEqual(options);
  });
});

describe('§6 retry table (decision)', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P05
   * @requirement REQ-1598-RO02, REQ-1598-RO03, REQ-1598-RO12
   */
  describe('429 short rate limit', () => {
    const rateLimit = (retryAfterMs?: number, extra: Partial<ClassifiedProviderError> = {}) =>
      failure('rate-limit', {
        status: 429,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        ...extra,
      });

    it('Retry-After of exactly 10 s is waited out on the same bucket', () => {
      expect(decide(rateLimit(10_000), { consecutiveRateLimits: 1 })).toEqual({
        type: 'wait-retry',
        reason: 'retry-after',
        delayMs: 10_000,
      });
    });

    it('Retry-After of 10.001 s fails over at once with the wait as cooldown', () => {
      expect(decide(rateLimit(10_001), { consecutiveRateLimits: 1 })).toEqual({
        type: 'failover',
        trigger: 'rate-limit',
        status: 429,
        retryAfterMs: 10_001,
      });
    });

    it('the second consecutive 429 fails over', () => {
      expect(decide(rateLimit(1_000), { consecutiveRateLimits: 2 })).toEqual({
        type: 'failover',
        trigger: 'rate-limit',
        status: 429,
        retryAfterMs: 1_000,
      });
    });

    it('quota wording fails over even with a short Retry-After', () => {
      expect(
        decide(rateLimit(1_000, { quotaWording: true }), { consecutiveRateLimits: 1 }),
      ).toEqual({ type: 'failover', trigger: 'quota', status: 429, retryAfterMs: 1_000 });
    });

    it('a reset header 10.001 s away fails over even with a short Retry-After', () => {
      const action = decide(rateLimit(1_000, { resetAfterMs: 10_001 }), {
        consecutiveRateLimits: 1,
      });
      expect(action).toEqual({
        type: 'failover',
        trigger: 'rate-limit',
        status: 429,
        retryAfterMs: 10_001,
      });
    });

    it('a reset header exactly 10 s away still waits the Retry-After', () => {
      const action = decide(rateLimit(1_000, { resetAfterMs: 10_000 }), {
        consecutiveRateLimits: 1,
      });
      expect(action).toEqual({ type: 'wait-retry', reason: 'retry-after', delayMs: 1_000 });
    });

    it('with only a short reset header, waits until the reset', () => {
      const action = decide(rateLimit(undefined, { resetAfterMs: 4_000 }), {
        consecutiveRateLimits: 1,
      });
      expect(action).toEqual({ type: 'wait-retry', reason: 'retry-after', delayMs: 4_000 });
    });

    it('a long reset header alone fails over with it as the cooldown', () => {
      expect(
        decide(rateLimit(undefined, { resetAfterMs: 45_000 }), { consecutiveRateLimits: 1 }),
      ).toEqual({ type: 'failover', trigger: 'rate-limit', status: 429, retryAfterMs: 45_000 });
    });

    it('without any timing header, backs off', () => {
      expect(decide(rateLimit(), { consecutiveRateLimits: 1, backoffStep: 1 })).toEqual({
        type: 'wait-retry',
        reason: 'backoff',
        delayMs: 4_000,
      });
    });

    it('a negative Retry-After is read as no wait', () => {
      expect(decide(rateLimit(-5), { consecutiveRateLimits: 1 })).toEqual({
        type: 'wait-retry',
        reason: 'retry-after',
        delayMs: 0,
      });
    });

    it('a short wait above maxRetryAfterWaitMs is never slept: failover instead', () => {
      const tight = resolveRetryOptions({ maxRetryAfterWaitMs: 5_000 });
      expect(decide(rateLimit(5_001), { consecutiveRateLimits: 1 }, tight)).toEqual({
        type: 'failover',
        trigger: 'long-wait',
        status: 429,
        retryAfterMs: 5_001,
      });
      expect(decide(rateLimit(5_000), { consecutiveRateLimits: 1 }, tight)).toEqual({
        type: 'wait-retry',
        reason: 'retry-after',
        delayMs: 5_000,
      });
    });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P05
   * @requirement REQ-1598-RO03
   */
  it('402 fails over at once', () => {
    expect(decide(failure('quota', { status: 402 }))).toEqual({
      type: 'failover',
      trigger: 'quota',
      status: 402,
    });
  });

  it('a quota error passes the later of its Retry-After and reset as cooldown', () => {
    expect(
      decide(failure('quota', { status: 429, retryAfterMs: 5_000, resetAfterMs: 7_000 })),
    ).toEqual({ type: 'failover', trigger: 'quota', status: 429, retryAfterMs: 7_000 });
    expect(
      decide(failure('quota', { status: 429, retryAfterMs: 9_000, resetAfterMs: 7_000 })),
    ).toEqual({ type: 'failover', trigger: 'quota', status: 429, retryAfterMs: 9_000 });
    expect(decide(failure('quota', { status: 429, retryAfterMs: 90_000 }))).toEqual({
      type: 'failover',
      trigger: 'quota',
      status: 429,
      retryAfterMs: 90_000,
    });
    expect(decide(failure('quota', { status: 429, resetAfterMs: 70_000 }))).toEqual({
      type: 'failover',
      trigger: 'quota',
      status: 429,
      retryAfterMs: 70_000,
    });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P05
   * @requirement REQ-1598-RO04
   */
  it.each([401, 403])('first %i force-refreshes, the second consecutive fails over', (status) => {
    const auth = failure('auth', { status });
    expect(decide(auth, { consecutiveAuthFailures: 1 })).toEqual({ type: 'force-refresh' });
    expect(decide(auth, { consecutiveAuthFailures: 2 })).toEqual({
      type: 'failover',
      trigger: 'auth',
      status,
    });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P05
   * @requirement REQ-1598-RO05
   */
  describe('5xx / 529 / overloaded', () => {
    it.each([500, 502, 503, 529])('%i backs off on the 1st and 2nd, fails over on the 3rd', (s) => {
      const server = failure('server', { status: s, overloaded: s === 529 });
      expect(decide(server, { consecutiveServerErrors: 1, backoffStep: 0 })).toEqual({
        type: 'wait-retry',
        reason: 'backoff',
        delayMs: 2_000,
      });
      expect(decide(server, { consecutiveServerErrors: 2, backoffStep: 1 })).toEqual({
        type: 'wait-retry',
        reason: 'backoff',
        delayMs: 4_000,
      });
      expect(decide(server, { consecutiveServerErrors: 3, backoffStep: 2 })).toEqual({
        type: 'failover',
        trigger: 'server',
        status: s,
      });
    });

    it('the backoff delay follows the step, so it keeps escalating after a switch', () => {
      const server = failure('server', { status: 500 });
      expect(decide(server, { consecutiveServerErrors: 1, backoffStep: 3 })).toEqual({
        type: 'wait-retry',
        reason: 'backoff',
        delayMs: 16_000,
      });
    });

    it('a Retry-After on a 5xx is honoured up to maxRetryAfterWaitMs', () => {
      const server = (retryAfterMs: number) => failure('server', { status: 503, retryAfterMs });
      expect(decide(server(60_000), { consecutiveServerErrors: 1 })).toEqual({
        type: 'wait-retry',
        reason: 'retry-after',
        delayMs: 60_000,
      });
      expect(decide(server(60_001), { consecutiveServerErrors: 1 })).toEqual({
        type: 'failover',
        trigger: 'long-wait',
        status: 503,
        retryAfterMs: 60_001,
      });
      expect(decide(server(-1), { consecutiveServerErrors: 1 })).toEqual({
        type: 'wait-retry',
        reason: 'retry-after',
        delayMs: 0,
      });
    });

    it('an overloaded error without a status backs off and fails over without a status', () => {
      const overloaded = failure('server', { overloaded: true });
      expect(decide(overloaded, { consecutiveServerErrors: 3 })).toStrictEqual({
        type: 'failover',
        trigger: 'server',
      });
    });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P05
   * @requirement REQ-1598-RO06
   */
  it('network errors back off and never fail over, however many in a row', () => {
    const network = failure('network', { networkCode: 'ECONNRESET' });
    for (const step of [0, 1, 2, 3, 4]) {
      const action = decide(network, { backoffStep: step, attempts: step + 1 });
      expect(action.type).toBe('wait-retry');
    }
    expect(decide(network, { backoffStep: 2 })).toEqual({
      type: 'wait-retry',
      reason: 'backoff',
      delayMs: 8_000,
    });
  });

  it('a backoff above maxRetryAfterWaitMs is shortened to it (never slept longer)', () => {
    const slow = resolveRetryOptions({ maxDelayMs: 500_000, maxRetryAfterWaitMs: 60_000 });
    expect(decide(failure('network'), { backoffStep: 10 }, slow)).toEqual({
      type: 'wait-retry',
      reason: 'backoff',
      delayMs: 60_000,
    });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P05
   * @requirement REQ-1598-RO07
   */
  it.each([400, 404, 422, 418])('%i throws at once with the original error', (status) => {
    const f = failure('client', { status });
    expect(decide(f)).toEqual({ type: 'throw', error: f.error, reason: 'not-retryable' });
  });

  it('an unknown failure throws at once', () => {
    const f = failure('unknown');
    expect(decide(f)).toEqual({ type: 'throw', error: f.error, reason: 'not-retryable' });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P05
   * @requirement REQ-1598-RO09
   */
  it('an abort is rethrown at once, even after output', () => {
    const f = failure('abort');
    expect(decide(f)).toEqual({ type: 'throw', error: f.error, reason: 'aborted' });
    expect(decide(f, { outputYielded: true })).toEqual({
      type: 'throw',
      error: f.error,
      reason: 'aborted',
    });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P05
   * @requirement REQ-1598-RO10
   */
  it('AllBucketsExhaustedError is never retried', () => {
    const f = failure('exhausted');
    expect(decide(f)).toEqual({ type: 'throw', error: f.error, reason: 'exhausted' });
  });

  it('a StreamInterruptedError from below is not retried', () => {
    const f = failure('stream-interrupted');
    expect(decide(f)).toEqual({ type: 'throw', error: f.error, reason: 'not-retryable' });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P05
   * @requirement REQ-1598-RO08
   */
  it('any failure after output reached the caller throws (output-yielded)', () => {
    for (const kind of ['rate-limit', 'server', 'network', 'auth', 'quota'] as const) {
      const f = failure(kind, { status: 500 });
      expect(decide(f, { outputYielded: true })).toEqual({
        type: 'throw',
        error: f.error,
        reason: 'output-yielded',
      });
    }
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P05
 * @requirement REQ-1598-RO15
 */
describe('request-wide bounds', () => {
  const server = failure('server', { status: 500 });

  it('the 6th charged attempt is the last: no retry after it', () => {
    expect(decide(server, { attempts: 5, consecutiveServerErrors: 1 }).type).toBe('wait-retry');
    expect(decide(server, { attempts: 6, consecutiveServerErrors: 1 })).toEqual({
      type: 'throw',
      error: server.error,
      reason: 'max-attempts',
    });
    expect(decide(failure('auth', { status: 401 }), { attempts: 6 }).type).toBe('throw');
  });

  it('a non-retryable error keeps its own reason when the attempts are used up too', () => {
    const client = failure('client', { status: 400 });
    expect(decide(client, { attempts: 6 })).toEqual({
      type: 'throw',
      error: client.error,
      reason: 'not-retryable',
    });
  });

  it('failover is still allowed when attempts are used up (a switch is free)', () => {
    expect(decide(server, { attempts: 6, consecutiveServerErrors: 3 }).type).toBe('failover');
  });

  it('at most buckets × 2 switches per request', () => {
    const quota = failure('quota', { status: 402 });
    expect(decide(quota, { switches: 5, bucketCount: 3 }).type).toBe('failover');
    expect(decide(quota, { switches: 6, bucketCount: 3 })).toEqual({
      type: 'throw',
      error: quota.error,
      reason: 'switch-cap',
    });
    expect(decide(quota, { switches: 2, bucketCount: 1 }).type).toBe('throw');
  });

  it('a wait that would reach the deadline is not started', () => {
    expect(decide(server, { timeLeftMs: 2_001, consecutiveServerErrors: 1 }).type).toBe(
      'wait-retry',
    );
    expect(decide(server, { timeLeftMs: 2_000, consecutiveServerErrors: 1 })).toEqual({
      type: 'throw',
      error: server.error,
      reason: 'deadline',
    });
  });

  it('past the deadline nothing is retried, not even a failover', () => {
    const quota = failure('quota', { status: 402 });
    expect(decide(quota, { timeLeftMs: 1 }).type).toBe('failover');
    expect(decide(quota, { timeLeftMs: 0 })).toEqual({
      type: 'throw',
      error: quota.error,
      reason: 'deadline',
    });
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P05
 * @requirement REQ-1598-RO15, REQ-1598-RO05
 */
describe('counters', () => {
  it('countFailure charges the attempt and keeps only the streak of the same kind', () => {
    let c = initialCounters(2, 1_000);
    c = countFailure(c, { kind: 'rate-limit' });
    c = countFailure(c, { kind: 'rate-limit' });
    expect(c).toMatchObject({ attempts: 2, consecutiveRateLimits: 2 });
    c = countFailure(c, { kind: 'server' });
    expect(c).toMatchObject({ attempts: 3, consecutiveRateLimits: 0, consecutiveServerErrors: 1 });
    c = countFailure(c, { kind: 'auth' });
    expect(c).toMatchObject({ consecutiveServerErrors: 0, consecutiveAuthFailures: 1 });
    c = countFailure(c, { kind: 'network' });
    expect(c).toMatchObject({
      attempts: 5,
      consecutiveAuthFailures: 0,
      consecutiveRateLimits: 0,
      consecutiveServerErrors: 0,
    });
  });

  it('countSwitch refunds the attempt, restarts streaks and keeps the backoff step', () => {
    const before = after({
      attempts: 3,
      switches: 1,
      backoffStep: 2,
      consecutiveServerErrors: 3,
      consecutiveRateLimits: 1,
      consecutiveAuthFailures: 2,
    });
    expect(countSwitch(before)).toEqual({
      ...before,
      attempts: 2,
      switches: 2,
      backoffStep: 2,
      consecutiveServerErrors: 0,
      consecutiveRateLimits: 0,
      consecutiveAuthFailures: 0,
    });
    expect(countSwitch(after({ attempts: 0 })).attempts).toBe(0);
  });
});
