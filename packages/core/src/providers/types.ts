// The one provider interface the RetryOrchestrator calls: a streaming request that yields text
// deltas and, only when the provider sent its terminal event, a final stop/usage record.
import { abortReason, throwIfAborted, type Clock } from '../util/clock.js';
import { toProviderError } from './classify.js';
import {
  NetworkError,
  ProviderError,
  StreamInterruptedError,
  type ProviderErrorInit,
} from './errors.js';

export type ProviderRole = 'user' | 'assistant';

export interface ProviderMessage {
  role: ProviderRole;
  content: string;
}

export interface ProviderRequest {
  model: string;
  messages: readonly ProviderMessage[];
  /** Upper bound on generated tokens; clients fall back to their own default where the wire needs one. */
  maxTokens?: number;
  system?: string;
}

/** Token counts as the provider reported them; a field the provider did not send stays undefined. */
export interface ProviderUsage {
  inputTokens?: number;
  outputTokens?: number;
}

export interface ProviderTextChunk {
  type: 'text';
  text: string;
}

/** Sent once, last, and only when the provider's terminal event arrived. */
export interface ProviderDoneChunk {
  type: 'done';
  /** The provider's own words (`end_turn`, `max_tokens`, `stop`, `length`, ...); null if it sent none. */
  stopReason: string | null;
  usage?: ProviderUsage;
}

export type ProviderChunk = ProviderTextChunk | ProviderDoneChunk;

/** Exactly one credential per request: an OAuth access token (sent as a bearer) or an API key. */
export type ProviderCredential =
  { token: string; apiKey?: undefined } | { apiKey: string; token?: undefined };

export type ProviderStreamOptions = ProviderCredential & {
  signal?: AbortSignal;
  /**
   * The stored token's provider fields (Codex `account_id` / `id_token`, the Gemini project), for
   * wires that need per-account data besides the bearer. Clients that need none ignore it.
   */
  tokenFields?: Record<string, unknown>;
};

export interface ProviderClient {
  /** The provider name used in errors (`anthropic`, `openai`, ...). */
  readonly provider: string;
  /**
   * Streams one request. Failures are typed `ProviderError`s; output followed by a failure (or by a
   * stream that ends without its terminal event) is a `StreamInterruptedError` carrying the partial
   * text; an aborted signal rejects with the signal's reason.
   */
  stream(request: ProviderRequest, options: ProviderStreamOptions): AsyncIterable<ProviderChunk>;
}

/** Concatenates the text deltas of a list of chunks. */
export function textOf(chunks: readonly ProviderChunk[]): string {
  let text = '';
  for (const chunk of chunks) if (chunk.type === 'text') text += chunk.text;
  return text;
}

export interface GuardStreamOptions {
  provider: string;
  signal?: AbortSignal | undefined;
  clock: Pick<Clock, 'now'>;
}

/**
 * Holds a wire client to the interface contract. `source` yields text chunks and a `done` chunk
 * only when it saw the provider's terminal event; the guard turns every failure into a typed
 * ProviderError (through `toProviderError`), failures after output into StreamInterruptedError,
 * a stream that ends without its terminal event into an interruption (or, with no output at all,
 * a retryable NetworkError `STREAM_ENDED_EARLY`), and any failure after an abort into the abort.
 */
export async function* guardProviderStream(
  source: () => AsyncIterable<ProviderChunk>,
  options: GuardStreamOptions,
): AsyncGenerator<ProviderChunk, void, undefined> {
  const { provider, signal, clock } = options;
  const received: ProviderChunk[] = [];
  let finished = false;
  try {
    throwIfAborted(signal);
    for await (const chunk of source()) {
      if (finished) continue;
      if (chunk.type === 'text' && chunk.text === '') continue;
      if (chunk.type === 'done') finished = true;
      received.push(chunk);
      yield chunk;
    }
  } catch (error) {
    if (signal?.aborted) throw abortReason(signal);
    // The terminal event already reached the caller: a connection that then drops changes nothing.
    if (finished) return;
    const mapped = toProviderError(error, { now: clock.now(), provider });
    if (!hasText(received) || mapped instanceof StreamInterruptedError) throw mapped;
    throw interrupted(provider, received, mapped.message, mapped);
  }
  // The SDKs end their iterators quietly when the request's signal aborts.
  if (signal?.aborted) throw abortReason(signal);
  if (finished) return;
  const message = 'the stream ended without its terminal event';
  if (hasText(received)) throw interrupted(provider, received, message, undefined);
  throw new NetworkError(`${provider}: ${message}, before any output`, {
    code: STREAM_ENDED_EARLY,
    provider,
  });
}

/** Code of the retryable error for a stream that ended with no output and no terminal event. */
export const STREAM_ENDED_EARLY = 'STREAM_ENDED_EARLY';

function hasText(chunks: readonly ProviderChunk[]): boolean {
  return chunks.some((c) => c.type === 'text');
}

function interrupted(
  provider: string,
  received: readonly ProviderChunk[],
  reason: string,
  cause: Error | undefined,
): StreamInterruptedError {
  const init: ProviderErrorInit = { provider };
  if (!cause) init.code = STREAM_ENDED_EARLY;
  else if (!(cause instanceof ProviderError)) init.cause = cause;
  else {
    if (cause.code !== undefined) init.code = cause.code;
    if (cause.status !== undefined) init.status = cause.status;
    if (cause.retryAfterMs !== undefined) init.retryAfterMs = cause.retryAfterMs;
    if (cause.body !== undefined) init.body = cause.body;
    init.headers = { ...cause.headers };
    init.cause = cause;
  }
  return new StreamInterruptedError(
    `${provider} stream interrupted after ${received.length} chunk(s): ${reason}`,
    [...received],
    textOf(received),
    init,
  );
}
