// Gemini (Google accounts): OAuth for installed apps, authorization code + PKCE with a loopback callback.
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
  // The Gemini CLI's public installed-app client. Its (public) client secret is not shipped here:
  // set `clientSecret` in the provider config to use this preset.
  clientId: '681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com',
  scopes: [
    'https://www.googleapis.com/auth/cloud-platform',
    'https://www.googleapis.com/auth/userinfo.email',
    'https://www.googleapis.com/auth/userinfo.profile',
  ],
  flow: 'pkce-loopback',
  api: 'openai',
  // unverified: the Gemini CLI talks to the Code Assist API (cloudcode-pa.googleapis.com), not to this
  // OpenAI-compatible endpoint; whether these OAuth tokens are accepted here was not confirmed.
  baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai',
  callback: { host: 'localhost', path: '/oauth2callback' },
  authorizationParams: { access_type: 'offline', prompt: 'consent' },
} satisfies CustomProviderInput;
