// Turns any failure of a provider call (SDK error, fetch error, our own typed errors) into one
// classification the retry engine decides on. Status, headers and body wording all survive.
// NOTE: first cut (status only); header parsing, quota wording, overload and cause chains pending.
import { isAbortError } from '../util/clock.js';
import { AllBucketsExhaustedError, ProviderError, StreamInterruptedError } from './errors.js';

export type ClassifiedKind =
  | 'rate-limit'
  | 'quota'
  | 'auth'
  | 'server'
  | 'network'
  | 'client'
  | 'abort'
  | 'exhausted'
  | 'stream-interrupted'
  | 'unknown';

export interface ClassifiedProviderError {
  kind: ClassifiedKind;
  status?: number;
  /** Wait the provider asked for (Retry-After in seconds or HTTP date, retry-after-ms), in ms. */
  retryAfterMs?: number;
  /** Time until the exhausted rate-limit window resets (anthropic-ratelimit-*-reset, x-ratelimit-reset-*), in ms. */
  resetAfterMs?: number;
  /** The body or message says the account's quota / usage limit is spent. */
  quotaWording: boolean;
  /** 529 or Anthropic `overloaded_error`. */
  overloaded: boolean;
  /** ECONNRESET, ETIMEDOUT, EAI_AGAIN, UND_ERR_SOCKET, ... */
  networkCode?: string;
  message: string;
  error: unknown;
}

export interface ClassifyOptions {
  /** Epoch ms used to turn HTTP dates and timestamps into waits. Defaults to Date.now(). */
  now?: number;
}

function readStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { status?: unknown; statusCode?: unknown; response?: { status?: unknown } };
  for (const candidate of [e.status, e.statusCode, e.response?.status]) {
    if (typeof candidate === 'number' && Number.isInteger(candidate)) return candidate;
  }
  return undefined;
}

export function classifyProviderError(
  error: unknown,
  _options: ClassifyOptions = {},
): ClassifiedProviderError {
  const message = error instanceof Error ? error.message : String(error);
  const base = { quotaWording: false, overloaded: false, message, error };
  if (error instanceof AllBucketsExhaustedError) return { ...base, kind: 'exhausted' };
  if (isAbortError(error)) return { ...base, kind: 'abort' };
  if (error instanceof StreamInterruptedError) return { ...base, kind: 'stream-interrupted' };
  const status = readStatus(error);
  const retryAfterMs = error instanceof ProviderError ? error.retryAfterMs : undefined;
  const withStatus = {
    ...base,
    ...(status !== undefined ? { status } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
  if (status === 429) return { ...withStatus, kind: 'rate-limit' };
  if (status === 402) return { ...withStatus, kind: 'quota' };
  if (status === 401 || status === 403) return { ...withStatus, kind: 'auth' };
  if (status !== undefined && status >= 500)
    return { ...withStatus, kind: 'server', overloaded: status === 529 };
  if (status !== undefined && status >= 400) return { ...withStatus, kind: 'client' };
  return { ...withStatus, kind: 'unknown' };
}
