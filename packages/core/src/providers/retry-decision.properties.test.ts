// Properties of the retry decision over any failure, any counters and any options: what must never
// happen (retrying a 400, sleeping past the limits, retrying after output).
import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { CLASSIFIED_KINDS, type ClassifiedKind, type ClassifiedProviderError } from './classify.js';
import {
  decideRetry,
  DEFAULT_RETRY_OPTIONS,
  resolveRetryOptions,
  type RetryCounters,
  type RetryOptions,
} from './retry-decision.js';

const options = DEFAULT_RETRY_OPTIONS;

function failure(
  kind: ClassifiedKind,
  extra: Partial<ClassifiedProviderError> = {},
): ClassifiedProviderError {
  const error = new Error(`${kind} failure`);
  return { kind, quotaWording: false, overloaded: false, message: error.message, error, ...extra };
}

const KINDS = CLASSIFIED_KINDS;
const optionalMs = fc.option(fc.integer({ min: -1_000, max: 400_000 }), { nil: undefined });
const failureArb = (kinds: readonly ClassifiedKind[], statuses: number[]) =>
  fc
    .record({
      kind: fc.constantFrom(...kinds),
      status: fc.option(fc.constantFrom(...statuses), { nil: undefined }),
      retryAfterMs: optionalMs,
      resetAfterMs: optionalMs,
      quotaWording: fc.boolean(),
      overloaded: fc.boolean(),
    })
    .map(({ kind, status, retryAfterMs, resetAfterMs, quotaWording, overloaded }) =>
      failure(kind, {
        quotaWording,
        overloaded,
        ...(status === undefined ? {} : { status }),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        ...(resetAfterMs === undefined ? {} : { resetAfterMs }),
      }),
    );
const countersArb: fc.Arbitrary<RetryCounters> = fc.record({
  attempts: fc.integer({ min: 1, max: 10 }),
  consecutiveRateLimits: fc.integer({ min: 0, max: 4 }),
  consecutiveAuthFailures: fc.integer({ min: 0, max: 4 }),
  consecutiveServerErrors: fc.integer({ min: 0, max: 4 }),
  backoffStep: fc.integer({ min: 0, max: 40 }),
  switches: fc.integer({ min: 0, max: 10 }),
  outputYielded: fc.boolean(),
  bucketCount: fc.integer({ min: 1, max: 5 }),
  timeLeftMs: fc.integer({ min: -10, max: 400_000 }),
});
const optionsArb: fc.Arbitrary<RetryOptions> = fc
  .record({
    initialDelayMs: fc.integer({ min: 0, max: 100_000 }),
    maxDelayMs: fc.integer({ min: 0, max: 500_000 }),
    jitterRatio: fc.double({ min: 0, max: 1, noNaN: true }),
    maxRetryAfterWaitMs: fc.integer({ min: 0, max: 200_000 }),
    shortRateLimitMaxMs: fc.integer({ min: 0, max: 100_000 }),
  })
  .map((o) => resolveRetryOptions(o));
const randomArb = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const ALL_STATUSES = [400, 401, 402, 403, 404, 422, 429, 500, 503, 529];

describe('decision properties', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P05
   * @requirement REQ-1598-RO07, REQ-1598-RO09, REQ-1598-RO10
   */
  test.prop([
    failureArb(['client', 'abort', 'exhausted'], [400, 404, 422]),
    countersArb,
    optionsArb,
    randomArb,
  ])('400/404/422, abort and exhausted always throw', (f, c, o, r) => {
    expect(decideRetry(f, c, o, () => r).type).toBe('throw');
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P05
   * @requirement REQ-1598-RO12
   */
  test.prop([failureArb(KINDS, ALL_STATUSES), countersArb, optionsArb, randomArb])(
    'never a wait-retry longer than maxRetryAfterWaitMs, or one that reaches the deadline',
    (f, c, o, r) => {
      const action = decideRetry(f, c, o, () => r);
      if (action.type === 'wait-retry') {
        expect(action.delayMs).toBeLessThanOrEqual(o.maxRetryAfterWaitMs);
        expect(action.delayMs).toBeGreaterThanOrEqual(0);
        expect(action.delayMs).toBeLessThan(c.timeLeftMs);
      }
    },
  );

  /**
   * @plan PLAN-20260223-ISSUE1598.P05
   * @requirement REQ-1598-RO08
   */
  test.prop([failureArb(KINDS, ALL_STATUSES), countersArb, optionsArb, randomArb])(
    'with output already yielded it always throws',
    (f, c, o, r) => {
      expect(decideRetry(f, { ...c, outputYielded: true }, o, () => r).type).toBe('throw');
    },
  );

  /**
   * @plan PLAN-20260223-ISSUE1598.P05
   * @requirement REQ-1598-RO15
   */
  test.prop([failureArb(KINDS, ALL_STATUSES), countersArb, randomArb])(
    'no retry on the same bucket once maxAttempts are charged; no failover past the switch cap',
    (f, c, r) => {
      const action = decideRetry(f, c, options, () => r);
      if (c.attempts >= options.maxAttempts)
        expect(['wait-retry', 'force-refresh']).not.toContain(action.type);
      if (c.switches >= c.bucketCount * options.switchesPerBucket)
        expect(action.type).not.toBe('failover');
    },
  );

  /**
   * @plan PLAN-20260223-ISSUE1598.P05
   * @requirement REQ-1598-RO06
   */
  test.prop([failureArb(['network'], ALL_STATUSES), countersArb, optionsArb, randomArb])(
    'network errors never fail over',
    (f, c, o, r) => {
      expect(decideRetry(f, c, o, () => r).type).not.toBe('failover');
    },
  );
});
