// Which account a login came back with, when the provider says: the id_token's `email` (OIDC) or
// Anthropic's `account.email_address` in the token answer. Shown after login so that logging in
// bucket B with bucket A's browser session is visible at once.
import type { OAuthToken } from '@baton/core';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/**
 * The claims of a JWT, unverified. Only for display: openid-client already validated the id_token
 * when the token arrived; a stored one is just read back.
 */
function jwtClaims(jwt: string): Record<string, unknown> | undefined {
  const payload = jwt.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return isObject(claims) ? claims : undefined;
  } catch {
    return undefined;
  }
}

/** The account's email (or name) as the provider reported it, or undefined when it did not. */
export function loggedInAccount(token: OAuthToken): string | undefined {
  const idToken = nonEmpty(token.id_token);
  if (idToken) {
    const claims = jwtClaims(idToken);
    const fromIdToken = nonEmpty(claims?.email) ?? nonEmpty(claims?.preferred_username);
    if (fromIdToken) return fromIdToken;
  }
  // Anthropic's token answer: `account: { uuid, email_address }`
  // (router-for-me/CLIProxyAPI internal/auth/claude/anthropic_auth.go, tokenResponse).
  const account = token.account;
  if (isObject(account)) return nonEmpty(account.email_address) ?? nonEmpty(account.email);
  return undefined;
}
