// Waiting on shared work with a private signal: the caller may stop waiting, the work goes on for
// the others who share it (single-flight refreshes, logins and failovers).
import { raceSignal, throwIfAborted } from '@baton/core';

/** Settles like `promise`, unless `signal` aborts first (then rejects with the signal's reason). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  return signal ? raceSignal(promise, signal) : promise;
}

/**
 * Work shared by several callers, each with its own signal. The work runs on a signal of its own
 * that aborts only when every caller still waiting has aborted: one caller giving up never cancels
 * the work for the others. A caller without a signal never gives up.
 */
export class SharedAbortable<T> {
  private readonly controller = new AbortController();
  private readonly promise: Promise<T>;
  private waiting = 0;
  private patient = false;

  constructor(work: (signal: AbortSignal) => Promise<T>) {
    this.promise = work(this.controller.signal);
    this.promise.catch(() => undefined);
  }

  /** True once every caller gave up: a new caller must start the work afresh. */
  get abandoned(): boolean {
    return this.controller.signal.aborted;
  }

  join(signal: AbortSignal | undefined): Promise<T> {
    if (!signal) {
      this.patient = true;
      return this.promise;
    }
    throwIfAborted(signal);
    this.waiting += 1;
    const onAbort = (): void => {
      this.waiting -= 1;
      if (this.waiting === 0 && !this.patient) this.controller.abort(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const settled = (): void => signal.removeEventListener('abort', onAbort);
    this.promise.then(settled, settled);
    return untilAborted(this.promise, signal);
  }
}
