// End to end through createResilientClient: real authorization server, real emulator over HTTP,
// real encrypted-file store and ledger. Asserts which bucket served, what is stored, the reasons.
import { afterEach, describe, expect, it } from 'vitest';
import { AllBucketsExhaustedError } from '@baton/core';
import { accountOf, ask, OUT_OF_QUOTA, PROVIDER, startWorld, type World } from './world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function setup(buckets: string[], quotas: Record<string, typeof OUT_OF_QUOTA> = {}) {
  world = await startWorld({
    quotas: Object.fromEntries(Object.entries(quotas).map(([b, rule]) => [accountOf(b), rule])),
  });
  for (const bucket of buckets) await world.loginBucket(bucket);
  world.server.resetCounters();
  return world;
}

describe('failover end to end', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-FL05
   */
  it('429 on a → b serves; a is cooling in the ledger until the reset the 429 stated', async () => {
    const w = await setup(['a', 'b'], { a: OUT_OF_QUOTA });
    const client = w.client(['a', 'b']);
    const before = Date.now();
    await expect(ask(client, 'hello there')).resolves.toBe('hello there');
    expect(w.served('a')).toBe(0);
    expect(w.served('b')).toBe(1);
    expect(client.currentBucket()).toBe('b');
    expect(client.handler.getLastFailoverReasons()).toEqual({ a: 'quota-exhausted' });
    const cooling = await w.ledger.get(PROVIDER, 'a');
    expect(cooling?.reason).toBe('quota-exhausted');
    expect(cooling?.source).toBe('retry-after');
    // The emulator's window is 60 s; its Retry-After is whole seconds.
    expect(cooling!.until).toBeGreaterThan(before + 55_000);
    expect(cooling!.until).toBeLessThanOrEqual(Date.now() + 61_000);
    expect(w.server.counters.total).toBe(0);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-FL04
   */
  it('429 on a, b expired → b is refreshed (one refresh grant) and serves', async () => {
    const w = await setup(['a', 'b'], { a: OUT_OF_QUOTA });
    const old = await w.store.get(PROVIDER, 'b');
    await w.expire('b');
    const client = w.client(['a', 'b']);
    await expect(ask(client, 'refresh me')).resolves.toBe('refresh me');
    expect(w.server.counters.byGrantType.refresh_token).toBe(1);
    const now = await w.store.get(PROVIDER, 'b');
    expect(now?.access_token).not.toBe(old?.access_token);
    expect(now!.expiry!).toBeGreaterThan(Date.now() / 1000);
    expect(w.served('b')).toBe(1);
    expect(w.switches.map((s) => [s.from, s.to, s.via])).toEqual([['a', 'b', 'refreshed']]);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P07
   * @plan PLAN-20260223-ISSUE1598.P16
   * @requirement REQ-1598-ER01, REQ-1598-ER07, REQ-1598-SM01
   */
  it('every bucket out of quota → AllBucketsExhaustedError with every reason and the earliest retry time', async () => {
    const w = await setup(['a', 'b', 'c'], { a: OUT_OF_QUOTA, b: OUT_OF_QUOTA, c: OUT_OF_QUOTA });
    const client = w.client(['a', 'b', 'c']);
    const error = (await ask(client, 'x').catch((e: unknown) => e)) as AllBucketsExhaustedError;
    expect(error).toBeInstanceOf(AllBucketsExhaustedError);
    expect(error.bucketFailureReasons).toEqual({
      a: 'quota-exhausted',
      b: 'quota-exhausted',
      c: 'quota-exhausted',
    });
    const retryAts = Object.values(error.details).map((d) => d.retryAt!);
    expect(retryAts.every((t) => t > Date.now() + 50_000)).toBe(true);
    expect(error.earliestRetryAt).toBe(Math.min(...retryAts));
    expect(error.message).toMatch(/^All 3 buckets for local are unavailable:/);
    expect(error.message).toContain('Next: wait until');
    // Each bucket was asked once: the ledger, not a request, said the others were out.
    for (const b of ['a', 'b', 'c']) {
      expect(w.emulator.counters.byAccount[accountOf(b)]?.byStatus[429]).toBe(1);
    }
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P13
   * @plan PLAN-20260223-ISSUE1598.P15
   * @requirement REQ-1598-FR05, REQ-1598-FR07
   */
  it('b has no token and the session is interactive → one login (approved) → b serves', async () => {
    const w = await setup(['a'], { a: OUT_OF_QUOTA });
    const client = w.client(['a', 'b'], { interactive: true });
    await expect(ask(client, 'log me in')).resolves.toBe('log me in');
    expect(w.logins).toEqual(['b']);
    expect(await w.store.listBuckets(PROVIDER)).toEqual(['a', 'b']);
    expect(w.served('b')).toBe(1);
    expect(w.switches.map((s) => [s.to, s.via])).toEqual([['b', 'login']]);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P15
   * @plan PLAN-20260223-ISSUE1598.P17
   * @requirement REQ-1598-FR01, REQ-1598-CLI02
   */
  it('non-interactive: no prompt; the error names the `baton auth login` to run', async () => {
    const w = await setup(['a'], { a: OUT_OF_QUOTA });
    const client = w.client(['a', 'b']);
    const error = (await ask(client, 'x').catch((e: unknown) => e)) as AllBucketsExhaustedError;
    expect(error).toBeInstanceOf(AllBucketsExhaustedError);
    expect(w.logins).toEqual([]);
    expect(error.bucketFailureReasons).toEqual({ a: 'quota-exhausted', b: 'no-token' });
    expect(error.message).toContain('run `baton auth login local --bucket b`');
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P15
   * @requirement REQ-1598-FL08
   */
  it('single bucket: expired → refreshed in place → serves; then 429 → exhausted error', async () => {
    const w = await setup(['solo']);
    await w.expire('solo');
    const client = w.client(['solo']);
    await expect(ask(client, 'one')).resolves.toBe('one');
    expect(w.server.counters.byGrantType.refresh_token).toBe(1);
    w.emulator.setQuota(accountOf('solo'), OUT_OF_QUOTA);
    const error = (await ask(client, 'two').catch((e: unknown) => e)) as AllBucketsExhaustedError;
    expect(error).toBeInstanceOf(AllBucketsExhaustedError);
    expect(error.bucketFailureReasons).toEqual({ solo: 'quota-exhausted' });
    expect(error.message).toMatch(/^The only bucket for local is unavailable:/);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P07
   * @plan PLAN-20260223-ISSUE1598.P15
   * @requirement REQ-1598-RO14, REQ-1598-FL07
   */
  it('a bucket that recovered serves again and its cooldown is gone', async () => {
    const w = await setup(['a', 'b'], { a: OUT_OF_QUOTA, b: OUT_OF_QUOTA });
    const client = w.client(['a', 'b']);
    await expect(ask(client, 'x')).rejects.toBeInstanceOf(AllBucketsExhaustedError);
    const aUntil = (await w.ledger.get(PROVIDER, 'a'))!.until;
    const bUntil = (await w.ledger.get(PROVIDER, 'b'))!.until;
    expect(aUntil).toBeLessThanOrEqual(bUntil);
    // a's provider window resets early (an operator raised the limit); the ledger still marks both.
    w.emulator.setQuota(accountOf('a'), undefined);
    await client.newTurn();
    // Every bucket is marked: the new turn starts on the one whose cooldown ends first.
    expect(client.currentBucket()).toBe('a');
    await expect(ask(client, 'back again')).resolves.toBe('back again');
    expect(await w.ledger.get(PROVIDER, 'a')).toBeUndefined();
    expect(await w.ledger.get(PROVIDER, 'b')).toBeDefined();
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P15
   * @requirement REQ-1598-FL07
   */
  it('a new turn starts from the first bucket the ledger does not mark, without re-probing a', async () => {
    const w = await setup(['a', 'b', 'c'], { a: OUT_OF_QUOTA });
    const client = w.client(['a', 'b', 'c']);
    await ask(client, 'first');
    await client.newTurn();
    expect(client.currentBucket()).toBe('b');
    await ask(client, 'second');
    expect(w.emulator.counters.byAccount[accountOf('a')]?.requests).toBe(1);
    expect(w.served('b')).toBe(2);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P07
   * @requirement REQ-1598-RO04
   */
  it('a stale 401 is force-refreshed once with the token that failed, then serves on the same bucket', async () => {
    const w = await setup(['a', 'b']);
    const before = await w.store.get(PROVIDER, 'a');
    w.emulator.failNext(1, { status: 401, account: accountOf('a'), message: 'token expired' });
    const client = w.client(['a', 'b']);
    await expect(ask(client, 'again')).resolves.toBe('again');
    expect(w.server.counters.byGrantType.refresh_token).toBe(1);
    expect((await w.store.get(PROVIDER, 'a'))?.access_token).not.toBe(before?.access_token);
    expect(w.served('a')).toBe(1);
    expect(w.served('b')).toBe(0);
  });
});
