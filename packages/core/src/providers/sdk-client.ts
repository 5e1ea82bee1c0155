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

/**
 * Builds an SDK client with the SDK's own environment variables hidden (`ANTHROPIC_CUSTOM_HEADERS`,
 * `ANTHROPIC_LOG`, `OPENAI_BASE_URL`, ...): a client's configuration comes only from its options.
 * The SDK constructors read the environment synchronously, so hiding and restoring around the call
 * cannot leak into other code.
 */
export function withoutSdkEnvironment<T>(prefix: string, build: () => T): T {
  const hidden = Object.keys(process.env).filter((name) => name.startsWith(prefix));
  const saved = hidden.map((name) => [name, process.env[name]] as const);
  for (const name of hidden) delete process.env[name];
  try {
    return build();
  } finally {
    for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
  }
}

/**
 * A fetch that hands an error body on rewritten: `rewrite` gets the parsed JSON of a non-2xx body and
 * returns the value to send on instead, or undefined to leave the body as it came. Successful
 * answers, and bodies that are not JSON, pass through untouched; the status never changes.
 */
export function errorBodyFetch(rewrite: (parsed: unknown) => unknown): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (response.ok) return response;
    const text = await response.text();
    let replacement: unknown;
    try {
      replacement = rewrite(JSON.parse(text));
    } catch {
      replacement = undefined;
    }
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    const body = replacement === undefined ? text : JSON.stringify(replacement);
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };
}

/**
 * fetch for the SDKs: an error body that is a JSON array (Google's OpenAI-compatible endpoint wraps
 * its error object in one) is handed on as its first element, which the SDKs know how to read.
 */
export const sdkFetch: typeof fetch = errorBodyFetch((parsed) => {
  const first: unknown = Array.isArray(parsed) ? (parsed as unknown[])[0] : undefined;
  return typeof first === 'object' && first !== null ? first : undefined;
});

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

/** The SDK settings every client uses (see SdkStreamingClient.transportOptions). */
export interface SdkTransportOptions {
  baseURL: string;
  maxRetries: 0;
  timeout: number;
  fetch: typeof fetch;
  defaultHeaders?: Record<string, string>;
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
   * @plan PLAN-20260223-ISSUE1598.P07
   * @requirement REQ-1598-RO17
   */
  protected transportOptions(): SdkTransportOptions {
    return {
      baseURL: this.options.baseURL,
      maxRetries: 0,
      timeout: SDK_TIMEOUT_DISABLED_MS,
      fetch: sdkFetch,
      ...(this.options.defaultHeaders
        ? { defaultHeaders: { ...this.options.defaultHeaders } }
        : {}),
    };
  }

  /** The wire-specific part: one SDK request, its events mapped onto ProviderChunks. */
  protected abstract events(
    request: ProviderRequest,
    credential: ProviderCredential,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<ProviderChunk>;
}
