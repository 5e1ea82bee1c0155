// The state of one request inside the RetryOrchestrator: counters, the deadline, the current attempt's
// signal and the last error; executes the actions decideRetry returns (wait, refresh, failover, throw).
import type { FailoverContext } from '../config/failover.js';
import { abortReason, isAbortError, type Clock } from '../util/clock.js';
import { RequestDeadline, type AttemptScope } from './attempt-scope.js';
import {
  classifyProviderError,
  providerMessage,
  type ClassifiedProviderError,
} from './classify.js';
import { AllBucketsExhaustedError } from './errors.js';
import {
  countFailure,
  countSwitch,
  decideRetry,
  initialCounters,
  type RetryAction,
  type RetryCounters,
  type RetryOptions,
} from './retry-decision.js';
import type { AttemptContext, RetryOrchestratorOptions } from './RetryOrchestrator.js';

export class RetryRun {
  private counters: RetryCounters;
  private readonly deadline: RequestDeadline;
  private readonly deadlineAt: number;
  private attemptNumber = 0;
  private scope: AttemptScope | undefined;
  /** The access token the current attempt reported sending. */
  private accessToken: string | undefined;
  /** The bucket the current attempt was sent to. */
  private attemptBucket: string | undefined;
  /** The failure that ended the request after output had already reached the caller. */
  private interruptedBy: ClassifiedProviderError | undefined;

  constructor(
    private readonly config: RetryOrchestratorOptions,
    private readonly options: RetryOptions,
    /** The caller's signal. */
    private readonly signal: AbortSignal,
  ) {
    this.deadlineAt = config.clock.now() + options.deadlineMs;
    this.deadline = new RequestDeadline(config.clock, options.deadlineMs, signal);
    this.counters = initialCounters(this.bucketCount(), options.deadlineMs);
  }

  get clock(): Clock {
    return this.config.clock;
  }

  nextAttempt(): AttemptContext {
    this.throwIfStopped();
    this.attemptNumber += 1;
    this.accessToken = undefined;
    this.attemptBucket = this.currentBucket();
    this.scope = this.deadline.attempt();
    return {
      attempt: this.attemptNumber,
      bucket: this.attemptBucket,
      signal: this.scope.signal,
      reportCredential: (accessToken) => {
        this.accessToken = accessToken;
      },
    };
  }

  /** The current attempt's scope (its signal, the idle-guarded next). */
  get attempt(): AttemptScope {
    if (!this.scope) throw new Error('no attempt is running');
    return this.scope;
  }

  /** Settles like the attempt's promise, or rejects once the caller aborts or the deadline passes. */
  race<T>(promise: Promise<T>): Promise<T> {
    return this.attempt.race(promise);
  }

  /** Clears the tried set and tells the handler the bucket served (its cooldown is over). */
  async succeeded(): Promise<void> {
    const handler = this.config.handler;
    if (!handler) return;
    handler.resetSession();
    const bucket = handler.getCurrentBucket();
    if (bucket === undefined || !handler.bucketSucceeded) return;
    try {
      await handler.bucketSucceeded(bucket);
    } catch {
      // Forgetting a cooldown is housekeeping: the answer already arrived and must not be lost.
    }
  }

  markOutputYielded(): void {
    this.counters = { ...this.counters, outputYielded: true };
  }

  /** The failure that ended the request after output had reached the caller, if that happened. */
  interruption(): ClassifiedProviderError | undefined {
    return this.interruptedBy;
  }

  /** Resolves when the request should be attempted again; otherwise throws what the caller gets. */
  async recover(failure: unknown): Promise<void> {
    if (this.signal.aborted) throw abortReason(this.signal);
    // An attempt stopped by the deadline rejects with the deadline's reason or an SDK abort error.
    const error =
      this.deadline.reached && (failure === this.deadline.error || isAbortLike(failure))
        ? this.deadline.error
        : failure;
    this.scope?.abort(new DOMException('the attempt failed', 'AbortError'));
    const classified = classifyProviderError(error, { now: this.clock.now() });
    this.counters = {
      ...countFailure(this.counters, classified),
      bucketCount: this.bucketCount(),
      timeLeftMs: this.deadline.reached ? 0 : this.deadlineAt - this.clock.now(),
    };
    const action = decideRetry(classified, this.counters, this.options, this.config.random);
    await this.perform(action, classified);
  }

  /** The caller's abort first, then the deadline. */
  private throwIfStopped(): void {
    if (this.signal.aborted) throw abortReason(this.signal);
    if (this.deadline.reached) throw this.deadline.error;
  }

  /** Runs a wait or failover step under the request's signal, mapping a stop to its reason. */
  private async guarded<T>(step: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await this.deadline.during(step(this.deadline.signal), this.deadline.signal);
    } catch (error) {
      this.throwIfStopped();
      throw error;
    }
  }

  private async perform(action: RetryAction, classified: ClassifiedProviderError): Promise<void> {
    const bucket = this.currentBucket();
    switch (action.type) {
      case 'throw':
        if (action.reason === 'output-yielded') this.interruptedBy = classified;
        throw action.error;
      case 'wait-retry':
        this.config.onRetry?.({
          attempt: this.attemptNumber + 1,
          bucket,
          action: 'wait-retry',
          error: classified,
        });
        if (action.reason === 'backoff')
          this.counters = { ...this.counters, backoffStep: this.counters.backoffStep + 1 };
        this.config.onWait?.({ ms: action.delayMs, reason: action.reason, bucket });
        await this.guarded((signal) => this.clock.sleep(action.delayMs, signal));
        return;
      case 'force-refresh':
        this.config.onRetry?.({
          attempt: this.attemptNumber + 1,
          bucket,
          action: 'force-refresh',
          error: classified,
        });
        try {
          await this.guarded(
            async (signal) =>
              await this.config.onAuthError?.({
                bucket,
                error: classified,
                signal,
                ...(this.accessToken === undefined ? {} : { accessToken: this.accessToken }),
              }),
          );
        } catch {
          this.throwIfStopped();
          // The token could not be refreshed: count it as the failure that makes auth fail over,
          // and decide again (so the switch cap still applies).
          this.counters = {
            ...this.counters,
            consecutiveAuthFailures: this.options.authFailuresBeforeFailover,
          };
          return this.perform(
            decideRetry(classified, this.counters, this.options, this.config.random),
            classified,
          );
        }
        return;
      case 'failover':
        return this.failover(classified, action);
    }
  }

  private async failover(
    classified: ClassifiedProviderError,
    action: Extract<RetryAction, { type: 'failover' }>,
  ): Promise<void> {
    const { status, retryAfterMs, trigger } = action;
    const handler = this.config.handler;
    const from = this.currentBucket();
    const statusField = status === undefined ? {} : { status };
    if (!handler || !handler.isEnabled() || handler.getBuckets().length === 0) {
      this.config.onFailover?.({ from, to: undefined, ...statusField, outcome: 'unavailable' });
      throw classified.error;
    }
    const message = providerMessage(classified);
    const base: Omit<FailoverContext, 'signal'> = {
      trigger,
      ...(this.attemptBucket === undefined ? {} : { failedBucket: this.attemptBucket }),
      ...(status === undefined ? {} : { triggeringStatus: status }),
      ...(retryAfterMs === undefined
        ? {}
        : { retryAfterMs, retryAt: this.clock.now() + retryAfterMs }),
      ...(classified.billingWording ? { billing: true } : {}),
      ...(message === undefined ? {} : { message }),
      ...(this.config.interactive === undefined ? {} : { interactive: this.config.interactive }),
    };
    const ready = await this.guarded((signal) => handler.tryFailover({ signal, ...base }));
    this.throwIfStopped();
    if (!ready) {
      this.config.onFailover?.({ from, to: undefined, ...statusField, outcome: 'exhausted' });
      throw new AllBucketsExhaustedError(
        this.config.provider,
        handler.getBuckets(),
        classified.error,
        handler.getLastFailoverReasons?.() ?? {},
        handler.getLastFailoverDetails?.() ?? {},
        { now: this.clock.now() },
      );
    }
    this.counters = countSwitch(this.counters);
    this.config.onFailover?.({
      from,
      to: this.currentBucket(),
      ...statusField,
      outcome: 'switched',
    });
  }

  private currentBucket(): string | undefined {
    return this.config.handler?.getCurrentBucket();
  }

  private bucketCount(): number {
    return Math.max(1, this.config.handler?.getBuckets().length ?? 1);
  }
}

/** An abort as the SDKs report it (their own class names) or a DOM AbortError. */
function isAbortLike(error: unknown): boolean {
  if (isAbortError(error)) return true;
  const name = (error as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return name === 'APIUserAbortError';
}
