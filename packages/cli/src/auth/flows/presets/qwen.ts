// Qwen (chat.qwen.ai accounts): RETIRED. Qwen's OAuth free tier was discontinued on 2026-04-15
// (QwenLM/qwen-code PR #3210; PROVIDERS.md "Qwen"), so this preset's login cannot work any more.
// The values stay because API-key buckets of `qwen` still use its wire and base URL, and because the
// device flow with PKCE they describe lives on for custom providers.
// Deviations from the RFCs: the device authorization request carries a PKCE `code_challenge` and each
// poll a `code_verifier` (RFC 8628 has no PKCE); the token response adds `resource_url`, the host of
// the account's API, which replaces the configured base URL.
import type { OAuthToken } from '@baton/core';
import type { CustomProviderInput } from '../provider-config.js';

export const qwenPreset = {
  name: 'qwen',
  endpoints: {
    deviceAuthorization: 'https://chat.qwen.ai/api/v1/oauth2/device/code',
    token: 'https://chat.qwen.ai/api/v1/oauth2/token',
  },
  clientId: 'f0304373b74a44d2b584a3fb70ca9e56',
  scopes: ['openid', 'profile', 'email', 'model.completion'],
  flow: 'device',
  api: 'openai',
  // Used until a token names its own resource_url (and by API-key buckets: DashScope).
  baseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
  devicePkce: true,
} satisfies CustomProviderInput;

/** Why the qwen login is gone and what works instead. Source: PROVIDERS.md "Qwen". */
export const QWEN_RETIRED_MESSAGE =
  "Qwen's OAuth free tier was discontinued on 2026-04-15 (QwenLM/qwen-code PR #3210), so there is " +
  'no qwen login any more. Use an API-key bucket instead (a DashScope key): ' +
  '`baton auth login qwen --bucket B --api-key`.';

/**
 * The OpenAI-compatible base URL for a Qwen token: `resource_url` when present (seen as a bare host
 * such as `portal.qwen.ai`, so a scheme and `/v1` are added when missing), else the preset's base.
 */
// unverified: whether resource_url can arrive with a scheme or path; both forms are accepted here.
export function qwenApiBaseUrl(token: Pick<OAuthToken, 'resource_url'>): string {
  const raw = token.resource_url?.trim();
  if (!raw) return qwenPreset.baseUrl;
  const withScheme = /^https?:\/\//i.test(raw) ? raw : `https://${raw}`;
  const trimmed = withScheme.replace(/\/+$/, '');
  return trimmed.endsWith('/v1') ? trimmed : `${trimmed}/v1`;
}
