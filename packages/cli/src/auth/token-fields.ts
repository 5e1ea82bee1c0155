// The provider fields of a stored token that a wire client may need besides the bearer: the Codex
// id_token (its ChatGPT account claim) or account_id, the Code Assist project. Secrets stay out.
import type { OAuthToken } from '@baton/core';

/** Standard and secret fields never handed to a wire client as `tokenFields`. */
const NOT_PROVIDER_FIELDS: ReadonlySet<string> = new Set([
  'access_token',
  'refresh_token',
  'token_type',
  'expiry',
  'scope',
  'kind',
]);

/** A field a provider may keep with the token (not one of the standard or secret fields). */
export function isProviderField(name: string): boolean {
  return !NOT_PROVIDER_FIELDS.has(name);
}

export function providerFields(token: OAuthToken): Record<string, unknown> {
  return Object.fromEntries(Object.entries(token).filter(([name]) => isProviderField(name)));
}
