// The retry table (BEHAVIOR §6) as a pure function: given a classified failure and the request's
// counters, what to do now. The orchestrator's loop only executes the returned action.
import type { RandomSource } from '../util/clock.js';
import { backoffDelay, DEFAULT_BACKOFF_OPTIONS, type BackoffOptions } from './backoff.js';
import type { ClassifiedProviderError } from './classify.js';

export interface RetryOptions extends BackoffOptions {
  /** Request attempts charged per request; an attempt followed by a successful failover is not charged. */
  maxAttempts: number;
  /** Successful failovers allowed per request, per bucket (cap = buckets × this). */
  switchesPerBucket: number;
  /** A wait longer than this is never slept: the bucket goes into cooldown and failover is tried. */
  maxRetryAfterWaitMs: number;
  /** Whole-request budget, enforced while attempts, waits and failovers run. */
  deadlineMs: number;
  /** A stream that yields nothing for this long ends its attempt (retryable before any output). */
  streamIdleMs: number;
  /** A 429 asking for at most this long is a short rate limit worth waiting out on the same bucket. */
  shortRateLimitMaxMs: number;
  /** The n-th consecutive short 429 fails over instead of waiting again. */
  rateLimitsBeforeFailover: number;
  /** The n-th consecutive 401/403 fails over instead of force-refreshing again. */
  authFailuresBeforeFailover: number;
  /** The n-th consecutive 5xx / 529 / overload fails over instead of backing off again. */
  serverErrorsBeforeFailover: number;
}

export const DEFAULT_MAX_ATTEMPTS = 6;
export const DEFAULT_SWITCHES_PER_BUCKET = 2;
export const DEFAULT_MAX_RETRY_AFTER_WAIT_MS = 60_000;
export const DEFAULT_DEADLINE_MS = 300_000;
export const DEFAULT_STREAM_IDLE_MS = 60_000;
export const DEFAULT_SHORT_RATE_LIMIT_MAX_MS = 10_000;
export const DEFAULT_RATE_LIMITS_BEFORE_FAILOVER = 2;
export const DEFAULT_AUTH_FAILURES_BEFORE_FAILOVER = 2;
export const DEFAULT_SERVER_ERRORS_BEFORE_FAILOVER = 3;

/**
 * @plan PLAN-20260223-ISSUE1598.P05
 * @requirement REQ-1598-RO01
 */
export const DEFAULT_RETRY_OPTIONS: Readonly<RetryOptions> = Object.freeze({
  ...DEFAULT_BACKOFF_OPTIONS,
  maxAttempts: DEFAULT_MAX_ATTEMPTS,
  switchesPerBucket: DEFAULT_SWITCHES_PER_BUCKET,
  maxRetryAfterWaitMs: DEFAULT_MAX_RETRY_AFTER_WAIT_MS,
  deadlineMs: DEFAULT_DEADLINE_MS,
  streamIdleMs: DEFAULT_STREAM_IDLE_MS,
  shortRateLimitMaxMs: DEFAULT_SHORT_RATE_LIMIT_MAX_MS,
  rateLimitsBeforeFailover: DEFAULT_RATE_LIMITS_BEFORE_FAILOVER,
  authFailuresBeforeFailover: DEFAULT_AUTH_FAILURES_BEFORE_FAILOVER,
  serverErrorsBeforeFailover: DEFAULT_SERVER_ERRORS_BEFORE_FAILOVER,
});

export function resolveRetryOptions(overrides: Partial<RetryOptions> = {}): RetryOptions {
  return { ...DEFAULT_RETRY_OPTIONS, ...overrides };
}

/** What one request has been through so far, counting the failure being decided on. */
export interface RetryCounters {
  /** Attempts charged against maxAttempts, including the one that just failed. */
  attempts: number;
  consecutiveRateLimits: number;
  consecutiveAuthFailures: number;
  consecutiveServerErrors: number;
  /** Next backoff step; not reset by a bucket switch (BEHAVIOR §8.8). */
  backoffStep: number;
  /** Successful failovers so far in this request. */
  switches: number;
  /** A chunk already reached the caller: nothing may be retried any more. */
  outputYielded: boolean;
  bucketCount: number;
  /** Time left before the whole-request deadline, in ms. */
  timeLeftMs: number;
}

export function initialCounters(bucketCount: number, timeLeftMs: number): RetryCounters {
  return {
    attempts: 0,
    consecutiveRateLimits: 0,
    consecutiveAuthFailures: 0,
    consecutiveServerErrors: 0,
    backoffStep: 0,
    switches: 0,
    outputYielded: false,
    bucketCount,
    timeLeftMs,
  };
}

/**
 * Charges the failed attempt and extends the streak of its kind; any other kind breaks a streak.
 * @plan PLAN-20260223-ISSUE1598.P05
 * @requirement REQ-1598-RO02, REQ-1598-RO04, REQ-1598-RO05
 */
export function countFailure(
  counters: RetryCounters,
  classified: Pick<ClassifiedProviderError, 'kind'>,
): RetryCounters {
  const { kind } = classified;
  return {
    ...counters,
    attempts: counters.attempts + 1,
    consecutiveRateLimits: kind === 'rate-limit' ? counters.consecutiveRateLimits + 1 : 0,
    consecutiveAuthFailures: kind === 'auth' ? counters.consecutiveAuthFailures + 1 : 0,
    consecutiveServerErrors: kind === 'server' ? counters.consecutiveServerErrors + 1 : 0,
  };
}

/**
 * A successful failover: the attempt is refunded and per-bucket streaks restart; backoff keeps escalating.
 * @plan PLAN-20260223-ISSUE1598.P05
 * @requirement REQ-1598-RO15, REQ-1598-RO05
 */
export function countSwitch(counters: RetryCounters): RetryCounters {
  return {
    ...counters,
    attempts: Math.max(0, counters.attempts - 1),
    switches: counters.switches + 1,
    consecutiveRateLimits: 0,
    consecutiveAuthFailures: 0,
    consecutiveServerErrors: 0,
  };
}

export type WaitReason = 'retry-after' | 'backoff';

export type GiveUpReason =
  | 'aborted'
  | 'exhausted'
  | 'output-yielded'
  | 'not-retryable'
  | 'max-attempts'
  | 'switch-cap'
  | 'deadline';

export type FailoverTrigger = 'rate-limit' | 'quota' | 'long-wait' | 'auth' | 'refused' | 'server';

export type RetryAction =
  | { type: 'wait-retry'; delayMs: number; reason: WaitReason }
  | { type: 'force-refresh' }
  | { type: 'failover'; trigger: FailoverTrigger; status?: number; retryAfterMs?: number }
  | { type: 'throw'; error: unknown; reason: GiveUpReason };

/**
 * Decides what to do with one classified failure. `counters` already include this failure
 * (see countFailure). `random` feeds the backoff jitter only.
 * @plan PLAN-20260223-ISSUE1598.P05
 * @requirement REQ-1598-RO02, REQ-1598-RO03, REQ-1598-RO04, REQ-1598-RO05, REQ-1598-RO06
 * @requirement REQ-1598-RO07, REQ-1598-RO08, REQ-1598-RO09, REQ-1598-RO10, REQ-1598-RO12
 * @requirement REQ-1598-RO15
 */
export function decideRetry(
  classified: ClassifiedProviderError,
  counters: RetryCounters,
  options: RetryOptions,
  random: RandomSource,
): RetryAction {
  const giveUp = (reason: GiveUpReason): RetryAction => ({
    type: 'throw',
    error: classified.error,
    reason,
  });
  if (classified.kind === 'abort') return giveUp('aborted');
  if (counters.outputYielded) return giveUp('output-yielded');
  if (classified.kind === 'exhausted') return giveUp('exhausted');
  if (counters.timeLeftMs <= 0) return giveUp('deadline');

  const action = tableAction(classified, counters, options, random);
  if (action.type === 'failover') {
    const cap = counters.bucketCount * options.switchesPerBucket;
    return counters.switches >= cap ? giveUp('switch-cap') : action;
  }
  if (action.type === 'throw') return action;
  if (counters.attempts >= options.maxAttempts) return giveUp('max-attempts');
  if (action.type === 'wait-retry' && action.delayMs >= counters.timeLeftMs)
    return giveUp('deadline');
  return action;
}

/** The §6 table itself, before the request-wide bounds are applied. */
function tableAction(
  classified: ClassifiedProviderError,
  counters: RetryCounters,
  options: RetryOptions,
  random: RandomSource,
): RetryAction {
  const status = classified.status;
  const withStatus = status === undefined ? {} : { status };
  const backoff = (): RetryAction => ({
    type: 'wait-retry',
    reason: 'backoff',
    delayMs: Math.min(
      options.maxRetryAfterWaitMs,
      backoffDelay(counters.backoffStep, options, random),
    ),
  });

  switch (classified.kind) {
    case 'rate-limit': {
      const requested = classified.retryAfterMs ?? classified.resetAfterMs;
      const cooldown = cooldownOf(classified);
      const failover = (trigger: FailoverTrigger): RetryAction => ({
        type: 'failover',
        trigger,
        ...withStatus,
        ...cooldown,
      });
      if (classified.quotaWording) return failover('quota');
      if (isLong(classified.retryAfterMs, options) || isLong(classified.resetAfterMs, options))
        return failover('rate-limit');
      if (counters.consecutiveRateLimits >= options.rateLimitsBeforeFailover)
        return failover('rate-limit');
      if (requested === undefined) return backoff();
      if (requested > options.maxRetryAfterWaitMs) return failover('long-wait');
      return { type: 'wait-retry', reason: 'retry-after', delayMs: Math.max(0, requested) };
    }
    case 'quota':
      return { type: 'failover', trigger: 'quota', ...withStatus, ...cooldownOf(classified) };
    case 'refused':
      // Refused by policy: no refresh or login can change that, so the next bucket is tried at once.
      return { type: 'failover', trigger: 'refused', ...withStatus };
    case 'auth':
      if (counters.consecutiveAuthFailures >= options.authFailuresBeforeFailover)
        return { type: 'failover', trigger: 'auth', ...withStatus };
      return { type: 'force-refresh' };
    case 'server': {
      if (counters.consecutiveServerErrors >= options.serverErrorsBeforeFailover)
        return { type: 'failover', trigger: 'server', ...withStatus };
      const requested = classified.retryAfterMs;
      if (requested === undefined) return backoff();
      if (requested > options.maxRetryAfterWaitMs)
        return { type: 'failover', trigger: 'long-wait', ...withStatus, retryAfterMs: requested };
      return { type: 'wait-retry', reason: 'retry-after', delayMs: Math.max(0, requested) };
    }
    case 'network':
      return backoff();
    default:
      // client (400/404/422/other 4xx), stream-interrupted and unknown: the request itself is wrong
      // or the failure is not ours to repeat.
      return { type: 'throw', error: classified.error, reason: 'not-retryable' };
  }
}

function isLong(ms: number | undefined, options: RetryOptions): boolean {
  return (ms ?? 0) > options.shortRateLimitMaxMs;
}

/** The cooldown handed to the handler: the later of Retry-After and the window reset. */
function cooldownOf(classified: ClassifiedProviderError): { retryAfterMs?: number } {
  const known = [classified.retryAfterMs, classified.resetAfterMs].filter(
    (ms): ms is number => ms !== undefined,
  );
  return known.length === 0 ? {} : { retryAfterMs: Math.max(...known) };
}
