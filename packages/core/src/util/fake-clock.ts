// A manual clock for tests: time moves only when advance() is called, and sleepers wake in order.
import { abortReason, type Clock } from './clock.js';

interface Sleeper {
  wakeAt: number;
  seq: number;
  resolve: () => void;
}

export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private sleepers: Sleeper[] = [];
  /** Every sleep requested, in order (ms), for tests that assert on the waits a person would see. */
  readonly sleeps: number[] = [];

  constructor(startMs = Date.UTC(2026, 0, 1, 12, 0, 0)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  get pendingSleepers(): number {
    return this.sleepers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const sleeper: Sleeper = {
        wakeAt: this.current + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(sleeper);
    });
  }

  /** Moves time forward, waking due sleepers in time order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await flushMicrotasks();
      const due = this.sleepers
        .filter((s) => s.wakeAt <= target)
        .sort((a, b) => a.wakeAt - b.wakeAt || a.seq - b.seq)[0];
      if (!due) break;
      this.sleepers = this.sleepers.filter((s) => s !== due);
      this.current = Math.max(this.current, due.wakeAt);
      due.resolve();
    }
    this.current = target;
    await flushMicrotasks();
  }

  /** Advances repeatedly until the promise settles (or `limitMs` of fake time has passed). */
  async runUntilSettled<T>(promise: Promise<T>, stepMs = 100, limitMs = 3_600_000): Promise<T> {
    let settled = false;
    const tracked = promise.then(
      (v) => {
        settled = true;
        return v;
      },
      (e: unknown) => {
        settled = true;
        throw e;
      },
    );
    tracked.catch(() => undefined);
    let elapsed = 0;
    await flushMicrotasks();
    while (!settled && elapsed < limitMs) {
      const next = this.sleepers.map((s) => s.wakeAt).sort((a, b) => a - b)[0];
      const step = next === undefined ? stepMs : Math.max(0, next - this.current);
      await this.advance(step);
      elapsed += step;
      if (next === undefined) await new Promise((r) => setImmediate(r));
    }
    return tracked;
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
