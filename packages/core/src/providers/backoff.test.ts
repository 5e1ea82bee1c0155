// Backoff arithmetic: exact values at the edges of the jitter range and properties over all inputs.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  backoffDelay,
  baseBackoffDelay,
  DEFAULT_BACKOFF_OPTIONS,
  type BackoffOptions,
} from './backoff.js';

const NO_JITTER = (): number => 0.5;
const LOWEST = (): number => 0;
const HIGHEST = (): number => 0.999_999_999;

/**
 * @plan PLAN-20260223-ISSUE1598.P05
 * @requirement REQ-1598-RO16
 */
describe('baseBackoffDelay', () => {
  it('starts at 2 s and doubles per step up to the 30 s cap', () => {
    const steps = [0, 1, 2, 3, 4, 5, 6].map((s) => baseBackoffDelay(s, DEFAULT_BACKOFF_OPTIONS));
    expect(steps).toEqual([2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('treats negative and fractional steps as whole non-negative steps', () => {
    expect(baseBackoffDelay(-3, DEFAULT_BACKOFF_OPTIONS)).toBe(2_000);
    expect(baseBackoffDelay(1.9, DEFAULT_BACKOFF_OPTIONS)).toBe(4_000);
  });

  it('stays at the cap for huge steps (2^step overflows to Infinity)', () => {
    expect(baseBackoffDelay(5_000, DEFAULT_BACKOFF_OPTIONS)).toBe(30_000);
  });

  it('is never negative even with a negative initial delay', () => {
    expect(baseBackoffDelay(0, { ...DEFAULT_BACKOFF_OPTIONS, initialDelayMs: -5 })).toBe(0);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P05
   * @requirement REQ-1598-RO01
   */
  it('has the documented defaults', () => {
    expect(DEFAULT_BACKOFF_OPTIONS).toEqual({
      initialDelayMs: 2_000,
      maxDelayMs: 30_000,
      jitterRatio: 0.3,
    });
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P05
 * @requirement REQ-1598-RO16
 */
describe('backoffDelay', () => {
  it('is the base delay when random is 0.5', () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF_OPTIONS, NO_JITTER)).toBe(2_000);
    expect(backoffDelay(2, DEFAULT_BACKOFF_OPTIONS, NO_JITTER)).toBe(8_000);
  });

  it('goes down to 70% of the base at random 0', () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF_OPTIONS, LOWEST)).toBe(1_400);
    expect(backoffDelay(1, DEFAULT_BACKOFF_OPTIONS, LOWEST)).toBe(2_800);
  });

  it('goes up to (almost) 130% of the base near random 1', () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF_OPTIONS, HIGHEST)).toBeCloseTo(2_600, 3);
    expect(backoffDelay(0, DEFAULT_BACKOFF_OPTIONS, () => 0.75)).toBe(2_300);
  });

  it('never goes above maxDelayMs even when jitter would push it there', () => {
    expect(backoffDelay(4, DEFAULT_BACKOFF_OPTIONS, HIGHEST)).toBe(30_000);
    expect(backoffDelay(4, DEFAULT_BACKOFF_OPTIONS, LOWEST)).toBe(21_000);
  });

  it('clamps an out-of-range random source into [0, 1]', () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF_OPTIONS, () => -4)).toBe(1_400);
    expect(backoffDelay(0, DEFAULT_BACKOFF_OPTIONS, () => 9)).toBe(2_600);
  });

  it('is never negative even with a jitter ratio above 1', () => {
    expect(backoffDelay(0, { ...DEFAULT_BACKOFF_OPTIONS, jitterRatio: 2 }, LOWEST)).toBe(0);
  });
});

const optionsArb: fc.Arbitrary<BackoffOptions> = fc.record({
  initialDelayMs: fc.integer({ min: 0, max: 100_000 }),
  maxDelayMs: fc.integer({ min: 0, max: 1_000_000 }),
  jitterRatio: fc.double({ min: 0, max: 1, noNaN: true }),
});
const randomArb = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

/**
 * @plan PLAN-20260223-ISSUE1598.P05
 * @requirement REQ-1598-RO16
 */
describe('backoff properties', () => {
  test.prop([fc.integer({ min: 0, max: 200 }), randomArb])(
    'with the defaults, jitter stays within ±30% of the un-jittered delay and never above 30 s',
    (step, r) => {
      const base = baseBackoffDelay(step, DEFAULT_BACKOFF_OPTIONS);
      const delay = backoffDelay(step, DEFAULT_BACKOFF_OPTIONS, () => r);
      expect(delay).toBeGreaterThanOrEqual(base * 0.7 - 1e-9);
      expect(delay).toBeLessThanOrEqual(base * 1.3 + 1e-9);
      expect(delay).toBeLessThanOrEqual(30_000);
    },
  );

  test.prop([fc.integer({ min: -10, max: 2_000 }), optionsArb, randomArb])(
    'for any options the delay is within the jitter band, ≤ maxDelayMs and ≥ 0',
    (step, options, r) => {
      const base = baseBackoffDelay(step, options);
      const delay = backoffDelay(step, options, () => r);
      const band = base * options.jitterRatio;
      expect(delay).toBeGreaterThanOrEqual(Math.max(0, base - band) - 1e-6);
      expect(delay).toBeLessThanOrEqual(base + band + 1e-6);
      expect(delay).toBeLessThanOrEqual(options.maxDelayMs);
      expect(delay).toBeGreaterThanOrEqual(0);
    },
  );

  test.prop([fc.integer({ min: 0, max: 60 }), optionsArb])(
    'the un-jittered delay never shrinks from one step to the next',
    (step, options) => {
      expect(baseBackoffDelay(step + 1, options)).toBeGreaterThanOrEqual(
        baseBackoffDelay(step, options),
      );
    },
  );
});

describe('backoff with a zero start', () => {
  it('stays 0 at any step (0 × 2^1024 must not become NaN)', () => {
    const zero = { ...DEFAULT_BACKOFF_OPTIONS, initialDelayMs: 0 };
    expect(baseBackoffDelay(1_024, zero)).toBe(0);
    expect(backoffDelay(1_024, zero, LOWEST)).toBe(0);
  });
});
