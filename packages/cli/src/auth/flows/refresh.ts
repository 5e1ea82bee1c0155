// The refresh-token grant: returns the refreshed token merged over the old one (the old refresh
// token is kept when none comes back) and types each failure the way real servers mean it: revoked
// (log in again), transient (retry later, honouring Retry-After) or blocked (not JSON at all).
import * as client from 'openid-client';
import {
  abortReason,
  mergeRefreshedToken,
  systemClock,
  TokenParseError,
  type Clock,
  type OAuthToken,
} from '@baton/core';
import { OAuthFlowError, RefreshTokenRevokedError, TransientRefreshError } from './errors.js';
import { describeOAuthFailure, failureFields, failureSummary } from './failure.js';
import {
  openidConfiguration,
  toOAuthToken,
  type RequestOptions,
  type ResolvedProvider,
} from './oauth-client.js';

const HTTP_UNAUTHORIZED = 401;
const HTTP_TOO_MANY_REQUESTS = 429;
const HTTP_SERVER_ERROR_MIN = 500;

/**
 * Error codes that mean the grant is gone. `invalid_grant` is RFC 6749 §5.2; the `refresh_token_*`
 * codes are what OpenAI's token endpoint sends for Codex logins (openai/codex `codex-rs/login/`,
 * PROVIDERS.md "Codex").
 */
export const REVOKED_REFRESH_ERRORS: ReadonlySet<string> = new Set([
  'invalid_grant',
  'refresh_token_reused',
  'refresh_token_expired',
  'refresh_token_invalidated',
]);

export interface RefreshOptions extends RequestOptions {
  clock?: Clock;
}

/** Turns a failed refresh into RefreshTokenRevokedError, TransientRefreshError or another OAuthFlowError. */
export function classifyRefreshFailure(
  error: unknown,
  host: string,
  clock: Pick<Clock, 'now'> = systemClock,
  secrets: readonly string[] = [],
): OAuthFlowError {
  if (error instanceof TokenParseError) {
    return new OAuthFlowError(`${host} answered the refresh with an invalid token`, {
      cause: error,
    });
  }
  const failure = describeOAuthFailure(error, clock, secrets);
  if (failure.blocked) return failure.blocked;
  const fields = failureFields(failure, error);
  const summary = failureSummary(failure);
  if (failure.invalidResponse) {
    return new OAuthFlowError(`${host} answered the refresh outside the protocol`, fields);
  }
  if (failure.unreachable) {
    return new TransientRefreshError(`the token endpoint ${host} could not be reached`, fields);
  }
  const { status = 0 } = failure;
  // A 401 with a challenge from the token endpoint means the grant (or this client) is refused.
  const challenged = failure.challenge === true && status === HTTP_UNAUTHORIZED;
  if ((failure.error && REVOKED_REFRESH_ERRORS.has(failure.error)) || challenged) {
    return new RefreshTokenRevokedError(
      `${host} no longer accepts the refresh token (${summary}); log in again`,
      fields,
    );
  }
  if (status === HTTP_TOO_MANY_REQUESTS || status >= HTTP_SERVER_ERROR_MIN) {
    return new TransientRefreshError(`${host} could not refresh the token now (${summary})`, {
      ...fields,
      ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
    });
  }
  return new OAuthFlowError(`${host} refused the refresh (${summary})`, fields);
}

export async function refreshToken(
  provider: ResolvedProvider,
  previous: OAuthToken,
  options: RefreshOptions = {},
): Promise<OAuthToken> {
  const clock = options.clock ?? systemClock;
  if (!previous.refresh_token) {
    throw new RefreshTokenRevokedError('the stored token has no refresh token; log in again');
  }
  try {
    const tokens = await client.refreshTokenGrant(
      openidConfiguration(provider, options),
      previous.refresh_token,
    );
    return mergeRefreshedToken(previous, toOAuthToken(tokens, clock));
  } catch (error) {
    if (options.signal?.aborted) throw abortReason(options.signal);
    const host = new URL(provider.serverMetadata.token_endpoint ?? provider.config.baseUrl).host;
    const secrets = [previous.refresh_token, previous.access_token];
    throw classifyRefreshFailure(error, host, clock, secrets);
  }
}
