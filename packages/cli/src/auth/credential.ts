// What a bucket holds: an OAuth token, or an API key stored in the same token record (marked
// `kind: 'api-key'`), so both travel through one store, one redaction and one status path.
import {
  isExpired,
  isNearExpiry,
  parseOAuthToken,
  type Clock,
  type OAuthToken,
  type ProviderCredential,
} from '@baton/core';

export const API_KEY_KIND = 'api-key';

/** The stored form of an API key: never expires, never refreshed or renewed. */
export function apiKeyToken(key: string): OAuthToken {
  const trimmed = key.trim();
  if (trimmed === '') throw new RangeError('the API key is empty');
  return parseOAuthToken({ access_token: trimmed, token_type: 'Bearer', kind: API_KEY_KIND });
}

/**
 * @plan PLAN-20260223-ISSUE1598.P14
 * @requirement REQ-1598-CL08
 */
export function isApiKeyToken(token: OAuthToken): boolean {
  return (token as { kind?: unknown }).kind === API_KEY_KIND;
}

/** The credential a provider request carries for this stored token. */
export function requestCredential(token: OAuthToken): ProviderCredential {
  return isApiKeyToken(token) ? { apiKey: token.access_token } : { token: token.access_token };
}

/**
 * Expired for the failover passes (an API key never is; near-expiry still counts as usable).
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-ST03
 */
export function isTokenExpired(token: OAuthToken, clock: Pick<Clock, 'now'>): boolean {
  return !isApiKeyToken(token) && isExpired(token, clock);
}

/** Due for a refresh on lookup (an API key never is). */
export function needsRefresh(token: OAuthToken, clock: Pick<Clock, 'now'>): boolean {
  return !isApiKeyToken(token) && isNearExpiry(token, clock);
}

/** True when `a` and `b` are the same grant state (another process has not refreshed in between). */
export function sameTokens(a: OAuthToken, b: OAuthToken): boolean {
  return a.access_token === b.access_token && a.refresh_token === b.refresh_token;
}
