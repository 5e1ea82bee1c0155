// Gemini (Google accounts): OAuth for installed apps, authorization code + PKCE with a loopback
// callback, as the Gemini CLI logs in (google-gemini/gemini-cli `packages/core/src/code_assist/oauth2.ts`).
// Deviations from the RFCs: Google's "installed app" client has a client secret that is public by
// design and still required at the token endpoint; a refresh token comes back only with
// `access_type=offline` (and again only with `prompt=consent`); refreshes return no new refresh token
// (no rotation); id tokens are issued by accounts.google.com, not the token endpoint's host.
import type { CustomProviderInput } from '../provider-config.js';

export const geminiPreset = {
  name: 'gemini',
  endpoints: {
    issuer: 'https://accounts.google.com',
    authorization: 'https://accounts.google.com/o/oauth2/v2/auth',
    token: 'https://oauth2.googleapis.com/token',
    revocation: 'https://oauth2.googleapis.com/revoke',
  },
  // The Gemini CLI's public installed-app client, id and secret exactly as the Gemini CLI ships them
  // in its source (oauth2.ts OAUTH_CLIENT_ID / OAUTH_CLIENT_SECRET). Google documents that such a
  // secret "is obviously not treated as a secret" for installed apps; without it the code exchange
  // fails with invalid_request after the user has consented.
  clientId: '681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com',
  clientSecret: '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',
  scopes: [
    'https://www.googleapis.com/auth/cloud-platform',
    'https://www.googleapis.com/auth/userinfo.email',
    'https://www.googleapis.com/auth/userinfo.profile',
  ],
  flow: 'pkce-loopback',
  // These tokens are refused by the generativelanguage endpoint; the Gemini CLI sends them to the
  // Code Assist API (gemini-cli code_assist/server.ts: CODE_ASSIST_ENDPOINT + CODE_ASSIST_API_VERSION).
  api: 'code-assist',
  baseUrl: 'https://cloudcode-pa.googleapis.com/v1internal',
  // oauth2.ts authWithWeb: `http://127.0.0.1:<port>/oauth2callback` (a loopback IP literal).
  callback: { host: '127.0.0.1', path: '/oauth2callback' },
  // `access_type=offline` as the Gemini CLI sends it. The Gemini CLI sends no `prompt`; baton forces
  // the account chooser (each bucket can be a different Google account) and consent (so a second
  // login still returns a refresh token).
  authorizationParams: { access_type: 'offline', prompt: 'select_account consent' },
} satisfies CustomProviderInput;
