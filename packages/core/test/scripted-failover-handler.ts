// A small, honest BucketFailoverHandler for tests: the three passes of BEHAVIOR §5 over a scripted
// world (which buckets have no token, an expired-but-refreshable token, a cooldown, a login that works).
import {
  abortReason,
  type BucketFailoverHandler,
  type BucketFailureDetail,
  type BucketFailureReason,
  type Clock,
  type FailoverContext,
} from '../src/index.js';

/** The cooldown recorded for a 429/402 without Retry-After (BEHAVIOR §5 pass 1). */
export const GUESSED_COOLDOWN_MS = 60_000;

export interface ScriptedWorld {
  buckets: string[];
  clock: Pick<Clock, 'now'>;
  enabled?: boolean;
  /** Buckets whose stored token is missing or whose refresh fails, with that reason. */
  unusable?: Record<string, 'no-token' | 'expired-refresh-failed'>;
  /** Buckets whose token is expired but refreshes fine (pass 1 returns true with no switch). */
  expired?: string[];
  /** Buckets in cooldown until the given epoch ms. */
  cooldownUntil?: Record<string, number>;
  /** Buckets a foreground login would fix (pass 3, interactive only). */
  loginFixes?: string[];
  /** The session bucket at start; defaults to the first bucket. */
  current?: string;
}

export class ScriptedFailoverHandler implements BucketFailoverHandler {
  readonly buckets: readonly string[];
  current: string | undefined;
  readonly tried = new Set<string>();
  readonly unusable: Map<string, 'no-token' | 'expired-refresh-failed'>;
  readonly expired: Set<string>;
  readonly cooldownUntil: Map<string, number>;
  readonly loginFixes: Set<string>;
  enabled: boolean;
  /** Observable history: every switch made, tokens refreshed, logins run, contexts received. */
  readonly switches: Array<{ from: string | undefined; to: string }> = [];
  readonly refreshed: string[] = [];
  readonly logins: string[] = [];
  readonly contexts: Array<Omit<FailoverContext, 'signal'>> = [];
  readonly signals: Array<AbortSignal | undefined> = [];
  tryFailoverCalls = 0;
  resetSessionCalls = 0;
  /** Buckets the engine reported a success on, in order. */
  readonly successes: string[] = [];
  private reasons: Record<string, BucketFailureReason> = {};
  private details: Record<string, BucketFailureDetail> = {};
  private readonly clock: Pick<Clock, 'now'>;

  constructor(world: ScriptedWorld) {
    this.buckets = [...world.buckets];
    this.clock = world.clock;
    this.current = world.current ?? world.buckets[0];
    this.enabled = world.enabled ?? true;
    this.unusable = new Map(Object.entries(world.unusable ?? {}));
    this.expired = new Set(world.expired ?? []);
    this.cooldownUntil = new Map(Object.entries(world.cooldownUntil ?? {}));
    this.loginFixes = new Set(world.loginFixes ?? []);
  }

  getBuckets(): string[] {
    return [...this.buckets];
  }

  getCurrentBucket(): string | undefined {
    return this.current;
  }

  isEnabled(): boolean {
    return this.enabled;
  }

  resetSession(): void {
    this.resetSessionCalls += 1;
    this.tried.clear();
  }

  /** Back to the first bucket not cooling down (BEHAVIOR §5), else the one whose cooldown ends first. */
  reset(): void {
    this.resetSession();
    const now = this.clock.now();
    const until = (b: string): number => this.cooldownUntil.get(b) ?? -Infinity;
    this.current =
      this.buckets.find((b) => until(b) <= now) ??
      [...this.buckets].sort((x, y) => until(x) - until(y))[0];
  }

  bucketSucceeded(bucket: string): void {
    this.successes.push(bucket);
    this.cooldownUntil.delete(bucket);
  }

  getLastFailoverReasons(): Record<string, BucketFailureReason> {
    return { ...this.reasons };
  }

  getLastFailoverDetails(): Record<string, BucketFailureDetail> {
    return Object.fromEntries(Object.entries(this.details).map(([k, v]) => [k, { ...v }]));
  }

  async tryFailover(context: FailoverContext = {}): Promise<boolean> {
    if (context.signal?.aborted) throw abortReason(context.signal);
    this.tryFailoverCalls += 1;
    const { signal, ...seen } = context;
    this.contexts.push(seen);
    this.signals.push(signal);
    this.reasons = {};
    this.details = {};
    const now = this.clock.now();
    const triggering = this.current;

    // Pass 1: the triggering bucket.
    if (triggering !== undefined) {
      const status = context.triggeringStatus;
      const outOfQuota =
        status === 429 ||
        status === 402 ||
        context.trigger === 'quota' ||
        context.trigger === 'rate-limit' ||
        // A wait too long to sleep puts the bucket into cooldown until then (BEHAVIOR §6).
        context.trigger === 'long-wait';
      if (context.trigger === 'refused') {
        this.record(triggering, { reason: 'refused', ...(status ? { status } : {}) });
      } else if (outOfQuota) {
        const retryAt = context.retryAt ?? now + GUESSED_COOLDOWN_MS;
        this.cooldownUntil.set(triggering, retryAt);
        this.record(triggering, {
          reason: 'quota-exhausted',
          ...(status ? { status } : {}),
          retryAt,
        });
      } else if (this.unusable.has(triggering)) {
        this.record(triggering, { reason: this.unusable.get(triggering)! });
      } else if (this.expired.has(triggering)) {
        this.expired.delete(triggering);
        this.refreshed.push(triggering);
        return true;
      } else if (status === 401 || status === 403) {
        this.record(triggering, { reason: 'expired-refresh-failed', status });
      } else {
        this.record(triggering, {
          reason: 'skipped',
          ...(status ? { status } : {}),
          ...(context.retryAt === undefined ? {} : { retryAt: context.retryAt }),
        });
      }
      this.tried.add(triggering);
    }

    // Pass 2: the next usable bucket in profile order.
    for (const bucket of this.buckets) {
      if (this.reasons[bucket] !== undefined) continue;
      if (this.tried.has(bucket)) {
        this.record(bucket, { reason: 'skipped' });
        continue;
      }
      const until = this.cooldownUntil.get(bucket);
      if (until !== undefined && until > now) {
        this.record(bucket, { reason: 'quota-exhausted', retryAt: until });
        continue;
      }
      const unusable = this.unusable.get(bucket);
      if (unusable !== undefined) {
        this.record(bucket, { reason: unusable });
        continue;
      }
      if (this.expired.delete(bucket)) this.refreshed.push(bucket);
      this.switchTo(bucket);
      return true;
    }

    // Pass 3: at most one foreground login, only when a person is there.
    if (!context.interactive) return false;
    const eligible = (b: string | undefined): boolean =>
      b !== undefined &&
      (this.reasons[b] === 'no-token' || this.reasons[b] === 'expired-refresh-failed');
    const candidate =
      this.buckets.find((b) => eligible(b) && !this.tried.has(b)) ??
      (eligible(triggering) ? triggering : undefined);
    if (candidate === undefined) return false;
    this.logins.push(candidate);
    if (this.loginFixes.has(candidate)) {
      this.unusable.delete(candidate);
      this.switchTo(candidate);
      return true;
    }
    this.record(candidate, { reason: 'reauth-failed' });
    this.tried.add(candidate);
    return false;
  }

  private record(bucket: string, detail: BucketFailureDetail): void {
    this.reasons[bucket] = detail.reason;
    this.details[bucket] = detail;
  }

  private switchTo(bucket: string): void {
    this.switches.push({ from: this.current, to: bucket });
    this.current = bucket;
  }
}

/** The same handler seen through the interface's required methods only (no reason getters). */
export function withoutReasonGetters(handler: BucketFailoverHandler): BucketFailoverHandler {
  return {
    getBuckets: () => handler.getBuckets(),
    getCurrentBucket: () => handler.getCurrentBucket(),
    isEnabled: () => handler.isEnabled(),
    tryFailover: (context) => handler.tryFailover(context),
    resetSession: () => handler.resetSession(),
    reset: () => handler.reset(),
  };
}

/**
 * A naive handler that always rotates to the next bucket and never runs out (no tried set): the
 * case the orchestrator's per-request switch cap exists for.
 */
export class RoundRobinHandler implements BucketFailoverHandler {
  private index = 0;
  switchCount = 0;

  constructor(private readonly buckets: readonly string[]) {}

  getBuckets(): string[] {
    return [...this.buckets];
  }

  getCurrentBucket(): string | undefined {
    return this.buckets[this.index];
  }

  isEnabled(): boolean {
    return true;
  }

  async tryFailover(context: FailoverContext = {}): Promise<boolean> {
    if (context.signal?.aborted) throw abortReason(context.signal);
    this.index = (this.index + 1) % this.buckets.length;
    this.switchCount += 1;
    return true;
  }

  resetSession(): void {}

  reset(): void {
    this.index = 0;
  }
}
