// Anthropic (Claude subscriptions): authorization code + PKCE, paste-code variant.
// Deviations from the RFCs: the redirect URI is Anthropic's own page, which shows `code#state` for the
// person to paste (so no loopback); the token endpoint wants a JSON body (RFC 6749 §4.1.3 says form)
// and wants `state` repeated in the code exchange; the authorize URL carries an extra `code=true`.
import type { CustomProviderInput } from '../provider-config.js';

export const anthropicPreset = {
  name: 'anthropic',
  endpoints: {
    authorization: 'https://claude.ai/oauth/authorize',
    token: 'https://console.anthropic.com/v1/oauth/token',
  },
  // Public client id used by Claude Code and other CLIs (not a secret).
  clientId: '9d1c250a-e61b-44d9-88ed-5944d1962f5e',
  scopes: ['org:create_api_key', 'user:profile', 'user:inference'],
  flow: 'pkce-paste',
  api: 'anthropic',
  baseUrl: 'https://api.anthropic.com',
  redirectUri: 'https://console.anthropic.com/oauth/code/callback',
  authorizationParams: { code: 'true' },
  tokenRequestBody: 'json',
  stateInTokenRequest: true,
} satisfies CustomProviderInput;
