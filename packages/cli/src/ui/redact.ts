// Last line of defence for debug output: masks anything shaped like a credential (bearer values,
// token/key/secret fields, x-api-key headers) before a line reaches the terminal.
import { redactSecret } from '@baton/core';

const BEARER = /\b(Bearer\s+)([A-Za-z0-9._~+/=-]{8,})/gi;
const API_KEY_HEADER = /(x-api-key\s*[:=]\s*)(\S{4,})/gi;
// Field names stand alone (`key`, not the end of `x-api-key`, which the header rule covers).
const SECRET_FIELD =
  /((?<![\w-])"?(?:access_token|refresh_token|id_token|device_code|code_verifier|client_secret|api_?key|apiKey|password|passphrase|key)"?\s*[:=]\s*"?)([^"\s,}&]{4,})/gi;

const mask = (_match: string, prefix: string, secret: string): string =>
  // Already masked by an earlier rule: keep it as it is.
  secret.startsWith('…') ? `${prefix}${secret}` : `${prefix}${redactSecret(secret)}`;

export function redactText(text: string): string {
  return text.replace(BEARER, mask).replace(API_KEY_HEADER, mask).replace(SECRET_FIELD, mask);
}
