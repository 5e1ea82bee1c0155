// The refresh-token grant: returns the refreshed token merged over the old one (the old refresh
// token is kept when none comes back) and types failures as revoked (re-login) or transient (retry).
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
import {
  describeOAuthFailure,
  openidConfiguration,
  toOAuthToken,
  type RequestOptions,
  type ResolvedProvider,
} from './oauth-client.js';

const HTTP_SERVER_ERROR_MIN = 500;

export interface RefreshOptions extends RequestOptions {
  clock?: Clock;
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
    if (error instanceof OAuthFlowError) throw error;
    if (error instanceof TokenParseError) {
      throw new OAuthFlowError('the token endpoint answered with an invalid token', {
        cause: error,
      });
    }
    const { error: code, status, invalidResponse } = describeOAuthFailure(error);
    if (invalidResponse) {
      throw new OAuthFlowError('the token endpoint answered outside the protocol', {
        cause: error,
      });
    }
    const fields = {
      ...(code ? { error: code } : {}),
      ...(status ? { status } : {}),
      cause: error,
    };
    if (code === 'invalid_grant') {
      throw new RefreshTokenRevokedError('the refresh token was rejected; log in again', fields);
    }
    if (status === undefined || status >= HTTP_SERVER_ERROR_MIN) {
      throw new TransientRefreshError(
        status === undefined
          ? 'the token endpoint could not be reached'
          : `the token endpoint failed with HTTP ${status}`,
        fields,
      );
    }
    throw new OAuthFlowError(`the refresh was refused (${code ?? `HTTP ${status}`})`, fields);
  }
}
