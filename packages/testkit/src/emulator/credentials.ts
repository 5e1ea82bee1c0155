// Who is calling: reads the bearer token (or x-api-key) and resolves it to an account through the
// static key list or RFC 7662 token introspection at the test authorization server.
import type { IncomingHttpHeaders } from 'node:http';
import type { IntrospectionOptions } from './types.js';

/** An introspection call that does not answer within this long counts as failed. */
export const INTROSPECTION_TIMEOUT_MS = 10_000;

export type CredentialKind = 'bearer' | 'x-api-key' | 'none';

export type CredentialCheck =
  | { ok: true; account: string; source: 'static' | 'introspection' }
  | { ok: false; reason: 'missing' | 'unknown' | 'inactive' }
  | { ok: false; reason: 'introspection-failed'; detail: string };

export function readCredential(headers: IncomingHttpHeaders): {
  kind: CredentialKind;
  token?: string;
} {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (m) return { kind: 'bearer', token: m[1]! };
  }
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim() !== '')
    return { kind: 'x-api-key', token: apiKey.trim() };
  return { kind: 'none' };
}

export class CredentialChecker {
  introspections = 0;
  private readonly staticKeys: Map<string, string>;

  constructor(
    staticKeys: Record<string, string> = {},
    private readonly introspection?: IntrospectionOptions,
  ) {
    this.staticKeys = new Map(Object.entries(staticKeys));
  }

  setStaticKey(key: string, account: string | undefined): void {
    if (account === undefined) this.staticKeys.delete(key);
    else this.staticKeys.set(key, account);
  }

  async check(token: string | undefined, signal: AbortSignal): Promise<CredentialCheck> {
    if (token === undefined) return { ok: false, reason: 'missing' };
    const account = this.staticKeys.get(token);
    if (account !== undefined) return { ok: true, account, source: 'static' };
    if (!this.introspection) return { ok: false, reason: 'unknown' };
    return this.introspect(token, this.introspection, signal);
  }

  private async introspect(
    token: string,
    options: IntrospectionOptions,
    signal: AbortSignal,
  ): Promise<CredentialCheck> {
    this.introspections++;
    // RFC 7662 §2.1 with client_secret_basic (RFC 6749 §2.3.1: form-encode id and secret first).
    const basic = Buffer.from(
      `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`,
    ).toString('base64');
    let response: Response;
    try {
      response = await fetch(options.endpoint, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        signal: AbortSignal.any([signal, AbortSignal.timeout(INTROSPECTION_TIMEOUT_MS)]),
      });
    } catch (error) {
      return { ok: false, reason: 'introspection-failed', detail: String(error) };
    }
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, reason: 'introspection-failed', detail: `status ${response.status}` };
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (typeof body !== 'object' || body === null)
      return { ok: false, reason: 'introspection-failed', detail: 'response is not JSON' };
    const { active, sub, client_id } = body as {
      active?: unknown;
      sub?: unknown;
      client_id?: unknown;
    };
    if (active !== true) return { ok: false, reason: 'inactive' };
    // A client-credentials token has no end user; its client is then the account.
    const account = [sub, client_id].find((v): v is string => typeof v === 'string' && v !== '');
    if (account === undefined)
      return { ok: false, reason: 'introspection-failed', detail: 'active token without sub' };
    return { ok: true, account, source: 'introspection' };
  }
}

/** The beta flag Anthropic requires with an OAuth bearer token (PROVIDERS.md). */
const ANTHROPIC_OAUTH_BETA = 'oauth-2025-04-20';

/** The request carries `anthropic-beta: oauth-2025-04-20` (possibly among other flags). */
export function hasOAuthBeta(req: { headers: IncomingHttpHeaders }): boolean {
  const raw = req.headers['anthropic-beta'];
  const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return values.some((v) => v.split(',').some((b) => b.trim() === ANTHROPIC_OAUTH_BETA));
}
