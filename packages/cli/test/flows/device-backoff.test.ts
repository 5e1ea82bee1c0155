// Device polling through transient failures (RFC 8628 §3.5): a raw HTTP server in front of the
// testkit server's token endpoint answers some polls with 503s, HTML pages or dropped sockets; the
// flow doubles its wait (at most 60 s) and goes on until the approval or the code's expiry.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { FakeClock } from '@baton/core';
import {
  startAuthorizationServer,
  startRawHttpServer,
  type AuthorizationServer,
  type RawAnswer,
  type RawHttpServer,
  type RawRequest,
} from '@baton/testkit';
import {
  backedOffInterval,
  DEVICE_CODE_GRANT_TYPE,
  DeviceFlowExpiredError,
  MAX_DEVICE_BACKOFF_MS,
  parseProviderConfig,
  resolveProvider,
  startDeviceAuthorization,
  TokenEndpointBlockedError,
  type ResolvedProvider,
} from '../../src/auth/flows/index.js';
import { driveFakeClock, introspect, TEST_SCOPES } from './helpers.js';

const INTERVAL_MS = 1_000;
let server: AuthorizationServer;
let raw: RawHttpServer;
let provider: ResolvedProvider;

const isDevicePoll = (request: RawRequest): boolean =>
  new URLSearchParams(request.body).get('grant_type') === DEVICE_CODE_GRANT_TYPE;

beforeAll(async () => {
  server = await startAuthorizationServer({ deviceCodeTtlSeconds: 120 });
  raw = await startRawHttpServer({ upstream: server.url });
  provider = await resolveProvider(
    parseProviderConfig({
      name: 'flaky',
      endpoints: {
        issuer: server.issuer,
        token: `${raw.url}/token`,
        deviceAuthorization: server.deviceAuthorizationEndpoint,
      },
      clientId: server.clientId,
      scopes: TEST_SCOPES,
      flow: 'device',
      api: 'openai',
      baseUrl: 'http://127.0.0.1:9/v1',
    }),
  );
});
beforeEach(() => raw.reset());
afterAll(async () => {
  await raw.close();
  await server.close();
});

async function pollThrough(answers: RawAnswer[], account: string) {
  const clock = new FakeClock();
  const pending = await startDeviceAuthorization(provider, { clock, intervalMs: INTERVAL_MS });
  await server.approveDeviceCode(pending.userCode, { account });
  raw.script('/token', answers, isDevicePoll);
  const started = clock.now();
  const token = await driveFakeClock(clock, pending.waitForToken(), INTERVAL_MS);
  return { token, pending, waitedMs: clock.now() - started };
}

describe('device polling backs off on transient failures', () => {
  it('polls through two 503s, doubling the wait, then gets the approved token', async () => {
    const { token, pending, waitedMs } = await pollThrough(
      [
        { status: 503, json: { error: 'temporarily_unavailable' } },
        { status: 503, headers: { 'content-type': 'text/html' }, body: '<html>busy</html>' },
      ],
      'after-503s',
    );
    expect(await introspect(server, token.access_token)).toMatchObject({ sub: 'after-503s' });
    expect(raw.requests.map((r) => r.scripted)).toEqual([true, true, false]);
    expect(pending.intervalMs).toBe(4 * INTERVAL_MS);
    // 1 s before the first poll, 2 s after the first 503, 4 s after the second.
    expect(waitedMs).toBe(7 * INTERVAL_MS);
  });

  it('a dropped connection and a 429 are waited out too', async () => {
    const { token } = await pollThrough(
      ['drop', { status: 429, headers: { 'retry-after': '3' }, json: {} }],
      'after-drop',
    );
    expect(await introspect(server, token.access_token)).toMatchObject({ sub: 'after-drop' });
  });

  it('keeps backing off until the device code expires', async () => {
    const clock = new FakeClock();
    const pending = await startDeviceAuthorization(provider, { clock, intervalMs: INTERVAL_MS });
    raw.script(
      '/token',
      Array.from({ length: 40 }, () => ({ status: 503, json: {} })),
      isDevicePoll,
    );
    const error = await driveFakeClock(clock, pending.waitForToken(), INTERVAL_MS).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeviceFlowExpiredError);
    expect(pending.intervalMs).toBe(MAX_DEVICE_BACKOFF_MS);
    expect(clock.now()).toBeGreaterThanOrEqual(pending.expiresAt);
  });

  it('an HTML page with 200 (captive portal) ends the login as blocked', async () => {
    const clock = new FakeClock();
    const pending = await startDeviceAuthorization(provider, { clock, intervalMs: INTERVAL_MS });
    raw.script(
      '/token',
      [
        {
          status: 200,
          headers: { 'content-type': 'text/html' },
          body: '<html>sign in to wifi</html>',
        },
      ],
      isDevicePoll,
    );
    const error = await driveFakeClock(clock, pending.waitForToken(), INTERVAL_MS).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TokenEndpointBlockedError);
    expect((error as Error).message).toContain('text/html');
  });
});

describe('backedOffInterval', () => {
  test.prop([
    fc.integer({ min: 1, max: 200_000 }),
    fc.option(fc.integer({ min: 0, max: 500_000 })),
  ])(
    'never shrinks, doubles up to the cap, and honours Retry-After up to the cap',
    (interval, retryAfter) => {
      const next = backedOffInterval(interval, retryAfter ?? undefined);
      expect(next).toBeGreaterThanOrEqual(interval);
      expect(next).toBeGreaterThanOrEqual(Math.min(interval * 2, MAX_DEVICE_BACKOFF_MS));
      expect(next).toBeGreaterThanOrEqual(Math.min(retryAfter ?? 0, MAX_DEVICE_BACKOFF_MS));
      expect(next).toBeLessThanOrEqual(Math.max(interval, MAX_DEVICE_BACKOFF_MS));
    },
  );
});
