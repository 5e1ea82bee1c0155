// A ProviderClient decorator that stamps when a provider error surfaces from the real wire client
// and when the next request leaves: the gap between the two is the failover's own cost.
import { performance } from 'node:perf_hooks';
import {
  ProviderError,
  type ProviderChunk,
  type ProviderClient,
  type ProviderRequest,
  type ProviderStreamOptions,
} from '@baton/core';

export interface FailoverGap {
  status: number | undefined;
  /** Milliseconds from the error surfacing to the next request leaving. */
  ms: number;
  /** Store reads in between, and how many distinct buckets they were of. */
  reads: number;
  bucketsRead: number;
}

export class TimingClient implements ProviderClient {
  readonly gaps: FailoverGap[] = [];
  private pending: { at: number; status: number | undefined; reads: number } | undefined;

  constructor(
    private readonly inner: ProviderClient,
    /** The buckets of every store read so far (a growing list). */
    private readonly readLog: readonly string[],
  ) {}

  get provider(): string {
    return this.inner.provider;
  }

  async *stream(
    request: ProviderRequest,
    options: ProviderStreamOptions,
  ): AsyncGenerator<ProviderChunk> {
    if (this.pending) {
      const { at, status, reads } = this.pending;
      const since = this.readLog.slice(reads);
      this.gaps.push({
        status,
        ms: performance.now() - at,
        reads: since.length,
        bucketsRead: new Set(since).size,
      });
      this.pending = undefined;
    }
    try {
      yield* this.inner.stream(request, options);
    } catch (error) {
      const status = error instanceof ProviderError ? error.status : undefined;
      this.pending = { at: performance.now(), status, reads: this.readLog.length };
      throw error;
    }
  }

  /** Forgets a stamp no request followed (the last error of a failed request). */
  reset(): void {
    this.pending = undefined;
  }
}
