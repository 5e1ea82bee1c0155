// Device authorization grant against the real testkit server: approval, slow_down pacing (fake
// clock), denial, expiry on both sides, and abort mid-poll.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, isAbortError } from '@baton/core';
import { startAuthorizationServer, type AuthorizationServer } from '@baton/testkit';
import {
  AuthorizationTimeoutError,
  DeviceFlowDeniedError,
  DeviceFlowExpiredError,
  resolveProvider,
  SLOW_DOWN_INCREMENT_MS,
  startDeviceAuthorization,
  type ResolvedProvider,
} from '../../src/auth/flows/index.js';
import { driveFakeClock, introspect, localProvider, untilSleeping } from './helpers.js';

const FAST_INTERVAL_MS = 50;
const FAKE_INTERVAL_MS = 1_000;
let server: AuthorizationServer;
let provider: ResolvedProvider;

beforeAll(async () => {
  server = await startAuthorizationServer();
  provider = await resolveProvider(localProvider(server));
});
afterAll(async () => {
  await server.close();
});

describe('device flow', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P10
   * @requirement REQ-1598-FR07
   */
  it('returns a token with a refresh token once the person approves, for that account', async () => {
    const pending = await startDeviceAuthorization(provider, { intervalMs: FAST_INTERVAL_MS });
    expect(pending.verificationUri).toBe(`${server.issuer}/device`);
    const approval = server.approveDeviceCode(pending.userCode, { account: 'bucket-a' });
    const token = await pending.waitForToken();
    await approval;
    expect(token.refresh_token).toEqual(expect.any(String));
    expect(token.token_type).toBe('Bearer');
    expect(token.expiry).toBeGreaterThan(Date.now() / 1000);
    expect(await introspect(server, token.access_token)).toMatchObject({
      active: true,
      sub: 'bucket-a',
    });
  });

  it('waits the interval before every poll and 5 s longer after slow_down', async () => {
    const clock = new FakeClock();
    server.slowDownNextDevicePolls(1);
    const pending = await startDeviceAuthorization(provider, {
      clock,
      intervalMs: FAKE_INTERVAL_MS,
    });
    let approved: Promise<void> | undefined;
    const token = await driveFakeClock(clock, pending.waitForToken(), FAKE_INTERVAL_MS, () => {
      // Approve once the second wait (after slow_down) has begun.
      if (!approved && clock.sleeps.length >= 2) {
        approved = server.approveDeviceCode(pending.userCode);
      }
    });
    await approved;
    expect(token.access_token).toEqual(expect.any(String));
    expect(clock.sleeps[0]).toBe(FAKE_INTERVAL_MS);
    expect(clock.sleeps[1]).toBe(FAKE_INTERVAL_MS + SLOW_DOWN_INCREMENT_MS);
    // The increase sticks for every later poll (RFC 8628 §3.5).
    expect(
      clock.sleeps.slice(1).every((ms) => ms === FAKE_INTERVAL_MS + SLOW_DOWN_INCREMENT_MS),
    ).toBe(true);
    expect(pending.intervalMs).toBe(FAKE_INTERVAL_MS + SLOW_DOWN_INCREMENT_MS);
  });

  it('stops with DeviceFlowDeniedError when the person declines', async () => {
    const pending = await startDeviceAuthorization(provider, { intervalMs: FAST_INTERVAL_MS });
    await server.denyDeviceCode(pending.userCode);
    const error = await pending.waitForToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceFlowDeniedError);
    expect((error as DeviceFlowDeniedError).error).toBe('access_denied');
  });

  it('stops with DeviceFlowExpiredError when the server says expired_token', async () => {
    const short = await startAuthorizationServer({ deviceCodeTtlSeconds: 1 });
    try {
      const shortProvider = await resolveProvider(localProvider(short));
      // Poll once, after the 1 s code is certainly expired (1-second granularity).
      const pending = await startDeviceAuthorization(shortProvider, { intervalMs: 2_100 });
      const error = await pending.waitForToken().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeviceFlowExpiredError);
      expect((error as DeviceFlowExpiredError).error).toBe('expired_token');
    } finally {
      await short.close();
    }
  });

  it('stops on its own clock at expires_in without another request', async () => {
    const clock = new FakeClock();
    const pending = await startDeviceAuthorization(provider, { clock, intervalMs: 700_000 });
    const before = server.counters.total;
    const error = await driveFakeClock(clock, pending.waitForToken(), 700_000).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeviceFlowExpiredError);
    expect(server.counters.total).toBe(before);
  });

  it('gives up with AuthorizationTimeoutError at its own overall limit', async () => {
    const clock = new FakeClock();
    const pending = await startDeviceAuthorization(provider, {
      clock,
      intervalMs: FAKE_INTERVAL_MS,
      timeoutMs: 3 * FAKE_INTERVAL_MS,
    });
    const error = await driveFakeClock(clock, pending.waitForToken(), FAKE_INTERVAL_MS).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthorizationTimeoutError);
    expect(clock.sleeps).toEqual([FAKE_INTERVAL_MS, FAKE_INTERVAL_MS, FAKE_INTERVAL_MS]);
  });

  it('abort mid-poll rejects at once and leaves no timer or further poll behind', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const pending = await startDeviceAuthorization(provider, {
      clock,
      intervalMs: FAKE_INTERVAL_MS,
      signal: controller.signal,
    });
    const waiting = pending.waitForToken();
    waiting.catch(() => undefined);
    await clock.advance(FAKE_INTERVAL_MS); // one poll: authorization_pending
    await untilSleeping(clock);
    const polls = server.counters.byGrantType['urn:ietf:params:oauth:grant-type:device_code'] ?? 0;
    controller.abort();
    const error = await waiting.catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect(clock.pendingSleepers).toBe(0);
    await clock.advance(10 * FAKE_INTERVAL_MS);
    expect(server.counters.byGrantType['urn:ietf:params:oauth:grant-type:device_code']).toBe(polls);
  });
});
