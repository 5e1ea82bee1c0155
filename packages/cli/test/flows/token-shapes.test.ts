// Token answers as real servers send them (null or empty fields, no token_type, nested errors) are
// normalised before openid-client parses them, so an approved login is never lost to a strict parser.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { FakeClock, type OAuthToken } from '@baton/core';
import { startRawHttpServer, type RawHttpServer } from '@baton/testkit';
import {
  normaliseTokenEndpointBody,
  parseProviderConfig,
  refreshToken,
  resolveProvider,
  runPasteFlow,
  startDeviceAuthorization,
  type ResolvedProvider,
} from '../../src/auth/flows/index.js';

let raw: RawHttpServer;

beforeAll(async () => {
  raw = await startRawHttpServer();
});
beforeEach(() => raw.reset());
afterAll(async () => {
  await raw.close();
});

async function rawProvider(flow: 'device' | 'pkce-paste'): Promise<ResolvedProvider> {
  return resolveProvider(
    parseProviderConfig({
      name: 'shapes',
      endpoints: {
        authorization: `${raw.url}/authorize`,
        token: `${raw.url}/token`,
        deviceAuthorization: `${raw.url}/device`,
      },
      clientId: 'c1',
      flow,
      api: 'openai',
      baseUrl: 'http://127.0.0.1:9/v1',
      ...(flow === 'pkce-paste' ? { redirectUri: 'http://127.0.0.1:9/code' } : {}),
    }),
  );
}

/**
 * @plan PLAN-20260223-ISSUE1598.P10
 * @requirement REQ-1598-ST04
 */
describe('token answers with null and empty fields', () => {
  it('a paste login survives refresh_token null, scope null, expires_in null and no token_type', async () => {
    raw.script('/token', [
      {
        status: 200,
        json: {
          access_token: 'at-1',
          refresh_token: null,
          scope: null,
          expires_in: null,
          id_token: '',
          account: { uuid: 'u1', email_address: 'person@example.com' },
        },
      },
    ]);
    const clock = new FakeClock(1_800_000_000_000);
    let state = '';
    const token = await runPasteFlow(await rawProvider('pkce-paste'), {
      clock,
      onAuthorizationUrl: (url) => {
        state = url.searchParams.get('state')!;
      },
      readPastedCode: async () => `"the-code#${state}"`,
    });
    expect(token).toEqual({
      access_token: 'at-1',
      token_type: 'Bearer',
      expiry: 1_800_000_000 + 3600,
      account: { uuid: 'u1', email_address: 'person@example.com' },
    });
  });

  it('a device login survives refresh_token "" and verification_uri_complete null', async () => {
    raw.script('/device', [
      {
        status: 200,
        json: {
          device_code: 'dc',
          user_code: 'UC',
          verification_uri: 'https://example.test/device',
          verification_uri_complete: null,
          expires_in: 600,
          interval: null,
        },
      },
    ]);
    raw.script('/token', [
      { status: 200, json: { access_token: 'at-2', refresh_token: '', token_type: 'bearer' } },
    ]);
    const pending = await startDeviceAuthorization(await rawProvider('device'), { intervalMs: 1 });
    expect(pending.verificationUriComplete).toBeUndefined();
    const token = await pending.waitForToken();
    expect(token.access_token).toBe('at-2');
    expect(token.token_type).toBe('Bearer');
    expect(token).not.toHaveProperty('refresh_token');
  });

  it('a device poll answered 200 with authorization_pending (GitHub style) keeps polling', async () => {
    raw.script('/device', [
      {
        json: {
          device_code: 'dc',
          user_code: 'UC',
          verification_uri: 'https://example.test/device',
          expires_in: 600,
        },
      },
    ]);
    raw.script('/token', [
      { status: 200, json: { error: 'authorization_pending', error_description: null } },
      { status: 200, json: { access_token: 'at-gh', token_type: 'bearer', scope: '' } },
    ]);
    const pending = await startDeviceAuthorization(await rawProvider('device'), { intervalMs: 1 });
    const token = await pending.waitForToken();
    expect(token.access_token).toBe('at-gh');
    expect(raw.requests.filter((r) => r.url === '/token')).toHaveLength(2);
  });

  it('a refresh answering refresh_token "" keeps the old refresh token', async () => {
    raw.script('/token', [
      {
        status: 200,
        json: { access_token: 'at-3', refresh_token: '', expires_in: 60, scope: '' },
      },
    ]);
    const previous: OAuthToken = {
      access_token: 'old',
      refresh_token: 'kept',
      token_type: 'Bearer',
      expiry: 1,
      scope: 'a b',
    };
    const clock = new FakeClock(2_000_000_000_000);
    const merged = await refreshToken(await rawProvider('device'), previous, { clock });
    expect(merged).toEqual({
      access_token: 'at-3',
      refresh_token: 'kept',
      token_type: 'Bearer',
      expiry: 2_000_000_000 + 60,
      scope: 'a b',
    });
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P10
 * @requirement REQ-1598-ST04
 */
describe('normaliseTokenEndpointBody', () => {
  it('flattens a nested OpenAI error into an RFC error', () => {
    expect(
      normaliseTokenEndpointBody({
        error: { code: 'refresh_token_reused', message: 'already used', type: 'invalid_request' },
      }),
    ).toEqual({ error: 'refresh_token_reused', error_description: 'already used' });
    expect(normaliseTokenEndpointBody({ error: { type: 'server_error' } })).toEqual({
      error: 'server_error',
    });
  });

  it('adds Bearer only to answers that carry an access token', () => {
    expect(normaliseTokenEndpointBody({ access_token: 'a' }).token_type).toBe('Bearer');
    expect(normaliseTokenEndpointBody({ access_token: 'a', token_type: 'DPoP' }).token_type).toBe(
      'DPoP',
    );
    expect(normaliseTokenEndpointBody({ error: 'invalid_grant' })).not.toHaveProperty('token_type');
  });

  const value = fc.oneof(
    fc.constant(null),
    fc.constant(''),
    fc.constant('  '),
    fc.string(),
    fc.integer(),
    fc.boolean(),
  );
  const key = fc.oneof(
    fc.string({ minLength: 1, maxLength: 12 }),
    fc.constantFrom('__proto__', 'valueOf', 'constructor', 'access_token'),
  );
  test.prop([fc.dictionary(key, value)])(
    'drops every null or blank field, keeps the rest, and is idempotent',
    (body) => {
      const out = normaliseTokenEndpointBody(body);
      for (const [key, v] of Object.entries(body)) {
        if (key === 'token_type' || key === 'error') continue;
        const blank = v === null || (typeof v === 'string' && v.trim() === '');
        expect(Object.hasOwn(out, key)).toBe(!blank);
        if (!blank) expect(out[key]).toEqual(v);
      }
      expect(Object.values(out)).not.toContain(null);
      expect(normaliseTokenEndpointBody(out)).toEqual(out);
    },
  );
});
