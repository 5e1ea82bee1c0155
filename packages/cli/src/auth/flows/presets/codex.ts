// Codex (OpenAI ChatGPT plans): authorization code + PKCE with a loopback callback, as the Codex CLI
// logs in (openai/codex `codex-rs/login/src/server.rs`). Deviations from the RFCs: the client is
// registered for `http://localhost:1455/auth/callback` and 1457 only (RFC 8252 §7.3 allows any
// port), the authorize URL carries Codex's own parameters, and `--device` runs Codex's own device
// login, not RFC 8628. The tokens work only on the Codex backend, which speaks the Responses API and
// wants the ChatGPT account id (from the id_token, kept with the token).
import type { CustomProviderInput } from '../provider-config.js';

/** openai/codex `codex-rs/login/src/server.rs`: DEFAULT_PORT. */
export const CODEX_CALLBACK_PORT = 1455;
/** server.rs FALLBACK_PORT, used when 1455 stays busy; on the client's redirect allow-list too. */
export const CODEX_FALLBACK_CALLBACK_PORT = 1457;
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
    // Exactly these two, in this order: 1456 is not a registered redirect.
    ports: [CODEX_CALLBACK_PORT, CODEX_FALLBACK_CALLBACK_PORT],
    // server.rs bind_server: a busy 1455 first gets `GET /cancel` (an earlier login gives it up),
    // and the Codex CLI's own login server ends its login on one; baton does both.
    cancelPrevious: true,
  },
  // openai/codex `codex-rs/login/src/device_code_auth.rs` (`codex login --device-auth`).
  deviceFlow: 'codex-deviceauth',
  // openai/codex `codex-rs/login/src/server.rs` build_authorize_url. The Codex CLI sends no `prompt`
  // parameter, so none is sent here either.
  authorizationParams: {
    id_token_add_organizations: 'true',
    codex_cli_simplified_flow: 'true',
    originator: CODEX_ORIGINATOR,
  },
} satisfies CustomProviderInput;
