// Rows: faults during a session of the real manager and client: a token entry deleted behind
// baton's back between two requests, and the local clock ten minutes ahead of or behind the
// servers. The request is still served (by the other bucket where it must), no login starts, no
// token leaks, and the data dir stays 0600/0700.
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '@baton/core';
import { EncryptedFileTokenStore } from '../../src/auth/storage/encrypted-file-token-store.js';
import { OUT_OF_QUOTA, PROVIDER, accountOf, ask, startWorld, type World } from '../heart/world.js';
import { expectNoLeak, expectTightPermissions, secretsOf } from './checks.js';
import path from 'node:path';

const MINUTE_MS = 60_000;
let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const tokensOf = async (w: World) =>
  secretsOf(await w.store.get(PROVIDER, 'a'), await w.store.get(PROVIDER, 'b'));

describe('session faults', () => {
  it('a token entry deleted behind baton’s back mid-session', async () => {
    world = await startWorld();
    await world.loginBucket('a');
    await world.loginBucket('b');
    const secrets = await tokensOf(world);
    const client = world.client(['a', 'b']);
    expect(await ask(client, 'first')).toBe('first');
    expect(world.served('a')).toBe(1);

    // Another process (a second store on the same dir) deletes bucket a's entry.
    const other = new EncryptedFileTokenStore({ dir: path.join(world.dir, 'tokens') });
    await other.remove(PROVIDER, 'a');

    expect(await ask(client, 'second')).toBe('second');
    expect(world.served('b')).toBe(1);
    expect(world.switches.map((s) => [s.from, s.to, s.reason])).toEqual([['a', 'b', 'no-token']]);
    expect(world.logins).toEqual([]);
    expect(await world.store.get(PROVIDER, 'a')).toBeNull();
    expectNoLeak([...world.log, JSON.stringify(world.switches)], secrets);
    await expectTightPermissions(world.dir);
  });

  it.each([
    ['ahead of', 10 * MINUTE_MS],
    ['behind', -10 * MINUTE_MS],
  ])('the local clock ten minutes %s the servers', async (_label, offsetMs) => {
    const skewed: Clock = {
      now: () => systemClock.now() + offsetMs,
      sleep: (ms, signal) => systemClock.sleep(ms, signal),
    };
    world = await startWorld({ clock: skewed, quotas: { [accountOf('a')]: OUT_OF_QUOTA } });
    await world.loginBucket('a');
    await world.loginBucket('b');
    world.server.resetCounters();
    const secrets = await tokensOf(world);
    const client = world.client(['a', 'b']);
    expect(await ask(client, 'skewed')).toBe('skewed');
    expect(world.served('b')).toBe(1);
    // The world's login stamped expiry with the system clock: ten minutes ahead, the 300 s tokens
    // look expired and each bucket is refreshed once (now stamped with the skewed clock); behind,
    // none is. Either way no refresh loop: the next request refreshes nothing.
    const refreshes = world.server.counters.byGrantType.refresh_token ?? 0;
    expect(refreshes).toBe(offsetMs > 0 ? 2 : 0);
    await client.newTurn();
    expect(await ask(client, 'again')).toBe('again');
    expect(world.server.counters.byGrantType.refresh_token ?? 0).toBe(refreshes);
    // The cooldown counts the relative Retry-After on the local clock, skew or not.
    const entry = await world.ledger.get(PROVIDER, 'a');
    expect(entry).toBeDefined();
    const left = entry!.until - skewed.now();
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(60_000);
    expectNoLeak(
      [...world.log, JSON.stringify(world.switches)],
      [...secrets, ...(await tokensOf(world))],
    );
    await expectTightPermissions(world.dir);
  });
});
