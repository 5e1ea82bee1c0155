// Codex (OpenAI ChatGPT plans): authorization code + PKCE with a loopback callback, as the Codex CLI
// logs in (openai/codex `codex-rs/login/src/server.rs`). Deviations from the RFCs: the client is
// registered for `http://localhost:1455/auth/callback` only (RFC 8252 §7.3 allows any port), and the
// authorize URL carries Codex's own parameters. The tokens work only on the Codex backend, which
// speaks the Responses API and wants the ChatGPT account id (from the id_token, kept with the token).
import type { CustomProviderInput } from '../provider-config.js';

export const CODEX_CALLBACK_PORT = 1455;
/**
 * The `originator` the Codex CLI names itself with, on the authorize URL and on every request
 * (openai/codex `codex-rs/login/src/auth/default_client.rs`: DEFAULT_ORIGINATOR).
 */
export const CODEX_ORIGINATOR = 'codex_cli_rs';

export const codexPreset = {
  name: 'codex',
  endpoints: {
    issuer: 'https://auth.openai.com',
    authorization: 'https://auth.openai.com/oauth/authorize',
    token: 'https://auth.openai.com/oauth/token',
    // openai/codex `codex-rs/login/src/auth/revoke.rs` (REVOKE_TOKEN_URL): the Codex CLI revokes the
    // refresh token there on logout, with a JSON body; RFC 7009 form bodies are not confirmed.
    revocation: 'https://auth.openai.com/oauth/revoke',
  },
  clientId: 'app_EMoamEEZ73f0CkXaXp7hrann',
  scopes: ['openid', 'profile', 'email', 'offline_access'],
  flow: 'pkce-loopback',
  // openai/codex `codex-rs/core/src/client.rs`: ChatGPT-plan requests go to the Responses endpoint of
  // the Codex backend (`<base>/responses`), never to chat completions.
  api: 'openai-responses',
  baseUrl: 'https://chatgpt.com/backend-api/codex',
  callback: {
    host: 'localhost',
    path: '/auth/callback',
    // The Codex CLI falls back to 1457 when 1455 is busy; the listener here only tries a contiguous
    // range, and 1456 is not registered, so the fallback is not offered yet.
    ports: { from: CODEX_CALLBACK_PORT, to: CODEX_CALLBACK_PORT },
  },
  // openai/codex `codex-rs/login/src/server.rs` build_authorize_url. The Codex CLI sends no `prompt`
  // parameter, so none is sent here either.
  authorizationParams: {
    id_token_add_organizations: 'true',
    codex_cli_simplified_flow: 'true',
    originator: CODEX_ORIGINATOR,
  },
} satisfies CustomProviderInput;
