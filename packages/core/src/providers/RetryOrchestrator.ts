// The single retry/failover engine around one provider request (BEHAVIOR §6): classifies each failure,
// asks decideRetry what to do, and executes that action (wait, force-refresh, failover or throw).
import type { BucketFailoverHandler, FailoverContext } from '../config/failover.js';
import { abortReason, throwIfAborted, type Clock, type RandomSource } from '../util/clock.js';
import {
  classifyProviderError,
  providerMessage,
  type ClassifiedProviderError,
} from './classify.js';
import { AllBucketsExhaustedError, StreamInterruptedError } from './errors.js';
import {
  countFailure,
  countSwitch,
  decideRetry,
  initialCounters,
  resolveRetryOptions,
  type RetryAction,
  type RetryCounters,
  type RetryOptions,
  type WaitReason,
} from './retry-decision.js';

/** What each attempt of the wrapped request receives. */
export interface AttemptContext {
  /** 1-based number of this call of the request function within the request. */
  attempt: number;
  /** The bucket the attempt must use (the handler's current bucket), if there is a handler. */
  bucket: string | undefined;
  signal: AbortSignal;
  /**
   * Tells the engine which access token this attempt sends, so that a 401/403 force-refresh can
   * skip the refresh when the stored token has already changed (another process refreshed it).
   */
  reportCredential(accessToken: string): void;
}

export interface WaitEvent {
  ms: number;
  reason: WaitReason;
  bucket: string | undefined;
}

export interface RetryEvent {
  /** The attempt about to be made. */
  attempt: number;
  bucket: string | undefined;
  action: 'wait-retry' | 'force-refresh';
  error: ClassifiedProviderError;
}

export interface FailoverEvent {
  from: string | undefined;
  /** The bucket now in use; undefined when failover was not possible. */
  to: string | undefined;
  status?: number;
  /** `switched`: handler returned true; `exhausted`: false; `unavailable`: no usable handler. */
  outcome: 'switched' | 'exhausted' | 'unavailable';
}

export interface AuthErrorEvent {
  bucket: string | undefined;
  error: ClassifiedProviderError;
  signal: AbortSignal;
  /** The access token the failed attempt sent, when the attempt reported it. */
  accessToken?: string;
}

export interface RetryOrchestratorOptions {
  handler?: BucketFailoverHandler;
  /** Provider name, for AllBucketsExhaustedError and StreamInterruptedError. */
  provider: string;
  clock: Clock;
  random: RandomSource;
  options?: Partial<RetryOptions>;
  /** A person can complete a foreground login (passed to tryFailover). */
  interactive?: boolean;
  onWait?: (event: WaitEvent) => void;
  onRetry?: (event: RetryEvent) => void;
  onFailover?: (event: FailoverEvent) => void;
  /** Force-refreshes the bucket's token after a first 401/403; a rejection leads to failover. */
  onAuthError?: (event: AuthErrorEvent) => Promise<void>;
}

export interface ExecuteOptions {
  signal?: AbortSignal;
}

export interface StreamOptions<C> extends ExecuteOptions {
  /** Text of a chunk, for StreamInterruptedError.partialText (empty without it). */
  textOf?: (chunk: C) => string;
}

export class RetryOrchestrator {
  readonly options: Readonly<RetryOptions>;

  constructor(private readonly config: RetryOrchestratorOptions) {
    this.options = resolveRetryOptions(config.options);
  }

  /** Runs `request` until it succeeds or the §6 table says to stop. */
  async execute<T>(
    request: (attempt: AttemptContext) => Promise<T>,
    { signal }: ExecuteOptions = {},
  ): Promise<T> {
    const run = this.startRun(signal);
    for (;;) {
      const context = run.nextAttempt();
      try {
        const result = await request(context);
        await run.succeeded();
        return result;
      } catch (error) {
        await run.recover(error);
      }
    }
  }

  /**
   * Streams `request`'s chunks, retrying only while nothing has reached the caller. A failure after
   * the first chunk throws StreamInterruptedError with the chunks so far and their text.
   */
  async *stream<C>(
    request: (attempt: AttemptContext) => AsyncIterable<C>,
    { signal, textOf }: StreamOptions<C> = {},
  ): AsyncGenerator<C, void, undefined> {
    const run = this.startRun(signal);
    const delivered: C[] = [];
    for (;;) {
      const context = run.nextAttempt();
      try {
        for await (const chunk of request(context)) {
          delivered.push(chunk);
          yield chunk;
        }
        await run.succeeded();
        return;
      } catch (error) {
        if (delivered.length > 0) run.markOutputYielded();
        try {
          await run.recover(error);
        } catch (final) {
          const interruption = run.interruption();
          if (interruption) throw this.interrupted(interruption, delivered, textOf);
          throw final;
        }
      }
    }
  }

  private startRun(signal: AbortSignal | undefined): RetryRun {
    throwIfAborted(signal);
    this.config.handler?.resetSession();
    return new RetryRun(this.config, this.options, signal ?? new AbortController().signal);
  }

  private interrupted<C>(
    failure: ClassifiedProviderError,
    chunks: readonly C[],
    textOf: ((chunk: C) => string) | undefined,
  ): StreamInterruptedError {
    const text = textOf ? chunks.map((chunk) => textOf(chunk)).join('') : '';
    // A client may already have reported the interruption; name its underlying failure, not its
    // own "interrupted" sentence, so the message does not say it twice.
    const inner = failure.error;
    const reason =
      inner instanceof StreamInterruptedError && inner.cause instanceof Error
        ? inner.cause.message
        : failure.message;
    return new StreamInterruptedError(
      `The ${this.config.provider} stream was interrupted after ${chunks.length} chunk(s): ${reason}`,
      [...chunks],
      text,
      { provider: this.config.provider, cause: failure.error, status: failure.status },
    );
  }
}

/** The state of one request: counters, deadline and the last error; executes decided actions. */
class RetryRun {
  private counters: RetryCounters;
  private readonly deadline: number;
  private attemptNumber = 0;
  /** The access token the current attempt reported sending. */
  private accessToken: string | undefined;
  /** The bucket the current attempt was sent to. */
  private attemptBucket: string | undefined;
  /** The failure that ended the request after output had already reached the caller. */
  private interruptedBy: ClassifiedProviderError | undefined;

  constructor(
    private readonly config: RetryOrchestratorOptions,
    private readonly options: RetryOptions,
    private readonly signal: AbortSignal,
  ) {
    this.deadline = config.clock.now() + options.deadlineMs;
    this.counters = initialCounters(this.bucketCount(), options.deadlineMs);
  }

  nextAttempt(): AttemptContext {
    throwIfAborted(this.signal);
    this.attemptNumber += 1;
    this.accessToken = undefined;
    this.attemptBucket = this.currentBucket();
    return {
      attempt: this.attemptNumber,
      bucket: this.attemptBucket,
      signal: this.signal,
      reportCredential: (accessToken) => {
        this.accessToken = accessToken;
      },
    };
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
  async recover(error: unknown): Promise<void> {
    if (this.signal.aborted) throw abortReason(this.signal);
    const classified = classifyProviderError(error, { now: this.config.clock.now() });
    this.counters = {
      ...countFailure(this.counters, classified),
      bucketCount: this.bucketCount(),
      timeLeftMs: this.deadline - this.config.clock.now(),
    };
    const action = decideRetry(classified, this.counters, this.options, this.config.random);
    await this.perform(action, classified);
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
        await this.config.clock.sleep(action.delayMs, this.signal);
        return;
      case 'force-refresh':
        this.config.onRetry?.({
          attempt: this.attemptNumber + 1,
          bucket,
          action: 'force-refresh',
          error: classified,
        });
        try {
          await this.config.onAuthError?.({
            bucket,
            error: classified,
            signal: this.signal,
            ...(this.accessToken === undefined ? {} : { accessToken: this.accessToken }),
          });
        } catch {
          if (this.signal.aborted) throw abortReason(this.signal);
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
    const context: FailoverContext = {
      signal: this.signal,
      trigger,
      ...(this.attemptBucket === undefined ? {} : { failedBucket: this.attemptBucket }),
      ...(status === undefined ? {} : { triggeringStatus: status }),
      ...(retryAfterMs === undefined
        ? {}
        : { retryAfterMs, retryAt: this.config.clock.now() + retryAfterMs }),
      ...(classified.billingWording ? { billing: true } : {}),
      ...(message === undefined ? {} : { message }),
      ...(this.config.interactive === undefined ? {} : { interactive: this.config.interactive }),
    };
    const ready = await handler.tryFailover(context);
    throwIfAborted(this.signal);
    if (!ready) {
      this.config.onFailover?.({ from, to: undefined, ...statusField, outcome: 'exhausted' });
      throw new AllBucketsExhaustedError(
        this.config.provider,
        handler.getBuckets(),
        classified.error,
        handler.getLastFailoverReasons?.() ?? {},
        handler.getLastFailoverDetails?.() ?? {},
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
