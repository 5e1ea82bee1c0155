// ProactiveRenewalScheduler: renews each provider:bucket token before it expires, on unref'ed timers,
// with retries, a stop after repeated failures and an immediate stop on a revoked grant (BEHAVIOR §4).
import {
  secondsUntilExpiry,
  systemClock,
  systemRandom,
  type Clock,
  type OAuthToken,
  type RandomSource,
} from '@baton/core';
import { RefreshTokenRevokedError } from './flows/errors.js';

/** A token with this many seconds left or fewer is not scheduled (the lookup path refreshes it). */
export const RENEWAL_MIN_REMAINING_SECONDS = 5 * 60;
/** Renewal fires after this fraction of the remaining lifetime... */
export const RENEWAL_FIRE_FRACTION = 0.8;
/** ...minus up to this fraction of it, so processes sharing a token do not all fire at once. */
export const RENEWAL_JITTER_FRACTION = 0.05;
/** Wait before retry n (after the n-th consecutive failure). */
export const RENEWAL_RETRY_DELAYS_MS: readonly number[] = [60_000, 120_000];
/** Up to this much random delay is added to each retry. */
export const RENEWAL_RETRY_JITTER_MS = 5_000;
/** After this many consecutive failures the bucket is not renewed until a refresh or login succeeds. */
export const RENEWAL_MAX_CONSECUTIVE_FAILURES = 3;
/** setTimeout's largest delay; longer waits are chained so a 30-day token does not fire at once. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Injectable timers; the default uses the global ones and unrefs them. */
export interface RenewalTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Global timers, unref'ed: an armed renewal never keeps the CLI alive.
 * @plan PLAN-20260223-ISSUE1598.P11
 * @requirement REQ-1598-PR03
 */
export const unrefTimers: RenewalTimers = {
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** What a stored credential may be: an OAuth token, or an API key that is never renewed. */
export type RenewableCredential = OAuthToken | { readonly kind: 'api-key' };

/**
 * What `renew` may resolve with: the stored token, or the token plus whether this process refreshed
 * it or found it already refreshed by another process (then the event is `skipped`, not `renewed`).
 */
export type RenewalResult =
  OAuthToken | { token: OAuthToken; refreshedBy: 'this-process' | 'another-process' };

export type RenewalStopReason = 'failures' | 'revoked';
export type RenewalCancelReason = 'logout' | 'not-in-profile' | 'dispose';
export type NotScheduledReason =
  'api-key' | 'no-refresh-token' | 'expiring-soon' | 'stopped' | 'running';

interface EventBase {
  provider: string;
  bucket: string;
  /** Epoch ms, from the injected clock. */
  at: number;
}

/** Everything the scheduler does, for debug logs and status. No event carries a secret. */
export type RenewalEvent = EventBase &
  (
    | { type: 'scheduled'; fireAt: number; expiry?: number; retry: boolean }
    | { type: 'not-scheduled'; reason: NotScheduledReason }
    | { type: 'fired'; attempt: number }
    | { type: 'renewed'; expiry?: number }
    | { type: 'skipped'; expiry?: number }
    | { type: 'failed'; failures: number; reason: string }
    | { type: 'stopped'; because: RenewalStopReason }
    | { type: 'cancelled'; because: RenewalCancelReason }
  );

export interface RenewalState {
  status: 'idle' | 'armed' | 'running' | 'stopped';
  /** Epoch ms the armed timer fires at. */
  fireAt?: number;
  /** Consecutive failures since the last success. */
  failures: number;
  stoppedBecause?: RenewalStopReason;
}

export interface ProactiveRenewalOptions {
  clock?: Clock;
  random?: RandomSource;
  timers?: RenewalTimers;
  /**
   * One renewal: take the cross-process lock, re-read the store, refresh only if no other process
   * already did, persist; resolve with the token now stored. The signal means "give up": honour it
   * before calling the token endpoint, never between its answer and the persist (a rotated refresh
   * token would be lost). Rejects on failure; `isRevoked` tells a dead grant from a passing failure.
   */
  renew(provider: string, bucket: string, signal: AbortSignal): Promise<RenewalResult>;
  /** Default: RefreshTokenRevokedError or any error whose RFC `error` is `invalid_grant`. */
  isRevoked?(error: unknown): boolean;
  onEvent?(event: RenewalEvent): void;
  minRemainingSeconds?: number;
  retryDelaysMs?: readonly number[];
  retryJitterMs?: number;
  maxConsecutiveFailures?: number;
}

/**
 * Fire time for a token with `remainingMs` left: now + remaining × 0.8 − random × 5% of remaining.
 * @plan PLAN-20260223-ISSUE1598.P11
 * @requirement REQ-1598-PR02
 */
export function renewalFireAt(nowMs: number, remainingMs: number, random: number): number {
  const delay =
    remainingMs * RENEWAL_FIRE_FRACTION - random * RENEWAL_JITTER_FRACTION * remainingMs;
  return nowMs + Math.floor(delay);
}

/**
 * Wait before the retry that follows the `failures`-th consecutive failure (1-based).
 * @plan PLAN-20260223-ISSUE1598.P11
 * @requirement REQ-1598-PR06
 */
export function renewalRetryDelay(
  failures: number,
  random: number,
  delaysMs: readonly number[] = RENEWAL_RETRY_DELAYS_MS,
  jitterMs = RENEWAL_RETRY_JITTER_MS,
): number {
  const base = delaysMs[Math.min(failures, delaysMs.length) - 1] ?? 0;
  return base + Math.floor(random * jitterMs);
}

export function defaultIsRevoked(error: unknown): boolean {
  return (
    error instanceof RefreshTokenRevokedError ||
    (typeof error === 'object' &&
      error !== null &&
      (error as { error?: unknown }).error === 'invalid_grant')
  );
}

interface Run {
  controller: AbortController;
  /** notifyRefreshed arrived while this run was in flight: its failure is not counted. */
  superseded?: boolean;
}

interface Entry {
  provider: string;
  bucket: string;
  /** Expiry (s) of the token last armed from; kept while a retry waits, so re-reads change nothing. */
  expiry?: number;
  timer?: unknown;
  fireAt?: number;
  failures: number;
  stoppedBecause?: RenewalStopReason;
  run?: Run;
}

/**
 * Keeps at most one timer per provider:bucket. The failure count and the stopped state live on the
 * entry, not the timer: clearing a timer (profile change) keeps them; only a successful refresh
 * (`notifyRefreshed`) or a logout (`cancel`) resets them. While a renewal runs, schedule() waits for
 * its outcome. Nothing here knows about turns, so a turn reset leaves the timers alone.
 */
export class ProactiveRenewalScheduler {
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly timers: RenewalTimers;
  private readonly options: ProactiveRenewalOptions;
  private readonly minRemainingMs: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly retryJitterMs: number;
  private readonly maxFailures: number;
  private readonly entries = new Map<string, Entry>();
  private disposed = false;

  constructor(options: ProactiveRenewalOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
    this.timers = options.timers ?? unrefTimers;
    this.options = options;
    this.minRemainingMs = (options.minRemainingSeconds ?? RENEWAL_MIN_REMAINING_SECONDS) * 1000;
    this.retryDelaysMs = options.retryDelaysMs ?? RENEWAL_RETRY_DELAYS_MS;
    this.retryJitterMs = options.retryJitterMs ?? RENEWAL_RETRY_JITTER_MS;
    this.maxFailures = options.maxConsecutiveFailures ?? RENEWAL_MAX_CONSECUTIVE_FAILURES;
  }

  /** Timers currently armed (first renewals and retries). */
  get armedCount(): number {
    let count = 0;
    for (const entry of this.entries.values()) if (entry.timer !== undefined) count++;
    return count;
  }

  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-PR01, REQ-1598-PR04
   */
  schedule(provider: string, bucket: string, token: RenewableCredential): void {
    if (this.disposed) return;
    const entry = this.entry(provider, bucket);
    if (entry.stoppedBecause) return this.emit(entry, { type: 'not-scheduled', reason: 'stopped' });
    // The run in flight reschedules from whatever token it leaves in the store.
    if (entry.run) return this.emit(entry, { type: 'not-scheduled', reason: 'running' });
    this.scheduleFrom(entry, token);
  }

  notifyRefreshed(provider: string, bucket: string, token: RenewableCredential): void {
    if (this.disposed) return;
    const entry = this.entry(provider, bucket);
    entry.failures = 0;
    delete entry.stoppedBecause;
    // Usually our own run's refresh reporting in: the run still reports renewed when it resolves,
    // but a failure it meets afterwards (say, in persisting) no longer counts.
    if (entry.run) entry.run.superseded = true;
    this.clearTimer(entry);
    this.scheduleFrom(entry, token);
  }

  /**
   * Logout: clears the timer, aborts a run in flight and forgets the failure count.
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-PR08
   */
  cancel(provider: string, bucket: string): void {
    const entry = this.entries.get(key(provider, bucket));
    if (!entry) return;
    this.stopEntry(entry, 'logout');
    this.entries.delete(key(provider, bucket));
  }

  /** Clears timers of the provider's buckets not listed; their failure counts and stops are kept. */
  retainOnly(provider: string, buckets: readonly string[]): void {
    const keep = new Set(buckets);
    for (const entry of this.entries.values()) {
      if (entry.provider === provider && !keep.has(entry.bucket)) {
        this.stopEntry(entry, 'not-in-profile');
        this.forgetIfClean(entry);
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const entry of this.entries.values()) this.stopEntry(entry, 'dispose');
    this.entries.clear();
  }

  state(provider: string, bucket: string): RenewalState {
    const entry = this.entries.get(key(provider, bucket));
    if (!entry) return { status: 'idle', failures: 0 };
    const base = { failures: entry.failures };
    if (entry.stoppedBecause) {
      return { ...base, status: 'stopped', stoppedBecause: entry.stoppedBecause };
    }
    if (entry.run) return { ...base, status: 'running' };
    if (entry.timer !== undefined && entry.fireAt !== undefined) {
      return { ...base, status: 'armed', fireAt: entry.fireAt };
    }
    return { ...base, status: 'idle' };
  }

  private entry(provider: string, bucket: string): Entry {
    const k = key(provider, bucket);
    let entry = this.entries.get(k);
    if (!entry) {
      entry = { provider, bucket, failures: 0 };
      this.entries.set(k, entry);
    }
    return entry;
  }

  private scheduleFrom(entry: Entry, token: RenewableCredential): void {
    if (isApiKey(token)) return this.decline(entry, 'api-key');
    if (!token.refresh_token) return this.decline(entry, 'no-refresh-token');
    if (entry.timer !== undefined && entry.expiry === token.expiry) return;
    const remainingMs = secondsUntilExpiry(token, this.clock) * 1000;
    if (!(remainingMs > this.minRemainingMs)) return this.decline(entry, 'expiring-soon');
    this.clearTimer(entry);
    const fireAt = renewalFireAt(this.clock.now(), remainingMs, this.random());
    entry.expiry = token.expiry;
    this.arm(entry, fireAt);
    this.emit(entry, { type: 'scheduled', fireAt, retry: false, ...expiryField(token) });
  }

  /** The latest token cannot be renewed: whatever was armed for an older one goes. */
  private decline(entry: Entry, reason: NotScheduledReason): void {
    this.clearTimer(entry);
    delete entry.expiry;
    this.emit(entry, { type: 'not-scheduled', reason });
    this.forgetIfClean(entry);
  }

  /** Drops an entry with nothing armed and no failures to remember, so the map does not grow. */
  private forgetIfClean(entry: Entry): void {
    const clean = entry.timer === undefined && !entry.run && entry.failures === 0;
    if (clean && !entry.stoppedBecause) this.entries.delete(key(entry.provider, entry.bucket));
  }

  private stopEntry(entry: Entry, because: RenewalCancelReason): void {
    const hadWork = entry.timer !== undefined || entry.run !== undefined;
    this.clearTimer(entry);
    delete entry.expiry;
    entry.run?.controller.abort();
    delete entry.run;
    if (hadWork) this.emit(entry, { type: 'cancelled', because });
  }

  private clearTimer(entry: Entry): void {
    if (entry.timer !== undefined) this.timers.clearTimeout(entry.timer);
    delete entry.timer;
    delete entry.fireAt;
  }

  /** Arms the entry's timer for `fireAt`, in steps no longer than setTimeout allows. */
  private arm(entry: Entry, fireAt: number): void {
    entry.fireAt = fireAt;
    const delay = Math.max(0, fireAt - this.clock.now());
    const step = Math.min(delay, MAX_TIMER_DELAY_MS);
    const handle = this.timers.setTimeout(() => {
      if (entry.timer !== handle) return;
      delete entry.timer;
      if (fireAt > this.clock.now()) this.arm(entry, fireAt);
      else void this.fire(entry);
    }, step);
    entry.timer = handle;
  }

  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-PR05
   */
  private async fire(entry: Entry): Promise<void> {
    // entry.expiry stays: a schedule() of the same token while a retry waits changes nothing.
    delete entry.fireAt;
    const run: Run = { controller: new AbortController() };
    entry.run = run;
    this.emit(entry, { type: 'fired', attempt: entry.failures + 1 });
    let outcome: RenewalOutcome;
    try {
      outcome = unwrap(
        await this.options.renew(entry.provider, entry.bucket, run.controller.signal),
      );
    } catch (error) {
      if (entry.run !== run) return;
      if (run.superseded) delete entry.run;
      else this.onFailure(entry, error);
      return;
    }
    if (entry.run !== run) return;
    delete entry.run;
    entry.failures = 0;
    const { token, refreshedBy } = outcome;
    this.emit(entry, {
      type: refreshedBy === 'another-process' ? 'skipped' : 'renewed',
      ...expiryField(token),
    });
    this.schedule(entry.provider, entry.bucket, token);
  }

  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-PR06, REQ-1598-PR07
   */
  private onFailure(entry: Entry, error: unknown): void {
    delete entry.run;
    entry.failures++;
    this.emit(entry, { type: 'failed', failures: entry.failures, reason: describe(error) });
    if (this.revoked(error)) return this.stop(entry, 'revoked');
    if (entry.failures >= this.maxFailures) return this.stop(entry, 'failures');
    const delay = renewalRetryDelay(
      entry.failures,
      this.random(),
      this.retryDelaysMs,
      this.retryJitterMs,
    );
    const fireAt = this.clock.now() + delay;
    this.arm(entry, fireAt);
    this.emit(entry, { type: 'scheduled', fireAt, retry: true });
  }

  private revoked(error: unknown): boolean {
    return this.options.isRevoked ? this.options.isRevoked(error) : defaultIsRevoked(error);
  }

  private stop(entry: Entry, because: RenewalStopReason): void {
    this.clearTimer(entry);
    entry.stoppedBecause = because;
    this.emit(entry, { type: 'stopped', because });
  }

  private emit(entry: Entry, event: DistributiveOmit<RenewalEvent, keyof EventBase>): void {
    // Stryker disable next-line ConditionalExpression: without the early return a missing listener throws inside the try below and is swallowed, so nothing observable changes
    if (!this.options.onEvent) return;
    const full = {
      provider: entry.provider,
      bucket: entry.bucket,
      at: this.clock.now(),
      ...event,
    };
    try {
      this.options.onEvent(full);
    } catch {
      // A broken listener must not stop renewals or throw out of a timer callback.
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function key(provider: string, bucket: string): string {
  return `${provider}:${bucket}`;
}

function isApiKey(token: RenewableCredential): token is { readonly kind: 'api-key' } {
  return (token as { kind?: unknown }).kind === 'api-key';
}

type RenewalOutcome = Exclude<RenewalResult, OAuthToken>;

function unwrap(result: RenewalResult): RenewalOutcome {
  if (typeof result !== 'object' || result === null) {
    throw new TypeError('renew resolved without a token');
  }
  if ('token' in result && 'refreshedBy' in result && !('access_token' in result)) {
    return result;
  }
  return { token: result, refreshedBy: 'this-process' };
}

function expiryField(token: RenewableCredential): { expiry?: number } {
  const expiry = (token as { expiry?: unknown }).expiry;
  return typeof expiry === 'number' ? { expiry } : {};
}

/** The error's name and message: baton's errors never carry a secret (flows/errors.ts). */
function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
