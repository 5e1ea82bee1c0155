// Simulated time for the quota simulation: one request is in flight at a time, so whoever sleeps
// is the only one waiting and the clock can jump ahead at once. Shared by the emulator (its quota
// windows), baton (ledger, handler, retries) and the baseline strategies.
import { abortReason, throwIfAborted, type Clock } from '@baton/core';

/**
 * Sleeps this long or longer are guards (a request's deadline, a stream's idle timer) racing the
 * work, not waits: in a clock that jumps they would fire at once, so they never fire here.
 */
export const GUARD_MS = 24 * 60 * 60_000;

export class SimClock implements Clock {
  private time: number;

  constructor(start: number) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    if (ms >= GUARD_MS) {
      return new Promise<void>((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(abortReason(signal)), { once: true });
      });
    }
    if (!Number.isFinite(ms)) throw new RangeError(`cannot sleep ${ms} ms`);
    this.time += Math.max(0, ms);
  }

  set(time: number): void {
    this.time = time;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`cannot advance ${ms} ms`);
    this.time += ms;
  }
}

/** A small seeded generator (mulberry32): the same request stream and shuffles for every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
