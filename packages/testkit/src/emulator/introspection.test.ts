// The emulator checking bearer tokens at the real test authorization server (RFC 7662
// introspection): each user's token is its own account; revoked and expired tokens get a 401.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startAuthorizationServer, type AuthorizationServer } from '../auth-server/index.js';
import { startProviderEmulator } from './index.js';
import type { ProviderEmulatorHandle } from './types.js';

/** Only the expiry test uses short-lived tokens; the others must not race their expiry. */
const SHORT_TTL_SECONDS = 1;
/** Token expiry has one-second granularity: wait TTL + 1 s. */
const EXPIRY_WAIT_MS = (SHORT_TTL_SECONDS + 1) * 1000;

let as: AuthorizationServer;
let emulator: ProviderEmulatorHandle;

beforeAll(async () => {
  as = await startAuthorizationServer();
  emulator = await startProviderEmulator({
    introspection: { endpoint: as.introspectionEndpoint, ...as.introspectionClient },
    quotas: { alice: { requestsPerWindow: 1, windowMs: 60_000, mode: '429' } },
  });
});

afterAll(async () => {
  await emulator?.close();
  await as?.close();
});

/** A user access token through the device authorization grant (approved by the test browser). */
async function userToken(account: string, server = as): Promise<string> {
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  const device = (await (
    await fetch(
      server.deviceAuthorizationEndpoint,
      form({ client_id: server.clientId, scope: 'openid offline_access' }),
    )
  ).json()) as { device_code: string; user_code: string };
  await server.approveDeviceCode(device.user_code, { account });
  const token = (await (
    await fetch(
      server.tokenEndpoint,
      form({
        client_id: server.clientId,
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: device.device_code,
      }),
    )
  ).json()) as { access_token?: string };
  expect(token.access_token).toBeTypeOf('string');
  return token.access_token!;
}

const OAUTH_BETA = 'oauth-2025-04-20';

const ask = (token: string, target = emulator, beta: string | null = OAUTH_BETA) =>
  fetch(`${target.url}/v1/messages`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(beta === null ? {} : { 'anthropic-beta': beta }),
    },
    body: JSON.stringify({
      model: 'claude-test',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  });

test('each user token is its own account, with its own quota', async () => {
  const alice = await userToken('alice');
  const bob = await userToken('bob');
  expect((await ask(alice)).status).toBe(200);
  expect((await ask(alice)).status).toBe(429);
  expect((await ask(bob)).status).toBe(200);
  const counters = emulator.counters;
  expect(counters.byAccount.alice).toMatchObject({ requests: 2, byStatus: { 200: 1, 429: 1 } });
  expect(counters.byAccount.bob).toMatchObject({ requests: 1, byStatus: { 200: 1 } });
});

test('a revoked grant gets 401 with the provider error body', async () => {
  const carol = await userToken('carol');
  expect((await ask(carol)).status).toBe(200);
  expect(as.revokeGrant('carol')).toBeGreaterThan(0);
  const revoked = await ask(carol);
  expect(revoked.status).toBe(401);
  expect(await revoked.json()).toMatchObject({
    type: 'error',
    error: { type: 'authentication_error' },
  });
});

test('an expired token gets 401', async () => {
  const shortLived = await startAuthorizationServer({ accessTokenTtlSeconds: SHORT_TTL_SECONDS });
  const target = await startProviderEmulator({
    introspection: {
      endpoint: shortLived.introspectionEndpoint,
      ...shortLived.introspectionClient,
    },
  });
  try {
    const dave = await userToken('dave', shortLived);
    await new Promise((resolve) => setTimeout(resolve, EXPIRY_WAIT_MS));
    expect((await ask(dave, target)).status).toBe(401);
    expect(target.counters.byAccount.dave).toBeUndefined();
    expect(target.counters.introspections).toBe(1);
  } finally {
    await target.close();
    await shortLived.close();
  }
});

test('an OAuth token without the OAuth beta flag gets the 401 Anthropic sends; with it, 200', async () => {
  const dave = await userToken('dave');
  const refused = await ask(dave, emulator, null);
  expect(refused.status).toBe(401);
  expect(await refused.json()).toEqual({
    type: 'error',
    error: {
      type: 'authentication_error',
      message: 'OAuth authentication is currently not supported.',
    },
  });
  // Other beta flags alongside it are fine; the flag alone is what counts.
  expect((await ask(dave, emulator, `prompt-caching-2024-07-31, ${OAUTH_BETA}`)).status).toBe(200);
});
