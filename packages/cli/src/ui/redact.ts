// Last line of defence for debug output: masks anything shaped like a credential (bearer values,
// token/key/secret JSON fields, x-api-key headers) before a line reaches the terminal.
import { redactSecret } from '@baton/core';

const BEARER = /\b(Bearer\s+)([A-Za-z0-9._~+/=-]{8,})/gi;
const SECRET_FIELD =
  /("?(?:access_token|refresh_token|id_token|device_code|code_verifier|client_secret|api_?key|apiKey|password|passphrase|key)"?\s*[:=]\s*"?)([^"\s,}&]{4,})/gi;
const API_KEY_HEADER = /(x-api-key\s*[:=]\s*)(\S{4,})/gi;

export function redactText(text: string): string {
  return text
    .replace(BEARER, (_m, prefix: string, secret: string) => `${prefix}${redactSecret(secret)}`)
    .replace(SECRET_FIELD, (_m, prefix: string, secret: string) =>
      secret.includes('…(len') ? `${prefix}${secret}` : `${prefix}${redactSecret(secret)}`,
    )
    .replace(
      API_KEY_HEADER,
      (_m, prefix: string, secret: string) => `${prefix}${redactSecret(secret)}`,
    );
}
