// The single retry/failover engine around one provider request (BEHAVIOR §6): classifies each failure,
// asks decideRetry what to do, and executes that action (wait, force-refresh, failover or throw).
import type { BucketFailoverHandler } from '../config/failover.js';
import { throwIfAborted, type Clock, type RandomSource } from '../util/clock.js';
import type { ClassifiedProviderError } from './classify.js';
import { StreamInterruptedError } from './errors.js';
import { resolveRetryOptions, type RetryOptions, type WaitReason } from './retry-decision.js';
import { RetryRun } from './retry-run.js';

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

  /**
   * Runs `request` until it succeeds or the §6 table says to stop. Each attempt gets its own signal
   * (the caller's and the deadline's together); an attempt still running at the deadline is abandoned.
   */
  async execute<T>(
    request: (attempt: AttemptContext) => Promise<T>,
    { signal }: ExecuteOptions = {},
  ): Promise<T> {
    const run = this.startRun(signal);
    for (;;) {
      const context = run.nextAttempt();
      try {
        const result = await run.race(request(context));
        await run.succeeded();
        return result;
      } catch (error) {
        await run.recover(error);
      }
    }
  }

  /**
   * Streams `request`'s chunks, retrying only while nothing has reached the caller. A failure after
   * the first chunk throws StreamInterruptedError with the chunks so far and their text. A stream that
   * sends nothing for `streamIdleMs` ends its attempt like a network failure.
   */
  async *stream<C>(
    request: (attempt: AttemptContext) => AsyncIterable<C>,
    { signal, textOf }: StreamOptions<C> = {},
  ): AsyncGenerator<C, void, undefined> {
    const run = this.startRun(signal);
    const delivered: C[] = [];
    for (;;) {
      const context = run.nextAttempt();
      const iterator = request(context)[Symbol.asyncIterator]();
      let ended = false;
      try {
        for (;;) {
          const next = await run.attempt.next(
            iterator,
            this.config.clock,
            this.options.streamIdleMs,
            this.config.provider,
          );
          if (next.done) break;
          delivered.push(next.value);
          yield next.value;
        }
        ended = true;
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
      } finally {
        // An abandoned attempt (failed, idle, or the caller stopped reading) is closed; its signal
        // has already told the SDK to stop, so this does not wait for it.
        if (!ended) void iterator.return?.().catch(() => undefined);
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
