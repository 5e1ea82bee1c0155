// Guessed cooldowns (no reset stated by the provider): capped, and growing when a bucket is out
// again right after its guess ended, so a window that lasts hours costs a few requests, not one a minute.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '@baton/core';
import { CooldownLedger, DEFAULT_MAX_GUESS_MS } from './cooldown-ledger.js';

const HOUR = 3_600_000;
let root: string;
let ledger: CooldownLedger;
let clock: FakeClock;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'baton-ledger-guess-'));
  clock = new FakeClock();
  ledger = new CooldownLedger({
    file: path.join(root, 'cooldowns.json'),
    locksDir: path.join(root, 'locks'),
    clock,
  });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const guess = (escalate = true) => ({
  reason: 'quota-exhausted' as const,
  source: 'guess' as const,
  until: clock.now() + DEFAULT_MAX_GUESS_MS,
  ...(escalate ? { escalateUpToMs: HOUR } : {}),
});

describe('guessed cooldowns', () => {
  it('a repeat failure right after a guess ended doubles the guess, up to the cap', async () => {
    const lengths: number[] = [];
    for (let i = 0; i < 8; i++) {
      const entry = await ledger.record('p', 'b', guess());
      lengths.push(entry.until - clock.now());
      // The bucket is tried again as soon as the guess ends, and is still out.
      await clock.advance(entry.until - clock.now());
    }
    expect(lengths).toEqual([60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, HOUR, HOUR]);
  });

  it('a failure long after the previous guess ended starts again from the base guess', async () => {
    const first = await ledger.record('p', 'b', guess());
    await clock.advance(first.until - clock.now() + 2 * DEFAULT_MAX_GUESS_MS);
    const next = await ledger.record('p', 'b', guess());
    expect(next.until - clock.now()).toBe(DEFAULT_MAX_GUESS_MS);
  });

  it('without escalation, or after a stated reset, a guess stays at its base length', async () => {
    const first = await ledger.record('p', 'b', guess(false));
    await clock.advance(first.until - clock.now());
    expect((await ledger.record('p', 'b', guess(false))).until - clock.now()).toBe(60_000);
    const stated = await ledger.record('p', 'b', {
      reason: 'quota-exhausted',
      source: 'retry-after',
      until: clock.now() + 5_000,
    });
    await clock.advance(stated.until - clock.now());
    expect((await ledger.record('p', 'b', guess())).until - clock.now()).toBe(60_000);
  });

  it('an expired guess kept to grow from never reads as cooling', async () => {
    const entry = await ledger.record('p', 'b', guess());
    await clock.advance(entry.until - clock.now() + 1);
    await ledger.record('p', 'other', guess());
    expect(await ledger.isCooling('p', 'b')).toBe(false);
    expect((await ledger.list('p')).map((e) => e.bucket)).toEqual(['other']);
  });
});
