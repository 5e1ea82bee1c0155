// Qwen (chat.qwen.ai accounts): device authorization grant (RFC 8628) with PKCE.
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
  // Used until a token names its own resource_url.
  baseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
  devicePkce: true,
} satisfies CustomProviderInput;

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
