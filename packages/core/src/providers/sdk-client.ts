// What the two SDK-backed clients share: options, the "no SDK timeout" value, and a stream() that
// runs the wire-specific event mapping inside guardProviderStream.
import { systemClock, type Clock } from '../util/clock.js';
import {
  guardProviderStream,
  type ProviderChunk,
  type ProviderClient,
  type ProviderCredential,
  type ProviderRequest,
  type ProviderStreamOptions,
} from './types.js';

/**
 * The SDKs arm their timeout with setTimeout, whose delay is a signed 32-bit number (a larger value
 * fires at once). The largest accepted delay means "no SDK timeout": deadlines come from the
 * caller's AbortSignal, owned by the RetryOrchestrator.
 */
export const SDK_TIMEOUT_DISABLED_MS = 2_147_483_647;

export interface SdkClientOptions {
  /** The API base the SDK appends its paths to. */
  baseURL: string;
  /** Sent with every request, e.g. the `anthropic-beta` header that OAuth access tokens need. */
  defaultHeaders?: Record<string, string>;
  /** The provider name in errors. */
  provider?: string;
  /** Only read to turn HTTP dates in Retry-After into waits. */
  clock?: Pick<Clock, 'now'>;
}

export abstract class SdkStreamingClient<O extends SdkClientOptions> implements ProviderClient {
  readonly provider: string;
  protected readonly clock: Pick<Clock, 'now'>;

  protected constructor(
    protected readonly options: O,
    defaultProvider: string,
  ) {
    this.provider = options.provider ?? defaultProvider;
    this.clock = options.clock ?? systemClock;
  }

  stream(request: ProviderRequest, options: ProviderStreamOptions): AsyncIterable<ProviderChunk> {
    const { signal } = options;
    return guardProviderStream(() => this.events(request, options, signal), {
      provider: this.provider,
      signal,
      clock: this.clock,
    });
  }

  /**
   * The SDK settings both clients must use: no SDK retries and no SDK timeout (the RetryOrchestrator
   * is the only retry loop and owns the deadline), the base URL and any extra headers.
   */
  protected transportOptions(): {
    baseURL: string;
    maxRetries: 0;
    timeout: number;
    defaultHeaders?: Record<string, string>;
  } {
    return {
      baseURL: this.options.baseURL,
      maxRetries: 0,
      timeout: SDK_TIMEOUT_DISABLED_MS,
      ...(this.options.defaultHeaders ? { defaultHeaders: this.options.defaultHeaders } : {}),
    };
  }

  /** The wire-specific part: one SDK request, its events mapped onto ProviderChunks. */
  protected abstract events(
    request: ProviderRequest,
    credential: ProviderCredential,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<ProviderChunk>;
}
