// Anthropic (Claude Pro/Max subscriptions, the Claude Code public client): authorization code + PKCE.
// Like Claude Code, one login has two redirect URIs: a loopback `http://localhost:<port>/callback`
// for the browser, raced against Anthropic's own page that shows `code#state` to paste (used alone
// with --no-browser). Deviations from the RFCs: the token endpoint wants a JSON body (RFC 6749
// §4.1.3 says form) with `state` repeated in the code exchange; the authorize URL carries `code=true`.
//
// Sources for every value (checked 2026-11): PROVIDERS.md "Anthropic"; earendil-works/pi
// `packages/ai/src/utils/oauth/anthropic.ts`; router-for-me/CLIProxyAPI
// `internal/auth/claude/anthropic_auth.go`. Newer public clients than PROVIDERS.md also open
// `https://claude.com/cai/oauth/authorize`; claude.ai's address is kept because PROVIDERS.md and
// the sources above name it (unverified from here whether one now redirects to the other).
import type { CustomProviderInput } from '../provider-config.js';

/** The loopback path Claude Code's login server listens on (pi uses port 53692, inside our range). */
export const ANTHROPIC_CALLBACK_PATH = '/callback';

export const anthropicPreset = {
  name: 'anthropic',
  endpoints: {
    // Source: PROVIDERS.md; earendil-works/pi anthropic.ts AUTHORIZE_URL.
    authorization: 'https://claude.ai/oauth/authorize',
    // Source: PROVIDERS.md (Claude Code moved here; console.anthropic.com now answers non-browser
    // clients with a Cloudflare HTML page).
    token: 'https://platform.claude.com/v1/oauth/token',
  },
  // Claude Code's public client id (not a secret). Source: PROVIDERS.md; earendil-works/pi
  // anthropic.ts CLIENT_ID; router-for-me/CLIProxyAPI anthropic_auth.go ClientID.
  clientId: '9d1c250a-e61b-44d9-88ed-5944d1962f5e',
  // The scopes Claude Code asks for. Source: PROVIDERS.md "Scopes".
  scopes: [
    'org:create_api_key',
    'user:profile',
    'user:inference',
    'user:sessions:claude_code',
    'user:mcp_servers',
    'user:file_upload',
  ],
  flow: 'pkce-paste',
  api: 'anthropic',
  baseUrl: 'https://api.anthropic.com',
  // The paste page. Source: PROVIDERS.md "Login" (platform.claude.com replaced console.anthropic.com).
  redirectUri: 'https://platform.claude.com/oauth/code/callback',
  // The loopback side of the race. Source: PROVIDERS.md "Login": `http://localhost:<port>/callback`.
  callback: { host: 'localhost', path: ANTHROPIC_CALLBACK_PATH },
  // Source: PROVIDERS.md; earendil-works/pi anthropic.ts authParams `code: "true"`. Anthropic
  // documents no parameter that forces an account choice, so none is sent: the login names the
  // account from the token answer (`account.email_address`) instead.
  authorizationParams: { code: 'true' },
  // Source: earendil-works/pi anthropic.ts (JSON body with client_id and state).
  tokenRequestBody: 'json',
  stateInTokenRequest: true,
} satisfies CustomProviderInput;

/**
 * Printed before the browser opens. Source: PROVIDERS.md "Policy" (since 2026-01-09 Anthropic refuses
 * consumer-plan OAuth tokens outside Claude Code and claude.ai). baton does not imitate Claude Code.
 */
export const ANTHROPIC_LOGIN_NOTICE =
  'Note: since 2026-01-09 Anthropic refuses Claude Free/Pro/Max subscription tokens outside its own ' +
  'apps (Claude Code and claude.ai), and baton does not pretend to be Claude Code. A bucket logged in ' +
  'this way is likely to be refused on its first request. The supported way is an API-key bucket: ' +
  '`baton auth login anthropic --bucket B --api-key` with a key from console.anthropic.com.';
