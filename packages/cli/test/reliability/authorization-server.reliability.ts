// Rows: the authorization server fails while baton refreshes an expired token (down, slower than
// the request timeout, 500, HTML from a proxy, invalid_grant, a token response without expires_in
// or with a negative one). Each ends in a clear error or a recovery; the token survives where it
// still works, never appears in an error or log, and the data dir stays 0600/0700.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { OAuthToken } from '@baton/core';
import { startRawHttpServer, type RawHttpServer } from '@baton/testkit';
import { parseProviderConfig } from '../../src/auth/flows/index.js';
import { OAuthManager } from '../../src/auth/oauth-manager.js';
import { PROVIDER, SCOPES, ask, startWorld, type World } from '../heart/world.js';
import { errorText, expectNoLeak, expectTightPermissions, secretsOf } from './checks.js';

const BUCKET = 'a';
let world: World;
let raw: RawHttpServer;
/** A second manager on the same store whose token endpoint is the scriptable raw server. */
let viaRaw: OAuthManager;
let rawLog: string[];

beforeAll(async () => {
  world = await startWorld();
  raw = await startRawHttpServer({ upstream: world.server.url });
  rawLog = [];
  const config = parseProviderConfig({
    name: PROVIDER,
    endpoints: {
      token: `${raw.url}${new URL(world.server.tokenEndpoint).pathname}`,
      deviceAuthorization: world.server.deviceAuthorizationEndpoint,
    },
    clientId: world.server.clientId,
    scopes: SCOPES,
    flow: 'device',
    api: 'openai',
    baseUrl: world.emulator.openaiBaseURL,
  });
  viaRaw = new OAuthManager({
    store: world.store,
    locksDir: path.join(world.dir, 'locks'),
    ledger: world.ledger,
    providers: () => config,
    login: () => Promise.reject(new Error('no login in this row')),
    log: (line) => rawLog.push(line),
    renewal: false,
  });
});
afterAll(async () => {
  viaRaw?.dispose();
  await raw?.close();
  await world?.close();
});

let before: OAuthToken;
beforeEach(async () => {
  world.server.clearFaults();
  raw.reset();
  world.log.length = 0;
  rawLog.length = 0;
  await world.ledger.clear(PROVIDER, BUCKET);
  await world.loginBucket(BUCKET);
  await world.expire(BUCKET);
  before = (await world.store.get(PROVIDER, BUCKET))!;
});

/** After the fault: the stored token is the one from before and a healthy server refreshes it. */
async function expectTokenStillWorks(): Promise<void> {
  const stored = await world.store.get(PROVIDER, BUCKET);
  expect(stored?.refresh_token).toBe(before.refresh_token);
  world.server.clearFaults();
  const fresh = await world.manager.getOAuthToken(PROVIDER, BUCKET);
  expect(fresh?.access_token).not.toBe(before.access_token);
  expect(await ask(world.client([BUCKET]), 'still works')).toBe('still works');
}

const tokenPath = (): string => new URL(world.server.tokenEndpoint).pathname;

/** A real rotation done by hand at the server, so that a scripted answer carries working tokens. */
async function realRefresh(): Promise<Record<string, unknown>> {
  const res = await fetch(world.server.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: before.refresh_token!,
      client_id: world.server.clientId,
    }).toString(),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

type Outcome =
  /** A clear error; the token is kept when the fault is the server's, dropped for invalid_grant. */
  | { error: RegExp; tokenSurvives: boolean }
  /** baton carries on with the new token, whose expiry is this many seconds from now. */
  | { recoversWithTtl: number };

interface FaultRow {
  name: string;
  /** Sets the fault up; returns the manager that will meet it. */
  arrange: () => Promise<OAuthManager> | OAuthManager;
  outcome: Outcome;
}

const rows: FaultRow[] = [
  {
    name: 'authorization server down',
    arrange: async () => {
      await world.server.close();
      return world.manager;
    },
    outcome: { error: /token endpoint 127\.0\.0\.1:\d+ could not be reached/, tokenSurvives: true },
  },
  {
    name: 'authorization server slower than the 30 s request timeout',
    arrange: () => {
      world.server.failNextRefreshes(1, { delayMs: 45_000 });
      return world.manager;
    },
    outcome: { error: /127\.0\.0\.1:\d+.*(timed out|could not be reached)/, tokenSurvives: true },
  },
  {
    name: 'authorization server answers 500',
    arrange: () => {
      world.server.failNextRefreshes(1, 500);
      return world.manager;
    },
    outcome: { error: /could not refresh the token now \(server_error/, tokenSurvives: true },
  },
  {
    name: 'HTML from a proxy (502) instead of JSON',
    arrange: () => {
      raw.script(tokenPath(), [
        {
          status: 502,
          headers: { 'content-type': 'text/html' },
          body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
        },
      ]);
      return viaRaw;
    },
    outcome: { error: /text\/html \(HTTP 502\) instead of JSON: a proxy/, tokenSurvives: true },
  },
  {
    name: 'HTML with status 200 (captive portal) instead of JSON',
    arrange: () => {
      raw.script(tokenPath(), [
        { status: 200, headers: { 'content-type': 'text/html' }, body: '<html>login</html>' },
      ]);
      return viaRaw;
    },
    outcome: { error: /text\/html \(HTTP 200\) instead of JSON/, tokenSurvives: true },
  },
  {
    name: 'invalid_grant',
    arrange: () => {
      world.server.failNextRefreshes(1, 'invalid_grant');
      return world.manager;
    },
    outcome: { error: /log in again/, tokenSurvives: false },
  },
  {
    name: 'token response without expires_in',
    arrange: async () => {
      // The id_token goes too: this config names endpoints, not the issuer that signed it.
      const { expires_in: _dropped, id_token: _id, ...rest } = await realRefresh();
      raw.script(tokenPath(), [{ json: rest }]);
      return viaRaw;
    },
    outcome: { recoversWithTtl: 3600 },
  },
  {
    // openid-client refuses the response; the server did not rotate, so the old token still works.
    name: 'token response with a negative expires_in',
    arrange: () => {
      raw.script(tokenPath(), [
        {
          json: {
            access_token: 'scripted-access-value-0123456789',
            token_type: 'Bearer',
            expires_in: -300,
          },
        },
      ]);
      return viaRaw;
    },
    outcome: { error: /answered the refresh outside the protocol/, tokenSurvives: true },
  },
];

describe('authorization server faults during a refresh', () => {
  it.each(rows)('$name', async (row) => {
    const manager = await row.arrange();
    const startedAt = Date.now();
    const result = await manager.getOAuthToken(PROVIDER, BUCKET).then(
      (token) => ({ token }),
      (error: unknown) => ({ error }),
    );
    if (row.name === 'authorization server down') await world.server.restart();
    const texts = [...world.log, ...rawLog];
    if ('error' in row.outcome) {
      expect('error' in result, 'the refresh must fail').toBe(true);
      const error = (result as { error: unknown }).error;
      texts.push(errorText(error));
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(row.outcome.error);
      if (row.outcome.tokenSurvives) await expectTokenStillWorks();
      else {
        // The rejected grant is never sent again: the next lookup fails without a server call.
        const calls = world.server.counters.total;
        await expect(world.manager.getOAuthToken(PROVIDER, BUCKET)).rejects.toThrow(/log in/);
        expect(world.server.counters.total).toBe(calls);
      }
    } else {
      expect('token' in result, errorText((result as { error: unknown }).error)).toBe(true);
      const token = (result as { token: OAuthToken | null }).token!;
      const ttl = (token.expiry ?? Number.NaN) - Math.floor(startedAt / 1000);
      expect(ttl).toBeGreaterThanOrEqual(row.outcome.recoversWithTtl - 5);
      expect(ttl).toBeLessThanOrEqual(row.outcome.recoversWithTtl + 5);
      expect((await world.store.get(PROVIDER, BUCKET))?.access_token).toBe(token.access_token);
      expect(await ask(world.client([BUCKET]), 'new token works')).toBe('new token works');
      texts.push(JSON.stringify(await world.manager.status()));
    }
    expectNoLeak(texts, secretsOf(before));
    await expectTightPermissions(world.dir);
  });
});
