// What the emulator saw: counters per account, status and route, the request log, and early client
// closes (with waiters, so abort tests can assert the emulator noticed the close).
import { abortReason } from '@baton/core';
import type {
  AccountCounters,
  ClientCloseEvent,
  EmulatorCounters,
  RecordedRequest,
} from './types.js';

interface Waiter {
  count: number;
  resolve: (event: ClientCloseEvent) => void;
  reject: (error: Error) => void;
}

const emptyAccount = (): AccountCounters => ({
  requests: 0,
  byStatus: {},
  faultedStreams: 0,
  clientCloses: 0,
});

const bump = (record: Record<number, number>, key: number): void => {
  record[key] = (record[key] ?? 0) + 1;
};

export class EmulatorStats {
  private counters = EmulatorStats.empty();
  private log: RecordedRequest[] = [];
  private closeEvents: ClientCloseEvent[] = [];
  private waiters: Waiter[] = [];
  /** Called after every counter change (waitUntil re-checks its condition). */
  private readonly listeners = new Set<() => void>();

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private static empty(): Omit<EmulatorCounters, 'introspections'> {
    return {
      requests: 0,
      byStatus: {},
      byRoute: { anthropic: 0, openai: 0 },
      byAccount: {},
      faultedStreams: 0,
      clientCloses: 0,
    };
  }

  private account(name: string): AccountCounters {
    return (this.counters.byAccount[name] ??= emptyAccount());
  }

  arrived(record: RecordedRequest): void {
    this.counters.requests++;
    this.counters.byRoute[record.route]++;
    this.log.push(record);
    this.changed();
  }

  authenticated(record: RecordedRequest): void {
    if (record.account !== undefined) this.account(record.account).requests++;
    this.changed();
  }

  responded(record: RecordedRequest, status: number): void {
    record.status = status;
    bump(this.counters.byStatus, status);
    if (record.account !== undefined) bump(this.account(record.account).byStatus, status);
    this.changed();
  }

  faultedStream(record: RecordedRequest): void {
    this.counters.faultedStreams++;
    if (record.account !== undefined) this.account(record.account).faultedStreams++;
    this.changed();
  }

  clientClosed(record: RecordedRequest, chunksSent: number, at: number): void {
    this.counters.clientCloses++;
    if (record.account !== undefined) this.account(record.account).clientCloses++;
    const event: ClientCloseEvent = {
      route: record.route,
      chunksSent,
      at,
      ...(record.account !== undefined ? { account: record.account } : {}),
    };
    this.closeEvents.push(event);
    const total = this.closeEvents.length;
    const due = this.waiters.filter((w) => w.count <= total);
    this.waiters = this.waiters.filter((w) => w.count > total);
    for (const w of due) w.resolve(this.closeEvents[w.count - 1]!);
  }

  waitForClientClose(count: number, signal?: AbortSignal): Promise<ClientCloseEvent> {
    const seen = this.closeEvents[count - 1];
    if (seen) return Promise.resolve({ ...seen });
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(abortReason(signal!));
      };
      const waiter: Waiter = {
        count,
        resolve: (event) => {
          signal?.removeEventListener('abort', onAbort);
          resolve({ ...event });
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  rejectWaiters(error: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(error);
  }

  snapshot(introspections: number): EmulatorCounters {
    const c = this.counters;
    const byAccount: Record<string, AccountCounters> = {};
    for (const [name, a] of Object.entries(c.byAccount))
      byAccount[name] = { ...a, byStatus: { ...a.byStatus } };
    return {
      ...c,
      byStatus: { ...c.byStatus },
      byRoute: { ...c.byRoute },
      byAccount,
      introspections,
    };
  }

  requests(): RecordedRequest[] {
    return this.log.map((r) => ({
      ...r,
      headers: { ...r.headers },
      ...(r.body !== undefined ? { body: structuredClone(r.body) } : {}),
    }));
  }

  closes(): ClientCloseEvent[] {
    return this.closeEvents.map((e) => ({ ...e }));
  }

  /** Zeroes the counters and forgets the logs (pending waiters keep waiting for new closes). */
  reset(): void {
    this.counters = EmulatorStats.empty();
    this.log = [];
    this.closeEvents = [];
  }
}
