// Refresh failures as real servers send them, from a raw HTTP server (shapes oidc-provider never
// produces): each answer must land in its class — revoked, transient (with Retry-After), blocked,
// or plain refused — and every message must carry the server's error_description, never a token.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, type OAuthToken } from '@baton/core';
import { startRawHttpServer, type RawAnswer, type RawHttpServer } from '@baton/testkit';
import {
  OAuthFlowError,
  parseProviderConfig,
  refreshToken,
  RefreshTokenRevokedError,
  resolveProvider,
  TokenEndpointBlockedError,
  TransientRefreshError,
  type ResolvedProvider,
} from '../../src/auth/flows/index.js';

const REFRESH = 'refresh-secret-value-0123456789';
const previous: OAuthToken = {
  access_token: 'access-secret-value-0123456789',
  refresh_token: REFRESH,
  token_type: 'Bearer',
  expiry: 1,
};

let raw: RawHttpServer;
let provider: ResolvedProvider;
let host: string;

beforeAll(async () => {
  raw = await startRawHttpServer();
  host = new URL(raw.url).host;
  provider = await resolveProvider(
    parseProviderConfig({
      name: 'raw',
      endpoints: { token: `${raw.url}/token`, deviceAuthorization: `${raw.url}/device` },
      clientId: 'c1',
      flow: 'device',
      api: 'openai',
      baseUrl: 'http://127.0.0.1:9/v1',
    }),
  );
});
afterAll(async () => {
  await raw.close();
});
beforeEach(() => raw.reset());

async function refreshAgainst(answer: RawAnswer, clock = new FakeClock()): Promise<unknown> {
  raw.script('/token', [answer]);
  return refreshToken(provider, previous, { clock }).catch((e: unknown) => e);
}

function expectNoSecrets(error: unknown): void {
  const text = `${(error as Error).message} ${JSON.stringify(error)}`;
  expect(text).not.toContain(REFRESH);
  expect(text).not.toContain(previous.access_token);
}

describe('refresh failure classes', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P10
   * @requirement REQ-1598-ST04
   */
  it.each([
    [
      'RFC invalid_grant',
      { status: 400, json: { error: 'invalid_grant', error_description: 'Refresh token revoked' } },
      'invalid_grant',
      'Refresh token revoked',
    ],
    ...(
      ['refresh_token_reused', 'refresh_token_expired', 'refresh_token_invalidated'] as const
    ).map(
      (code) =>
        [
          `OpenAI nested ${code}`,
          { status: 401, json: { error: { code, message: `Your refresh token: ${code}` } } },
          code,
          `Your refresh token: ${code}`,
        ] as const,
    ),
    [
      '401 challenge on the token endpoint',
      {
        status: 401,
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
        json: { error: 'invalid_client', error_description: 'client not allowed' },
      },
      'invalid_client',
      'client not allowed',
    ],
  ] as const)('%s is revoked, with the description', async (_name, answer, code, description) => {
    const error = await refreshAgainst(answer);
    expect(error).toBeInstanceOf(RefreshTokenRevokedError);
    expect((error as RefreshTokenRevokedError).error).toBe(code);
    expect((error as RefreshTokenRevokedError).description).toBe(description);
    expect((error as Error).message).toContain(description);
    expect((error as Error).message).toContain('log in again');
    expectNoSecrets(error);
  });

  it('a description that echoes the refresh token is redacted', async () => {
    const error = await refreshAgainst({
      status: 400,
      json: { error: 'invalid_grant', error_description: `unknown refresh token ${REFRESH}` },
    });
    expect(error).toBeInstanceOf(RefreshTokenRevokedError);
    expect((error as Error).message).toContain('unknown refresh token refr…(len 31)');
    expectNoSecrets(error);
    expect((error as OAuthFlowError).description).not.toContain(REFRESH);
  });

  it('a 401 challenge without any body is revoked too', async () => {
    const error = await refreshAgainst({
      status: 401,
      headers: { 'www-authenticate': 'Basic realm="oauth"', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(error).toBeInstanceOf(RefreshTokenRevokedError);
    expect((error as OAuthFlowError).status).toBe(401);
  });

  it('429 is transient and carries Retry-After in ms', async () => {
    const error = await refreshAgainst({
      status: 429,
      headers: { 'retry-after': '30' },
      json: { error: 'rate_limited', error_description: 'slow down' },
    });
    expect(error).toBeInstanceOf(TransientRefreshError);
    expect((error as TransientRefreshError).retryAfterMs).toBe(30_000);
    expect((error as TransientRefreshError).status).toBe(429);
    expect((error as Error).message).toContain('slow down');
  });

  it('429 with an HTTP-date Retry-After counts from the injected clock', async () => {
    const clock = new FakeClock(Date.parse('2026-11-30T10:00:00Z'));
    const error = await refreshAgainst(
      { status: 429, headers: { 'retry-after': 'Mon, 30 Nov 2026 10:02:00 GMT' }, json: {} },
      clock,
    );
    expect(error).toBeInstanceOf(TransientRefreshError);
    expect((error as TransientRefreshError).retryAfterMs).toBe(120_000);
  });

  it.each([500, 502, 503])('%i with a JSON body is transient', async (status) => {
    const error = await refreshAgainst({
      status,
      json: { error: 'server_error', error_description: 'try later' },
    });
    expect(error).toBeInstanceOf(TransientRefreshError);
    expect((error as TransientRefreshError).status).toBe(status);
    expect((error as Error).message).toContain('try later');
  });

  it('a dropped connection is transient: the endpoint could not be reached', async () => {
    const error = await refreshAgainst('drop');
    expect(error).toBeInstanceOf(TransientRefreshError);
    expect((error as Error).message).toContain('could not be reached');
    expect((error as Error).message).toContain(host);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P10
   * @requirement REQ-1598-ST04
   */
  it.each([
    ['a Cloudflare challenge (403)', 403, 'text/html; charset=UTF-8'],
    ['a captive portal (200)', 200, 'text/html'],
    ['a proxy error page (502)', 502, 'text/plain'],
  ])('%s is blocked, naming the content type and host', async (_name, status, contentType) => {
    const error = await refreshAgainst({
      status,
      headers: { 'content-type': contentType },
      body: '<!DOCTYPE html><html><title>Just a moment...</title></html>',
    });
    expect(error).toBeInstanceOf(TokenEndpointBlockedError);
    expect(error).toBeInstanceOf(OAuthFlowError);
    expect(error).not.toBeInstanceOf(RefreshTokenRevokedError);
    expect((error as TokenEndpointBlockedError).status).toBe(status);
    expect((error as Error).message).toContain(contentType.split(';')[0]!);
    expect((error as Error).message).toContain(host);
    expect((error as Error).message).not.toContain('refused (HTTP 200)');
  });

  it('another 4xx is a plain refusal with the code and description, neither revoked nor transient', async () => {
    const error = await refreshAgainst({
      status: 400,
      json: { error: 'invalid_request', error_description: 'missing client_id' },
    });
    expect(error).toBeInstanceOf(OAuthFlowError);
    expect(error).not.toBeInstanceOf(RefreshTokenRevokedError);
    expect(error).not.toBeInstanceOf(TransientRefreshError);
    expect((error as Error).message).toContain('invalid_request: missing client_id');
  });

  it('each refresh is exactly one request', async () => {
    await refreshAgainst({ status: 503, json: {} });
    expect(raw.requests).toHaveLength(1);
    expect(new URLSearchParams(raw.requests[0]!.body).get('refresh_token')).toBe(REFRESH);
  });
});
