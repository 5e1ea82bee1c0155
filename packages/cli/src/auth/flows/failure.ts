// Reads an openid-client failure the way real servers produce them: RFC error code, HTTP status,
// the server's error_description, a 401 challenge, Retry-After, a blocked (non-JSON) answer, or no
// answer at all. Every flow words its errors from this one reading.
import * as client from 'openid-client';
import { parseRetryAfter, redactSecret, systemClock, type Clock } from '@baton/core';
import { TokenEndpointBlockedError } from './errors.js';
import { normalisedBodyOf } from './token-response.js';

/** Longest piece of a server's error_description we repeat (it is free text from the network). */
const MAX_DESCRIPTION_LENGTH = 300;
/** How deep a wrapped cause chain is searched for our own blocked-answer error. */
const MAX_CAUSE_DEPTH = 4;

/** openid-client codes for a response that arrived but breaks the protocol (retrying will not help). */
const INVALID_RESPONSE_CODES = new Set([
  'OAUTH_INVALID_RESPONSE',
  'OAUTH_PARSE_ERROR',
  'OAUTH_JSON_ATTRIBUTE_COMPARISON',
  'OAUTH_JWT_CLAIM_COMPARISON',
  'OAUTH_JWT_TIMESTAMP_CHECK',
  'OAUTH_UNSUPPORTED_OPERATION',
]);

export interface OAuthFailure {
  /** RFC error code from the body (or the challenge). */
  error?: string;
  status?: number;
  /** The server's error_description, trimmed to one line of bounded length. */
  description?: string;
  /** The server answered, but not as the protocol requires. */
  invalidResponse?: boolean;
  /** The answer carried a WWW-Authenticate challenge (RFC 6749 §5.2 for a 401). */
  challenge?: boolean;
  /** Retry-After of the answer, in ms. */
  retryAfterMs?: number;
  /** The answer was not JSON (proxy, WAF, captive portal). */
  blocked?: TokenEndpointBlockedError;
  /** No answer arrived (network failure, timeout, dropped connection). */
  unreachable?: boolean;
}

/** Shorter strings are not worth scrubbing (and would match ordinary words). */
const MIN_SECRET_LENGTH = 8;

/**
 * One line of bounded length, with any of the request's secrets redacted: some servers echo the
 * token they refuse in error_description, and our messages must never carry it.
 */
function cleanDescription(value: unknown, secrets: readonly string[]): string | undefined {
  if (typeof value !== 'string') return undefined;
  let line = value.replace(/\s+/g, ' ').trim();
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH) line = line.split(secret).join(redactSecret(secret));
  }
  if (line === '') return undefined;
  return line.length > MAX_DESCRIPTION_LENGTH ? `${line.slice(0, MAX_DESCRIPTION_LENGTH)}…` : line;
}

function findBlocked(error: unknown): TokenEndpointBlockedError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current instanceof Error; depth++) {
    if (current instanceof TokenEndpointBlockedError) return current;
    current = current.cause;
  }
  return undefined;
}

function retryAfter(response: Response | undefined, clock: Pick<Clock, 'now'>): number | undefined {
  const header = response?.headers.get('retry-after') ?? undefined;
  return parseRetryAfter(header, clock.now());
}

function fromResponse(
  response: Response,
  clock: Pick<Clock, 'now'>,
  secrets: readonly string[],
  extra: OAuthFailure = {},
): OAuthFailure {
  const body = normalisedBodyOf(response);
  const code = typeof body?.error === 'string' ? body.error : undefined;
  const description = cleanDescription(body?.error_description, secrets);
  const wait = retryAfter(response, clock);
  return {
    status: response.status,
    ...(code ? { error: code } : {}),
    ...(description ? { description } : {}),
    ...(wait !== undefined ? { retryAfterMs: wait } : {}),
    ...extra,
  };
}

/** What is known about an openid-client (or fetch) failure; `secrets` are scrubbed from the description. */
export function describeOAuthFailure(
  error: unknown,
  clock: Pick<Clock, 'now'> = systemClock,
  secrets: readonly string[] = [],
): OAuthFailure {
  const blocked = findBlocked(error);
  if (blocked) return { status: blocked.status ?? 0, blocked };
  if (error instanceof client.ResponseBodyError) {
    const description = cleanDescription(error.error_description, secrets);
    const wait = retryAfter(error.response, clock);
    return {
      error: error.error,
      status: error.status,
      ...(description ? { description } : {}),
      ...(wait !== undefined ? { retryAfterMs: wait } : {}),
    };
  }
  if (error instanceof client.WWWAuthenticateChallengeError) {
    const base = fromResponse(error.response, clock, secrets, { challenge: true });
    const params = error.cause[0]?.parameters ?? {};
    const description = base.description ?? cleanDescription(params.error_description, secrets);
    return {
      ...base,
      ...((base.error ?? params.error) ? { error: base.error ?? params.error } : {}),
      ...(description ? { description } : {}),
    };
  }
  if (error instanceof client.ClientError) {
    if (error.cause instanceof Response) return fromResponse(error.cause, clock, secrets);
    if (error.code && INVALID_RESPONSE_CODES.has(error.code)) return { invalidResponse: true };
    return { unreachable: true };
  }
  // fetch's own TypeError ("fetch failed"), DNS and socket errors.
  return { unreachable: true };
}

/** `error` (description) or `HTTP 503`, for messages. */
export function failureSummary(failure: OAuthFailure): string {
  const what = failure.error ?? (failure.status ? `HTTP ${failure.status}` : 'no answer');
  return failure.description ? `${what}: ${failure.description}` : what;
}

/** The error code, status and description as OAuthFlowError options. */
export function failureFields(
  failure: OAuthFailure,
  cause: unknown,
): { error?: string; status?: number; description?: string; cause: unknown } {
  return {
    ...(failure.error ? { error: failure.error } : {}),
    ...(failure.status ? { status: failure.status } : {}),
    ...(failure.description ? { description: failure.description } : {}),
    cause,
  };
}
