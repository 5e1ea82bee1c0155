// The provider emulator's public shapes: options, quota rules, faults, counters and the handle
// tests, the demo and benchmarks drive it through.
import type { CodeAssistEmulatorOptions } from './code-assist-setup.js';
import type { Clock } from '@baton/core';

/** Which wire format a request came in on. */
export type EmulatorRoute = 'anthropic' | 'openai';

/**
 * How an exhausted window answers, in each wire's real shape: `429` the API-key rate limit (with
 * Retry-After), `credit-balance` an empty balance (Anthropic 400, OpenAI insufficient_quota), and
 * `usage-limit-body` a spent subscription window (Anthropic unified headers, Codex usage_limit_reached).
 */
export type QuotaMode = '429' | 'credit-balance' | 'usage-limit-body';

/** N requests per fixed window per account; the window starts at the account's first request. */
export interface QuotaRule {
  requestsPerWindow: number;
  windowMs: number;
  mode: QuotaMode;
}

export interface IntrospectionOptions {
  /** RFC 7662 endpoint; POSTed `token=...` with HTTP Basic client authentication. */
  endpoint: string;
  clientId: string;
  clientSecret: string;
}

/** What the reply function sees of a request. */
export interface EmulatorRequestInfo {
  route: EmulatorRoute;
  account: string;
  model: string;
  messages: ReadonlyArray<{ role: string; content: string }>;
  system?: string;
  stream: boolean;
}

export interface ProviderEmulatorOptions {
  /** Static bearer tokens / API keys and the account each one belongs to, e.g. `{ 'key-a': 'account-a' }`. */
  staticKeys?: Record<string, string>;
  /** Tokens not in `staticKeys` are checked here; `active:false` → 401; `sub` is the account. */
  introspection?: IntrospectionOptions;
  /** Quota per account; `defaultQuota` applies to accounts without their own rule. */
  quotas?: Record<string, QuotaRule>;
  defaultQuota?: QuotaRule;
  /** The assistant's text; defaults to an echo of the last user message. */
  reply?: (request: EmulatorRequestInfo) => string;
  /** Splits the reply into stream deltas; defaults to words (each keeps its trailing space). */
  splitReply?: (text: string) => string[];
  /** Time for quota windows, slow first bytes and timestamps. Defaults to the system clock. */
  clock?: Clock;
  /**
   * Refuse an OAuth access token (checked by introspection; static keys count as API keys) on the
   * Anthropic route without `anthropic-beta: oauth-2025-04-20`, with
   * the 401 Anthropic sends ("OAuth authentication is currently not supported."). Default true.
   */
  requireOAuthBeta?: boolean;
  /** Projects and onboarding of the Code Assist route (`/v1internal`). */
  codeAssist?: CodeAssistEmulatorOptions;
  /** Loopback by default. */
  host?: string;
  port?: number;
}

/** A fault applies to the next `count` matching requests (after authentication, before quotas). */
export interface FaultMatch {
  /** Only requests of this account. */
  account?: string;
  /** Only requests on this route. */
  route?: EmulatorRoute;
}

export interface StatusFaultOptions extends FaultMatch {
  status: number;
  /** Sent as `retry-after` (seconds). */
  retryAfterSeconds?: number;
  message?: string;
}

export type FaultKind =
  'status' | 'slow-first-byte' | 'cut-stream' | 'no-terminal' | 'stall' | 'verbatim';

/** A recorded provider response, served byte for byte (see testkit/fixtures/providers). */
export interface VerbatimResponse {
  status: number;
  headers?: Record<string, string>;
  /** A JSON body (sent as JSON.stringify of it). */
  body?: unknown;
  /** A body sent exactly as written (HTML from a proxy, text). */
  bodyText?: string;
  /** A raw SSE stream sent exactly as written (error events and all). */
  sse?: string;
  /** `reset`: the socket is destroyed after the last byte instead of ending cleanly. */
  end?: 'clean' | 'reset';
}

export interface Fault {
  kind: FaultKind;
  match: FaultMatch;
  remaining: number;
  status?: number;
  retryAfterSeconds?: number;
  message?: string;
  /** slow-first-byte: delay; cut-stream / stall: content chunks sent first. */
  amount?: number;
  /** verbatim: the response to serve. */
  response?: VerbatimResponse;
}

export interface AccountCounters {
  requests: number;
  byStatus: Record<number, number>;
  /** Streams the emulator cut or ended without their terminal event on purpose. */
  faultedStreams: number;
  /** Connections the client closed before the response was complete. */
  clientCloses: number;
}

export interface EmulatorCounters {
  requests: number;
  byStatus: Record<number, number>;
  byRoute: Record<EmulatorRoute, number>;
  byAccount: Record<string, AccountCounters>;
  faultedStreams: number;
  clientCloses: number;
  /** Calls made to the introspection endpoint. */
  introspections: number;
}

/** A client that went away before its response was complete. */
export interface ClientCloseEvent {
  route: EmulatorRoute;
  account?: string;
  /** Content chunks (text deltas) written before the close. */
  chunksSent: number;
  at: number;
}

/** One request as the emulator saw it; credentials are never recorded. */
export interface RecordedRequest {
  route: EmulatorRoute;
  account?: string;
  status: number;
  stream: boolean;
  model?: string;
  /** `bearer`, `x-api-key` or `none`. */
  credentialKind: 'bearer' | 'x-api-key' | 'none';
  /** Lower-cased request headers except authorization and x-api-key. */
  headers: Record<string, string>;
  /** The JSON body as received (requests carry no secrets; credentials travel in headers). */
  body?: unknown;
}

export interface ProviderEmulatorHandle {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Base URL for the Anthropic SDK (it appends `/v1/messages`). */
  readonly anthropicBaseURL: string;
  /** Base URL for the OpenAI SDK (it appends `/chat/completions`). */
  readonly openaiBaseURL: string;
  /** A snapshot (a copy) of the counters. */
  readonly counters: EmulatorCounters;
  /** Every request so far, oldest first (a copy). */
  readonly requests: readonly RecordedRequest[];
  /** Every early client close so far, oldest first (a copy). */
  readonly clientCloses: readonly ClientCloseEvent[];
  /**
   * Resolves once `condition` holds for the counters (checked now and after every change), so
   * tests wait for an event instead of polling.
   */
  waitUntil(
    condition: (counters: EmulatorCounters) => boolean,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Resolves once `count` early client closes have been seen in total. */
  waitForClientClose(count?: number, signal?: AbortSignal): Promise<ClientCloseEvent>;

  /** The next `n` matching requests answer with this status and the wire's error body. */
  failNext(n: number, options: StatusFaultOptions): void;
  /** The next `n` matching requests get this recorded response verbatim (after authentication). */
  serveVerbatim(response: VerbatimResponse, n?: number, match?: FaultMatch): void;
  /** The next `n` matching requests wait `ms` before their status line. */
  slowFirstByte(ms: number, n?: number, match?: FaultMatch): void;
  /** The next `n` matching streams send `k` content chunks, then the socket is destroyed. */
  cutStreamAfter(k: number, n?: number, match?: FaultMatch): void;
  /** The next `n` matching streams send their content and end cleanly without the terminal event. */
  endStreamWithoutTerminal(n?: number, match?: FaultMatch): void;
  /** The next `n` matching streams send `k` content chunks, then hang until the client goes away. */
  stallStreamAfter(k: number, n?: number, match?: FaultMatch): void;
  clearFaults(): void;

  setStaticKey(key: string, account: string | undefined): void;
  setQuota(account: string, rule: QuotaRule | undefined): void;
  resetCounters(): void;
  /** Stops listening and destroys every open connection (keep-alive ones included). */
  close(): Promise<void>;
}
