// Codex (OpenAI ChatGPT subscriptions): authorization code + PKCE with a loopback callback.
// Deviations from the RFCs: the client is registered for exactly `http://localhost:1455/auth/callback`,
// so the port cannot vary (RFC 8252 §7.3 allows any) and a busy port 1455 means the login cannot run;
// the authorize URL carries extra Codex parameters.
import type { CustomProviderInput } from '../provider-config.js';

export const CODEX_CALLBACK_PORT = 1455;

export const codexPreset = {
  name: 'codex',
  endpoints: {
    issuer: 'https://auth.openai.com',
    authorization: 'https://auth.openai.com/oauth/authorize',
    token: 'https://auth.openai.com/oauth/token',
  },
  clientId: 'app_EMoamEEZ73f0CkXaXp7hrann',
  scopes: ['openid', 'profile', 'email', 'offline_access'],
  flow: 'pkce-loopback',
  api: 'openai',
  // unverified: this backend speaks the Responses API; chat completions may need a different base.
  baseUrl: 'https://chatgpt.com/backend-api/codex',
  callback: {
    host: 'localhost',
    path: '/auth/callback',
    ports: { from: CODEX_CALLBACK_PORT, to: CODEX_CALLBACK_PORT },
  },
  authorizationParams: {
    id_token_add_organizations: 'true',
    codex_cli_simplified_flow: 'true',
  },
} satisfies CustomProviderInput;
