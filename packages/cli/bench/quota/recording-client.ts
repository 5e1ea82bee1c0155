// A ProviderClient decorator that writes down every attempt (simulated time, account, status) of
// the real wire client it wraps: the simulation counts 429s per account and window from it.
import {
  ProviderError,
  type Clock,
  type ProviderChunk,
  type ProviderClient,
  type ProviderRequest,
  type ProviderStreamOptions,
} from '@baton/core';

export interface Attempt {
  at: number;
  account: string;
  status: number;
}

export class RecordingClient implements ProviderClient {
  readonly attempts: Attempt[] = [];

  constructor(
    private readonly inner: ProviderClient,
    private readonly clock: Clock,
    /** API key → the emulator account it belongs to. */
    private readonly accountOfKey: ReadonlyMap<string, string>,
  ) {}

  get provider(): string {
    return this.inner.provider;
  }

  async *stream(
    request: ProviderRequest,
    options: ProviderStreamOptions,
  ): AsyncGenerator<ProviderChunk> {
    const key = options.apiKey ?? options.token ?? '';
    const attempt = { at: this.clock.now(), account: this.accountOfKey.get(key) ?? '?', status: 0 };
    this.attempts.push(attempt);
    try {
      yield* this.inner.stream(request, options);
      attempt.status = 200;
    } catch (error) {
      attempt.status = error instanceof ProviderError ? (error.status ?? -1) : -1;
      throw error;
    }
  }
}
