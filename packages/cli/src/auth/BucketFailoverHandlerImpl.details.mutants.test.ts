// The exact failure details and switch events the handler reports per path of BEHAVIOR §5 (the model
// test checks reasons and switches, not every field). In-memory doubles only (test/failover-world.ts).
import { describe, expect, it } from 'vitest';
import { FakeClock, type OAuthToken } from '@baton/core';
import {
  BucketFailoverHandlerImpl,
  type FailoverSwitchEvent,
} from './BucketFailoverHandlerImpl.js';
import {
  MemoryLedger,
  ModelCredentials,
  PROFILE,
  PROVIDER,
  START,
  type BucketWorld,
  type World,
} from '../../test/failover-world.js';

const HOUR_S = 3600;
const fresh = (): BucketWorld => ({
  store: 'ok',
  held: { kind: 'oauth', version: 1, expiry: START / 1000 + HOUR_S },
  grantAlive: true,
  login: 'succeed',
});
const expired = (grantAlive: boolean): BucketWorld => ({
  ...fresh(),
  held: { kind: 'oauth', version: 1, expiry: START / 1000 - 60 },
  grantAlive,
});
const apiKey = (): BucketWorld => ({ ...fresh(), held: { kind: 'api-key' } });

function setup(world: World, reauthTimeoutMs?: number) {
  const clock = new FakeClock(START);
  const ledger = new MemoryLedger(clock);
  const creds = new ModelCredentials(world, clock, ledger);
  const switches: FailoverSwitchEvent[] = [];
  const handler = new BucketFailoverHandlerImpl({
    manager: creds,
    ledger,
    provider: PROVIDER,
    profile: { name: PROFILE, buckets: Object.keys(world) },
    clock,
    onSwitch: (event) => switches.push(event),
    ...(reauthTimeoutMs === undefined ? {} : { reauthTimeoutMs }),
  });
  return { clock, ledger, creds, switches, handler };
}

describe('failure details per path', () => {
  it('a failure that is not the bucket’s fault is "skipped" with what the response said', async () => {
    const { handler } = setup({ alpha: fresh(), beta: fresh() });
    await handler.tryFailover({
      trigger: 'server',
      triggeringStatus: 500,
      retryAt: START + 5_000,
      message: 'overloaded',
    });
    expect(handler.getLastFailoverDetails().alpha).toEqual({
      reason: 'skipped',
      status: 500,
      retryAt: START + 5_000,
      message: 'overloaded',
    });
    const bare = setup({ alpha: fresh(), beta: fresh() });
    await bare.handler.tryFailover({});
    expect(bare.handler.getLastFailoverDetails().alpha).toEqual({ reason: 'skipped' });
  });

  it('a refusal keeps status and message; a quota failure without message has none', async () => {
    const { handler } = setup({ alpha: fresh(), beta: fresh() });
    await handler.tryFailover({ trigger: 'refused', triggeringStatus: 403, message: 'app only' });
    expect(handler.getLastFailoverDetails().alpha).toEqual({
      reason: 'refused',
      status: 403,
      message: 'app only',
    });
    const quota = setup({ alpha: fresh(), beta: fresh() });
    await quota.handler.tryFailover({ trigger: 'rate-limit', retryAt: START + 30_000 });
    expect(quota.handler.getLastFailoverDetails().alpha).toEqual({
      reason: 'quota-exhausted',
      retryAt: START + 30_000,
    });
  });

  it('a stated reset that is already over counts as no reset: the guess applies', async () => {
    const { handler } = setup({ alpha: fresh(), beta: fresh() });
    await handler.tryFailover({ trigger: 'quota', triggeringStatus: 402, retryAt: START });
    expect(handler.getLastFailoverDetails().alpha!.retryAt).toBe(START + 60_000);
  });

  it('a rejected API key names the login command; by trigger or by status alone', async () => {
    for (const context of [{ trigger: 'auth' as const }, { triggeringStatus: 401 }]) {
      const { handler } = setup({ alpha: apiKey(), beta: fresh() });
      await handler.tryFailover(context);
      expect(handler.getLastFailoverDetails().alpha).toEqual({
        reason: 'expired-refresh-failed',
        ...('triggeringStatus' in context ? { status: 401 } : {}),
        message: 'the API key was rejected',
        action: `run \`baton auth login ${PROVIDER} --bucket alpha --api-key\``,
      });
    }
    const other = setup({ alpha: apiKey(), beta: fresh() });
    await other.handler.tryFailover({ trigger: 'server', triggeringStatus: 500 });
    expect(other.handler.getLastFailoverDetails().alpha).toEqual({
      reason: 'skipped',
      status: 500,
    });
  });

  it('a valid token refused by status alone is reported as rejected, in the provider’s words if any', async () => {
    const { handler } = setup({ alpha: fresh(), beta: fresh() });
    await handler.tryFailover({ triggeringStatus: 403 });
    expect(handler.getLastFailoverDetails().alpha).toEqual({
      reason: 'expired-refresh-failed',
      status: 403,
      message: 'the provider rejected the token',
    });
    const worded = setup({ alpha: fresh(), beta: fresh() });
    await worded.handler.tryFailover({ trigger: 'auth', message: 'token revoked' });
    expect(worded.handler.getLastFailoverDetails().alpha).toEqual({
      reason: 'expired-refresh-failed',
      message: 'token revoked',
    });
  });

  it('buckets passed over in pass 2 say why: refused earlier, or a grant known dead', async () => {
    const { handler, ledger } = setup({ alpha: fresh(), beta: fresh(), gamma: expired(true) });
    await ledger.record(PROVIDER, 'beta', {
      reason: 'refused',
      source: 'until-login',
      until: START + HOUR_S * 1000,
    });
    await ledger.record(PROVIDER, 'gamma', {
      reason: 'expired-refresh-failed',
      source: 'until-login',
      until: START + HOUR_S * 1000,
    });
    expect(await handler.tryFailover({ trigger: 'server' })).toBe(false);
    const details = handler.getLastFailoverDetails();
    expect(details.beta).toEqual({ reason: 'refused', message: 'refused earlier for this use' });
    expect(details.gamma).toEqual({
      reason: 'expired-refresh-failed',
      message: 'the refresh token was rejected earlier',
    });
  });
});

describe('switch events', () => {
  it('say how the target became usable: a key, a refresh or a login; no retryAt when none', async () => {
    const key = setup({ alpha: fresh(), beta: apiKey() });
    await key.handler.tryFailover({ trigger: 'auth' });
    expect(key.switches).toEqual([
      {
        provider: PROVIDER,
        from: 'alpha',
        to: 'beta',
        reason: 'expired-refresh-failed',
        via: 'usable',
      },
    ]);

    const refreshed = setup({ alpha: fresh(), beta: expired(true) });
    await refreshed.handler.tryFailover({ trigger: 'server' });
    expect(refreshed.switches.map((s) => [s.to, s.via, s.reason])).toEqual([
      ['beta', 'refreshed', 'skipped'],
    ]);

    const login = setup({ alpha: { ...fresh(), held: null } }, 1_000);
    await login.handler.tryFailover({ interactive: true });
    expect(login.switches.map((s) => [s.to, s.via])).toEqual([['alpha', 'login']]);
  });

  it('a login replacing a refused token is told which token was refused, so it prompts', async () => {
    const { handler, creds } = setup({ alpha: fresh() });
    expect(
      await handler.tryFailover({ trigger: 'auth', triggeringStatus: 401, interactive: true }),
    ).toBe(true);
    expect(creds.loginsRun).toEqual({ alpha: 1 });
    expect((await creds.peekToken(PROVIDER, 'alpha'))!.access_token).toBe('at-alpha-2');
  });

  it('a login that stores nothing fails the bucket with that reason', async () => {
    const { handler, creds } = setup({ alpha: { ...fresh(), held: null } });
    creds.authenticate = () => Promise.resolve({} as OAuthToken);
    expect(await handler.tryFailover({ interactive: true })).toBe(false);
    expect(handler.getLastFailoverDetails().alpha).toEqual({
      reason: 'reauth-failed',
      message: 'the login stored no token',
    });
  });

  it('a foreground login is bounded by the configured time limit', async () => {
    const { handler, clock } = setup({ alpha: { ...fresh(), held: null, login: 'hang' } }, 1_000);
    const call = handler.tryFailover({ interactive: true });
    await clock.advance(1_000);
    expect(await call).toBe(false);
    expect(clock.sleeps).toContain(1_000);
  });

  it('a session naming a bucket outside the profile means the first bucket', () => {
    const { handler, creds } = setup({ alpha: fresh(), beta: fresh() });
    creds.session = 'elsewhere';
    expect(handler.getCurrentBucket()).toBe('alpha');
    creds.session = 'beta';
    expect(handler.getCurrentBucket()).toBe('beta');
  });

  it('reset ignores a "needs login" mark and a mark ending right now', async () => {
    const { handler, creds, ledger, clock } = setup({ alpha: fresh(), beta: fresh() });
    await ledger.record(PROVIDER, 'alpha', {
      reason: 'expired-refresh-failed',
      source: 'until-login',
      until: START + HOUR_S * 1000,
    });
    await handler.refreshLedger();
    creds.session = 'beta';
    handler.reset();
    expect(creds.session).toBe('alpha');

    await ledger.record(PROVIDER, 'alpha', {
      reason: 'quota-exhausted',
      source: 'retry-after',
      until: START + 1_000,
    });
    await handler.refreshLedger();
    await clock.advance(1_000);
    creds.session = 'beta';
    handler.reset();
    expect(creds.session).toBe('alpha');
  });
});
