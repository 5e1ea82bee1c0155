// Many requests failing at once share one failover; an aborted failover changes nothing; a full
// failover run with debug logging never shows a token. All against the real server and emulator.
import { afterEach, describe, expect, it } from 'vitest';
import { AllBucketsExhaustedError, isAbortError } from '@baton/core';
import { accountOf, ask, OUT_OF_QUOTA, PROVIDER, startWorld, type World } from './world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const waitFor = async (condition: () => boolean, what: string, ms = 10_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('concurrency', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-FL05
   */
  it('100 concurrent requests get 429 on a → one classification, one switch, all 100 served by b, no token-endpoint call', async () => {
    world = await startWorld({ quotas: { [accountOf('a')]: OUT_OF_QUOTA } });
    const w = world;
    await w.loginBucket('a');
    await w.loginBucket('b');
    w.server.resetCounters();
    const client = w.client(['a', 'b']);
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => ask(client, `request ${i}`)),
    );
    const elapsedMs = performance.now() - started;
    expect(answers).toEqual(Array.from({ length: 100 }, (_, i) => `request ${i}`));
    expect(w.served('b')).toBe(100);
    expect(w.served('a')).toBe(0);
    expect(w.switches).toHaveLength(1);
    expect(w.log.filter((line) => line.includes('switched from a to b'))).toHaveLength(1);
    expect(w.server.counters.total).toBe(0);
    const cooling = await w.ledger.list(PROVIDER);
    expect(cooling.map((c) => [c.bucket, c.reason])).toEqual([['a', 'quota-exhausted']]);
    console.log(
      `concurrency: 100 requests, ${w.emulator.counters.byAccount[accountOf('a')]?.byStatus[429]} × 429 on a, ` +
        `${w.switches.length} switch, ${w.server.counters.total} token-endpoint calls, all served by b in ${Math.round(elapsedMs)} ms`,
    );
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P16
 * @requirement REQ-1598-SM04
 */
describe('abort', () => {
  it('aborting during the pass-3 login changes nothing, and the login never lands in any bucket', async () => {
    world = await startWorld({ quotas: { [accountOf('a')]: OUT_OF_QUOTA }, loginMode: 'hang' });
    const w = world;
    await w.loginBucket('a');
    const client = w.client(['a', 'b'], { interactive: true });
    const controller = new AbortController();
    const request = ask(client, 'never', controller.signal);
    request.catch(() => undefined);
    await waitFor(() => w.pendingCodes.length === 1, 'the login to start');
    expect(w.logins).toEqual(['b']);
    controller.abort();
    const error = await request.catch((e: unknown) => e);
    const polls = (): number =>
      w.server.counters.byGrantType['urn:ietf:params:oauth:grant-type:device_code'] ?? 0;
    const pollsAtAbort = polls();
    expect(isAbortError(error)).toBe(true);
    // No switch, no reasons, no cooldown written for a (the draft was never committed).
    expect(client.currentBucket()).toBe('a');
    expect(client.handler.getLastFailoverReasons()).toEqual({});
    expect(await w.ledger.list(PROVIDER)).toEqual([]);
    // The person approves the abandoned code afterwards: nothing is stored anywhere.
    await w.server.approveDeviceCode(w.pendingCodes[0]!, { account: accountOf('b') });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await w.store.listBuckets(PROVIDER)).toEqual(['a']);
    // Nobody polls the abandoned code any more.
    expect(polls()).toBe(pollsAtAbort);
  });

  it('an already aborted signal rejects at once and changes nothing', async () => {
    world = await startWorld();
    const w = world;
    await w.loginBucket('a');
    const client = w.client(['a', 'b']);
    const controller = new AbortController();
    controller.abort();
    await expect(
      client.handler.tryFailover({ triggeringStatus: 429, signal: controller.signal }),
    ).rejects.toSatisfy(isAbortError);
    expect(client.currentBucket()).toBe('a');
    expect(await w.ledger.list(PROVIDER)).toEqual([]);
  });
});

describe('secrets', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P17
   * @requirement REQ-1598-SE01, REQ-1598-SE02
   */
  it('a full failover run (quota, refresh, revoked grant, login, exhausted error) never shows a token', async () => {
    world = await startWorld({
      quotas: { [accountOf('a')]: OUT_OF_QUOTA, [accountOf('c')]: OUT_OF_QUOTA },
    });
    const w = world;
    const secrets = new Set<string>();
    const collect = async (): Promise<void> => {
      for (const bucket of await w.store.listBuckets(PROVIDER)) {
        const token = await w.store.get(PROVIDER, bucket);
        if (token?.access_token) secrets.add(token.access_token);
        if (token?.refresh_token) secrets.add(token.refresh_token);
        if (typeof token?.id_token === 'string') secrets.add(token.id_token);
      }
    };
    for (const b of ['a', 'b', 'c']) await w.loginBucket(b);
    await collect();
    await w.expire('b');
    const client = w.client(['a', 'b', 'c', 'd'], { interactive: true });
    const output: string[] = [];
    await ask(client, 'first'); // a 429 → b expired → refreshed → serves
    await collect();
    w.server.revokeGrant(accountOf('b'));
    await w.expire('b');
    await client.newTurn();
    // b's grant is dead now: c is out too, so d gets a foreground login and serves.
    output.push(await ask(client, 'second'));
    await collect();
    w.emulator.setQuota(accountOf('d'), OUT_OF_QUOTA);
    // Without a person there, b (dead grant) cannot be logged in again: every bucket is out.
    const unattended = w.client(['a', 'b', 'c', 'd']);
    await unattended.newTurn();
    const error = await ask(unattended, 'third').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AllBucketsExhaustedError);
    output.push(
      String(error),
      JSON.stringify(error),
      JSON.stringify(await w.manager.status(PROVIDER)),
      JSON.stringify(w.switches),
      ...w.log,
    );
    expect(w.logins).toEqual(['d']);
    expect((error as AllBucketsExhaustedError).bucketFailureReasons).toEqual({
      a: 'quota-exhausted',
      b: 'expired-refresh-failed',
      c: 'quota-exhausted',
      d: 'quota-exhausted',
    });
    expect(secrets.size).toBeGreaterThanOrEqual(8);
    const everything = output.join('\n');
    expect(everything.length).toBeGreaterThan(500);
    for (const secret of secrets) expect(everything).not.toContain(secret);
    // Redacted forms do appear in the debug log, so the log was really on.
    expect(w.log.some((line) => /…\(len \d+\)/.test(line))).toBe(true);
  });
});
