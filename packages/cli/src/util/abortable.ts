// Waiting on shared work with a private signal: the caller may stop waiting, the work goes on for
// the others who share it (single-flight refreshes, logins and failovers).
import { abortReason, throwIfAborted } from '@baton/core';

/** Settles like `promise`, unless `signal` aborts first (then rejects with the signal's reason). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  throwIfAborted(signal);
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
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
