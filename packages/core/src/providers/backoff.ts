// Exponential backoff with jitter as a pure value: the delay for a given step, computed without timers
// so property tests can cover the arithmetic (modelled on cockatiel's ExponentialBackoff).
import type { RandomSource } from '../util/clock.js';

export interface BackoffOptions {
  /** Delay of step 0, before jitter. */
  initialDelayMs: number;
  /** No delay (jittered or not) is ever above this. */
  maxDelayMs: number;
  /** Jitter spreads a delay uniformly over ±ratio of itself (0.3 = ±30%). */
  jitterRatio: number;
}

export const DEFAULT_INITIAL_DELAY_MS = 2_000;
export const DEFAULT_MAX_DELAY_MS = 30_000;
export const DEFAULT_JITTER_RATIO = 0.3;
/** Each step doubles the delay. */
export const BACKOFF_GROWTH_FACTOR = 2;

/**
 * @plan PLAN-20260223-ISSUE1598.P05
 * @requirement REQ-1598-RO01
 */
export const DEFAULT_BACKOFF_OPTIONS: Readonly<BackoffOptions> = Object.freeze({
  initialDelayMs: DEFAULT_INITIAL_DELAY_MS,
  maxDelayMs: DEFAULT_MAX_DELAY_MS,
  jitterRatio: DEFAULT_JITTER_RATIO,
});

/**
 * min(maxDelayMs, initialDelayMs × 2^step), the delay before jitter. Negative steps count as 0.
 * @plan PLAN-20260223-ISSUE1598.P05
 * @requirement REQ-1598-RO16
 */
export function baseBackoffDelay(step: number, options: BackoffOptions): number {
  // 0 × 2^1024 would be NaN: a non-positive start never grows.
  if (!(options.initialDelayMs > 0)) return 0;
  const exponent = Math.max(0, Math.floor(step));
  const raw = options.initialDelayMs * BACKOFF_GROWTH_FACTOR ** exponent;
  return Math.max(0, Math.min(options.maxDelayMs, raw));
}

/**
 * The jittered delay for `step`: within ±jitterRatio of the base delay, never above maxDelayMs and
 * never negative. `random` yields values in [0, 1); 0.5 means no jitter.
 * @plan PLAN-20260223-ISSUE1598.P05
 * @requirement REQ-1598-RO16
 */
export function backoffDelay(step: number, options: BackoffOptions, random: RandomSource): number {
  const base = baseBackoffDelay(step, options);
  const unit = Math.min(1, Math.max(0, random()));
  const jittered = base * (1 + options.jitterRatio * (2 * unit - 1));
  return Math.max(0, Math.min(options.maxDelayMs, jittered));
}
