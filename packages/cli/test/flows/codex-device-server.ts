// A small stand-in for auth.openai.com's device login, over real HTTP: the deviceauth endpoints in the
// shapes of openai/codex `codex-rs/login/src/device_code_auth.rs`, and an /oauth/token that only
// exchanges a code it handed out, with its verifier and the deviceauth redirect URI.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CodexDeviceServer {
  readonly issuer: string;
  /** Approves the pending code: the next poll hands out the authorization code. */
  approve(userCode: string, chatgptAccountId: string): void;
  /** Answers the next `n` polls with this status (transient failures). */
  failNextPolls(n: number, status: number): void;
  /** The usercode endpoint answers 404 (device login not enabled). */
  disableDeviceLogin(): void;
  /** Every request, path and parsed body (JSON or form). */
  readonly seen: Array<{ path: string; body: Record<string, string> }>;
  close(): Promise<void>;
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

async function readBody(req: IncomingMessage): Promise<Record<string, string>> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const raw = Buffer.concat(parts).toString('utf8');
  if ((req.headers['content-type'] ?? '').includes('json'))
    return JSON.parse(raw) as Record<string, string>;
  return Object.fromEntries(new URLSearchParams(raw));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startCodexDeviceServer(clientId: string): Promise<CodexDeviceServer> {
  const seen: CodexDeviceServer['seen'] = [];
  const pending = new Map<string, { deviceAuthId: string; account?: string }>();
  const codes = new Map<string, { verifier: string; account: string }>();
  let failures = { n: 0, status: 500 };
  let enabled = true;
  let issuer = '';

  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const path = req.url ?? '';
      seen.push({ path, body });
      if (path === '/api/accounts/deviceauth/usercode') {
        if (!enabled) return send(res, 404, { detail: 'Not Found' });
        if (body.client_id !== clientId) return send(res, 400, { error: 'invalid_client' });
        const userCode =
          `${randomBytes(2).toString('hex')}-${randomBytes(2).toString('hex')}`.toUpperCase();
        const deviceAuthId = `deviceauth_${randomBytes(8).toString('hex')}`;
        pending.set(userCode, { deviceAuthId });
        // The interval is a string of seconds on the real server.
        return send(res, 200, { device_auth_id: deviceAuthId, user_code: userCode, interval: '5' });
      }
      if (path === '/api/accounts/deviceauth/token') {
        if (failures.n > 0) {
          failures.n--;
          return send(res, failures.status, { error: 'temporarily unavailable' });
        }
        const entry = pending.get(body.user_code ?? '');
        if (!entry || entry.deviceAuthId !== body.device_auth_id)
          return send(res, 404, { error: 'unknown device code' });
        if (entry.account === undefined)
          return send(res, 403, { error: { code: 'deviceauth_authorization_pending' } });
        pending.delete(body.user_code ?? '');
        const code = `ac_${randomBytes(12).toString('hex')}`;
        const verifier = randomBytes(32).toString('base64url');
        codes.set(code, { verifier, account: entry.account });
        return send(res, 200, {
          authorization_code: code,
          code_challenge: 'unused-by-the-client',
          code_verifier: verifier,
        });
      }
      if (path === '/oauth/token') {
        const grant = codes.get(body.code ?? '');
        const ok =
          body.grant_type === 'authorization_code' &&
          body.client_id === clientId &&
          body.redirect_uri === `${issuer}/deviceauth/callback` &&
          grant !== undefined &&
          grant.verifier === body.code_verifier;
        if (!ok) return send(res, 400, { error: 'invalid_grant' });
        codes.delete(body.code ?? '');
        const now = Math.floor(Date.now() / 1000);
        const idToken = [
          b64({ alg: 'RS256', typ: 'JWT' }),
          b64({
            iss: issuer,
            aud: clientId,
            sub: `user-${grant.account}`,
            iat: now,
            exp: now + 3600,
            email: `${grant.account}@example.com`,
            'https://api.openai.com/auth': { chatgpt_account_id: grant.account },
          }),
          'c2lnbmF0dXJl',
        ].join('.');
        return send(res, 200, {
          access_token: `at_${randomBytes(16).toString('hex')}`,
          refresh_token: `rt_${randomBytes(16).toString('hex')}`,
          id_token: idToken,
          token_type: 'Bearer',
          expires_in: 3600,
        });
      }
      send(res, 404, { error: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    seen,
    approve(userCode, account) {
      const entry = pending.get(userCode);
      if (entry) entry.account = account;
    },
    failNextPolls(n, status) {
      failures = { n, status };
    },
    disableDeviceLogin() {
      enabled = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
