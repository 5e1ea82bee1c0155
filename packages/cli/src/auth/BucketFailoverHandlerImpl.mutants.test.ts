// What the model test does not look at: the handler's log lines, its copies of state, the remedy
// text of a store outage, the switch event and the paths where the ledger or session write fails.
// Written against Stryker's survivors; in-memory doubles only (test/failover-world.ts).
import { describe, expect, it } from 'vitest';
import { FakeClock, TokenStoreError } from '@baton/core';
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

function setup(world: World, extra: { ledger?: MemoryLedger } = {}) {
  const clock = new FakeClock(START);
  const ledger = extra.ledger ?? new MemoryLedger(clock);
  const creds = new ModelCredentials(world, clock, ledger);
  const lines: string[] = [];
  const switches: FailoverSwitchEvent[] = [];
  const handler = new BucketFailoverHandlerImpl({
    manager: creds,
    ledger,
    provider: PROVIDER,
    profile: { name: PROFILE, buckets: Object.keys(world) },
    clock,
    log: (line) => lines.push(line),
    onSwitch: (event) => switches.push(event),
  });
  return { clock, ledger, creds, lines, switches, handler };
}

describe('BucketFailoverHandlerImpl, beyond the model', () => {
  it('refuses a profile without buckets, naming why', () => {
    const clock = new FakeClock(START);
    const ledger = new MemoryLedger(clock);
    expect(
      () =>
        new BucketFailoverHandlerImpl({
          manager: new ModelCredentials({}, clock, ledger),
          ledger,
          provider: PROVIDER,
          profile: { name: PROFILE, buckets: [] },
        }),
    ).toThrow(new RangeError('a profile needs at least one bucket'));
  });

  it('hands out copies of its bucket list and failure details', async () => {
    const { handler } = setup({ alpha: fresh(), beta: fresh() });
    const buckets = handler.getBuckets();
    buckets.push('intruder');
    expect(handler.getBuckets()).toEqual(['alpha', 'beta']);
    expect(handler.isEnabled()).toBe(true);

    await handler.tryFailover({ trigger: 'quota', triggeringStatus: 429 });
    const details = handler.getLastFailoverDetails();
    details.alpha!.reason = 'skipped';
    expect(handler.getLastFailoverDetails().alpha!.reason).toBe('quota-exhausted');
  });

  it('logs the switch with its reason and reports it with the stated reset', async () => {
    const { handler, lines, switches } = setup({ alpha: fresh(), beta: fresh() });
    const retryAt = START + 120_000;
    expect(await handler.tryFailover({ trigger: 'quota', triggeringStatus: 429, retryAt })).toBe(
      true,
    );
    expect(lines).toContain(`${PROVIDER}: switched from alpha to beta (quota-exhausted)`);
    expect(switches).toEqual([
      {
        provider: PROVIDER,
        from: 'alpha',
        to: 'beta',
        reason: 'quota-exhausted',
        retryAt,
        via: 'usable',
      },
    ]);
  });

  it('a call for a bucket already left is retried at once, and says so', async () => {
    const { handler, lines, creds } = setup({ alpha: fresh(), beta: fresh() });
    creds.session = 'beta';
    expect(await handler.tryFailover({ failedBucket: 'alpha', trigger: 'server' })).toBe(true);
    expect(lines).toEqual([`${PROVIDER}: alpha already left for beta; retrying there`]);
    expect(handler.getLastFailoverReasons()).toEqual({});
  });

  it('a store outage is reported with its remedy, first letter lowered and final stop dropped', async () => {
    const { handler, lines } = setup({ alpha: fresh(), beta: { ...fresh(), store: 'LOCKED' } });
    await handler.tryFailover({ trigger: 'quota', triggeringStatus: 429 });
    const remedy = new TokenStoreError('LOCKED', 'x').remediation;
    const detail = handler.getLastFailoverDetails().beta!;
    expect(detail.reason).toBe('no-token');
    expect(detail.action).toBe(remedy[0]!.toLowerCase() + remedy.slice(1).replace(/\.$/, ''));
    expect(detail.action!.endsWith('.')).toBe(false);
    expect(lines).toContain(`${PROVIDER}/beta: store read failed: the store for beta: LOCKED`);
  });

  it('a foreground login is announced in the log', async () => {
    const { handler, lines } = setup({ alpha: { ...fresh(), held: null } });
    expect(await handler.tryFailover({ trigger: 'auth', interactive: true })).toBe(true);
    expect(lines).toContain(`${PROVIDER}: logging in alpha in the foreground`);
    expect(lines).toContain(`${PROVIDER}: switched from alpha to alpha (no-token)`);
  });

  it('an unreadable ledger is logged and treated as empty', async () => {
    const clock = new FakeClock(START);
    const ledger = new MemoryLedger(clock);
    await ledger.record(PROVIDER, 'alpha', {
      reason: 'quota-exhausted',
      source: 'retry-after',
      until: START + 60_000,
    });
    ledger.list = () => Promise.reject(new Error('ledger file is garbage'));
    const { handler, lines, creds } = setup({ alpha: fresh(), beta: fresh() }, { ledger });
    await handler.refreshLedger();
    handler.reset();
    expect(creds.session).toBe('alpha');
    expect(lines).toEqual([
      'cooldown ledger unreadable, treating every bucket as available: Error: ledger file is garbage',
    ]);
  });

  it('reset skips a bucket still cooling, and a success clears its cooldown with a log line', async () => {
    const { handler, lines, creds, ledger, clock } = setup({ alpha: fresh(), beta: fresh() });
    await handler.tryFailover({
      trigger: 'quota',
      triggeringStatus: 429,
      retryAt: START + 600_000,
    });
    handler.reset();
    expect(creds.session).toBe('beta');

    lines.length = 0;
    await handler.bucketSucceeded('beta'); // no cooldown: nothing to clear, nothing said
    expect(lines).toEqual([]);
    await handler.bucketSucceeded('alpha');
    expect(await ledger.get(PROVIDER, 'alpha')).toBeUndefined();
    expect(lines).toEqual([`${PROVIDER}/alpha served again: its cooldown is cleared`]);
    handler.reset();
    expect(creds.session).toBe('alpha');
    expect(clock.now()).toBe(START);
  });

  it('a cooldown the ledger cannot record and a session it cannot set are logged, not thrown', async () => {
    const { handler, lines, ledger, creds } = setup({ alpha: fresh(), beta: fresh() });
    ledger.record = () => Promise.reject(new Error('disk full'));
    creds.setSessionBucket = () => {
      throw new Error('session file is read-only');
    };
    expect(await handler.tryFailover({ trigger: 'quota', triggeringStatus: 429 })).toBe(true);
    expect(lines).toContain(`could not record the cooldown of ${PROVIDER}/alpha: disk full`);
    expect(lines).toContain('could not set the session bucket: session file is read-only');
  });

  it('a guessed cooldown reports the time the ledger keeps, also for the next call', async () => {
    const { handler } = setup({ alpha: fresh(), beta: fresh() });
    await handler.tryFailover({ trigger: 'quota', triggeringStatus: 429 });
    // The in-memory ledger caps a guess at 60 s, as the real one does by default.
    expect(handler.getLastFailoverDetails().alpha!.retryAt).toBe(START + 60_000);
  });
});
