// Deadlines that hold while a call runs (BEHAVIOR §6): one deadline timer per request, one signal per
// attempt combining the caller's, the deadline's and the attempt's own (aborted when a stream idles),
// and races that end an attempt, wait or failover even when the code it runs ignores its signal.
import { abortReason, type Clock } from '../util/clock.js';
import { DeadlineExceededError, NetworkError } from './errors.js';

/** Code of the retryable error for a stream that sent nothing for `streamIdleMs`. */
export const STREAM_IDLE = 'STREAM_IDLE';

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts. */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the attempt's own rejection, passed on unchanged
        reject(error);
      },
    );
  });
}

/**
 * The request-wide deadline. Its timer runs only while something of the request is awaited (an
 * attempt, a chunk, a wait, a failover), so a caller holding a chunk, or dropping the stream without
 * closing it, leaves no timer behind to keep the process alive.
 */
export class RequestDeadline {
  private readonly deadline = new AbortController();
  private readonly deadlineAt: number;
  /** The caller's signal and the deadline together: for waits, failovers and every attempt. */
  readonly signal: AbortSignal;

  constructor(
    private readonly clock: Clock,
    private readonly deadlineMs: number,
    private readonly caller: AbortSignal,
  ) {
    this.deadlineAt = clock.now() + deadlineMs;
    this.signal = AbortSignal.any([caller, this.deadline.signal]);
  }

  /** The deadline fired (and the caller had not aborted first). */
  get reached(): boolean {
    return this.deadline.signal.aborted && !this.caller.aborted;
  }

  get error(): Error {
    return abortReason(this.deadline.signal);
  }

  /** A fresh signal for one attempt. */
  attempt(): AttemptScope {
    return new AttemptScope(this.signal, this);
  }

  /** Awaits `promise` with the deadline armed, rejecting as soon as `signal` aborts. */
  async during<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
    const disarm = new AbortController();
    const left = this.deadlineAt - this.clock.now();
    if (left <= 0) this.fire();
    else
      this.clock.sleep(left, disarm.signal).then(
        () => this.fire(),
        () => undefined, // what was awaited settled first
      );
    try {
      return await raceSignal(promise, signal);
    } finally {
      disarm.abort();
    }
  }

  private fire(): void {
    if (!this.deadline.signal.aborted)
      this.deadline.abort(new DeadlineExceededError(this.deadlineMs));
  }
}

export class AttemptScope {
  private readonly own = new AbortController();
  readonly signal: AbortSignal;

  constructor(
    request: AbortSignal,
    private readonly deadline: RequestDeadline,
  ) {
    this.signal = AbortSignal.any([request, this.own.signal]);
  }

  /** Awaits the attempt's promise with the deadline armed; rejects once the attempt's signal aborts. */
  race<T>(promise: Promise<T>): Promise<T> {
    return this.deadline.during(promise, this.signal);
  }

  /** Ends the attempt: whatever it still runs (an SDK stream, a socket) is told to stop. */
  abort(reason: Error): void {
    this.own.abort(reason);
  }

  /**
   * The next chunk of `iterator`, unless the attempt's signal aborts first or nothing arrives within
   * `idleMs` (then the attempt is aborted with a retryable NetworkError `STREAM_IDLE`).
   */
  async next<C>(
    iterator: AsyncIterator<C>,
    clock: Clock,
    idleMs: number,
    provider: string,
  ): Promise<IteratorResult<C>> {
    const idle = new AbortController();
    clock.sleep(idleMs, idle.signal).then(
      () =>
        this.abort(
          new NetworkError(`${provider}: the stream sent nothing for ${idleMs} ms`, {
            code: STREAM_IDLE,
            provider,
          }),
        ),
      () => undefined, // a chunk (or the end) arrived in time
    );
    try {
      return await this.race(iterator.next());
    } finally {
      idle.abort();
    }
  }
}
