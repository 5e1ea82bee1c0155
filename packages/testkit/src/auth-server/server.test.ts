// The test authorization server, spoken to over real HTTP with plain fetch (no OAuth client library),
// so these tests pin the server's own behaviour: grants, rotation, reuse detection, faults, restart.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAuthorizationServer, type AuthorizationServer } from './server.js';
import { refreshTokenHash } from './token-gate.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const SCOPE = 'openid offline_access model.completion';
let server: AuthorizationServer;

beforeAll(async () => {
  server = await startAuthorizationServer({ accessTokenTtlSeconds: 60 });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.clearFaults();
  server.resetCounters();
});

interface Json {
  status: number;
  body: Record<string, unknown>;
}

async function post(url: string, fields: Record<string, string>, auth?: string): Promise<Json> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(auth ? { authorization: auth } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const str = (value: unknown): string => {
  if (typeof value !== 'string') throw new Error(`expected a string, got ${typeof value}`);
  return value;
};

async function introspect(token: string): Promise<Record<string, unknown>> {
  const { clientId, clientSecret } = server.introspectionClient;
  const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
  return (await post(server.introspectionEndpoint, { token }, basic)).body;
}

/** Starts a device authorization; `poll()` makes one token request for its device code. */
async function startDevice(): Promise<{ userCode: string; poll: () => Promise<Json> }> {
  const start = await post(server.deviceAuthorizationEndpoint, {
    client_id: server.clientId,
    scope: SCOPE,
  });
  const deviceCode = str(start.body.device_code);
  return {
    userCode: str(start.body.user_code),
    poll: () =>
      post(server.tokenEndpoint, {
        client_id: server.clientId,
        grant_type: DEVICE_GRANT,
        device_code: deviceCode,
      }),
  };
}

async function deviceLogin(account: string): Promise<Record<string, unknown>> {
  const { userCode, poll } = await startDevice();
  await server.approveDeviceCode(userCode, { account });
  const token = await poll();
  expect(token.status).toBe(200);
  return token.body;
}

const refresh = (refreshToken: string): Promise<Json> =>
  post(server.tokenEndpoint, {
    client_id: server.clientId,
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
  });

describe('device authorization grant', () => {
  it('is pending until approved, then issues tokens whose subject is the approving account', async () => {
    const { userCode, poll } = await startDevice();
    expect((await poll()).body.error).toBe('authorization_pending');
    await server.approveDeviceCode(userCode, { account: 'alice' });
    const token = await poll();
    expect(token.status).toBe(200);
    expect(token.body.refresh_token).toEqual(expect.any(String));
    expect(await introspect(str(token.body.access_token))).toMatchObject({
      active: true,
      sub: 'alice',
      client_id: server.clientId,
    });
    expect(server.counters.byGrantType[DEVICE_GRANT]).toBe(2);
  });

  it('gives each account its own subject', async () => {
    const [a, b] = [await deviceLogin('bucket-a'), await deviceLogin('bucket-b')];
    expect((await introspect(str(a.access_token))).sub).toBe('bucket-a');
    expect((await introspect(str(b.access_token))).sub).toBe('bucket-b');
  });

  it('answers access_denied after the person aborts, and slow_down when switched on', async () => {
    const { userCode, poll } = await startDevice();
    server.slowDownNextDevicePolls(1);
    expect((await poll()).body.error).toBe('slow_down');
    expect((await poll()).body.error).toBe('authorization_pending');
    await server.denyDeviceCode(userCode);
    expect((await poll()).body.error).toBe('access_denied');
  });
});

describe('authorization code with PKCE', () => {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirectUri = 'http://127.0.0.1:49152/callback';

  function authorizationUrl(extra: Record<string, string> = {}): URL {
    const url = new URL(server.authorizationEndpoint);
    const params = {
      client_id: server.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: SCOPE,
      state: 'st-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...extra,
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url;
  }

  it('accepts any loopback port, signs in the named account and exchanges the code', async () => {
    const result = await server.completeAuthorization(authorizationUrl(), {
      account: 'carol',
      deliver: false,
    });
    expect(result.callbackUrl.origin).toBe('http://127.0.0.1:49152');
    expect(result.callbackUrl.searchParams.get('state')).toBe('st-1');
    const token = await post(server.tokenEndpoint, {
      client_id: server.clientId,
      grant_type: 'authorization_code',
      code: str(result.callbackUrl.searchParams.get('code')),
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    expect(token.status).toBe(200);
    expect(token.body.refresh_token).toEqual(expect.any(String));
    expect((await introspect(str(token.body.access_token))).sub).toBe('carol');
  });

  it('requires PKCE from the public client', async () => {
    const url = authorizationUrl();
    url.searchParams.delete('code_challenge');
    url.searchParams.delete('code_challenge_method');
    const result = await server.completeAuthorization(url, { deliver: false });
    expect(result.callbackUrl.searchParams.get('error')).toBe('invalid_request');
  });

  it('rejects a wrong code verifier', async () => {
    const result = await server.completeAuthorization(authorizationUrl(), { deliver: false });
    const token = await post(server.tokenEndpoint, {
      client_id: server.clientId,
      grant_type: 'authorization_code',
      code: str(result.callbackUrl.searchParams.get('code')),
      redirect_uri: redirectUri,
      code_verifier: randomBytes(32).toString('base64url'),
    });
    expect(token.body.error).toBe('invalid_grant');
  });
});

describe('refresh tokens', () => {
  it('rotates, detects reuse (revoking the grant) and counts calls per refresh token', async () => {
    const first = await deviceLogin('dave');
    const oldRefresh = str(first.refresh_token);
    const rotated = await refresh(oldRefresh);
    expect(rotated.status).toBe(200);
    const newRefresh = str(rotated.body.refresh_token);
    expect(newRefresh).not.toBe(oldRefresh);

    expect((await refresh(oldRefresh)).body.error).toBe('invalid_grant');
    // Reuse revoked the whole grant: the rotated token and its access token are dead too.
    expect((await refresh(newRefresh)).body.error).toBe('invalid_grant');
    expect((await introspect(str(rotated.body.access_token))).active).toBe(false);

    expect(server.refreshCallsFor(oldRefresh)).toBe(2);
    expect(server.refreshCallsFor(newRefresh)).toBe(1);
    expect(server.counters.byGrantType.refresh_token).toBe(3);
    expect(Object.keys(server.counters.byRefreshTokenHash)).toContain(refreshTokenHash(oldRefresh));
    expect(JSON.stringify(server.counters)).not.toContain(oldRefresh);
  });

  it('plays the refresh faults in order, then behaves again', async () => {
    const token = await deviceLogin('erin');
    const rt = str(token.refresh_token);
    server.failNextRefreshes(1, 'invalid_grant');
    server.failNextRefreshes(1, 500);
    server.failNextRefreshes(1, 'drop');
    expect(await refresh(rt)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await refresh(rt)).toMatchObject({ status: 500, body: { error: 'server_error' } });
    await expect(refresh(rt)).rejects.toThrow();
    // None of the faults reached the provider, so the refresh token is still good.
    expect((await refresh(rt)).status).toBe(200);
    expect(server.refreshCallsFor(rt)).toBe(4);
  });

  it('delays a refresh and then lets it through', async () => {
    const token = await deviceLogin('frank');
    const delayMs = 300;
    server.failNextRefreshes(1, { delayMs });
    const started = performance.now();
    const result = await refresh(str(token.refresh_token));
    expect(result.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(delayMs - 5);
  });
});

describe('administration', () => {
  it('revokes every grant of one account only', async () => {
    const mine = await deviceLogin('gina');
    const other = await deviceLogin('hank');
    expect(server.revokeGrant('gina')).toBe(1);
    expect((await introspect(str(mine.access_token))).active).toBe(false);
    expect((await refresh(str(mine.refresh_token))).body.error).toBe('invalid_grant');
    expect((await introspect(str(other.access_token))).active).toBe(true);
  });

  it('stops and restarts on the same port, keeping its state', async () => {
    const token = await deviceLogin('ivan');
    await server.close();
    await expect(fetch(`${server.url}/.well-known/openid-configuration`)).rejects.toThrow();
    await server.restart();
    const discovery = (await (
      await fetch(`${server.url}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(discovery.issuer).toBe(server.issuer);
    expect(discovery.introspection_endpoint).toBe(server.introspectionEndpoint);
    expect(discovery.device_authorization_endpoint).toBe(server.deviceAuthorizationEndpoint);
    expect((await introspect(str(token.access_token))).active).toBe(true);
  });
});

describe('short lifetimes', () => {
  it('expires access tokens after their TTL with no tolerance', async () => {
    const short = await startAuthorizationServer({ accessTokenTtlSeconds: 1 });
    try {
      const start = await post(short.deviceAuthorizationEndpoint, {
        client_id: short.clientId,
        scope: SCOPE,
      });
      await short.approveDeviceCode(str(start.body.user_code));
      const token = await post(short.tokenEndpoint, {
        client_id: short.clientId,
        grant_type: DEVICE_GRANT,
        device_code: str(start.body.device_code),
      });
      expect(token.body.expires_in).toBe(1);
      // 1-second granularity: TTL + 1 s is the first moment the token is certainly expired.
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      const { clientId, clientSecret } = short.introspectionClient;
      const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
      const result = await post(
        short.introspectionEndpoint,
        { token: str(token.body.access_token) },
        basic,
      );
      expect(result.body.active).toBe(false);
    } finally {
      await short.close();
    }
  });
});
