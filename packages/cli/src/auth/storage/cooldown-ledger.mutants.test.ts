// What the ledger's main tests leave open: the lock it writes under (its name in a give-up message,
// the wait and randomness it is given, abort), the edges of a growing guess and of pruning, a file
// that cannot be read, and the warning text. Written against Stryker's survivors; fake clock.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, isAbortError } from '@baton/core';
import { CooldownLedger, LEDGER_LOCK_KEY, type LedgerWarning } from './cooldown-ledger.js';
import { FileLock, LockTimeoutError } from './file-lock.js';

const HOUR = 3_600_000;
let root: string;
let file: string;
let locksDir: string;
let clock: FakeClock;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'baton-ledger-mut-'));
  file = path.join(root, 'cooldowns.json');
  locksDir = path.join(root, 'locks');
  clock = new FakeClock();
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const guess = (until: number) => ({
  reason: 'quota-exhausted' as const,
  source: 'guess' as const,
  until,
  escalateUpToMs: HOUR,
});

describe('the ledger lock', () => {
  it('a writer behind another holder gives up after lockWaitMs, saying the ledger is being updated', async () => {
    const ledger = new CooldownLedger({ file, locksDir, clock, lockWaitMs: 0 });
    const held = await new FileLock({ dir: locksDir, clock }).acquire(LEDGER_LOCK_KEY);
    const error = await ledger
      .record('p', 'b', { reason: 'quota-exhausted', source: 'retry-after', until: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as LockTimeoutError).waitedMs).toBe(0);
    expect((error as Error).message).toContain(
      `another baton process is updating ${LEDGER_LOCK_KEY}`,
    );
    await held.release();
  });

  it('backs off with the randomness it was given', async () => {
    const ledger = new CooldownLedger({ file, locksDir, clock, random: () => 0 });
    const held = await new FileLock({ dir: locksDir, clock }).acquire(LEDGER_LOCK_KEY);
    const controller = new AbortController();
    const pending = ledger.clear('p', 'b', controller.signal).catch((e: unknown) => e);
    while (clock.pendingSleepers === 0) await new Promise((r) => setTimeout(r, 2));
    // The first 100 ms backoff less its full 10 % jitter, as random 0 asks.
    expect(clock.sleeps).toEqual([90]);
    controller.abort();
    expect(isAbortError(await pending)).toBe(true);
    await held.release();
  });

  it('a writer aborted before it starts writes nothing', async () => {
    const ledger = new CooldownLedger({ file, locksDir, clock });
    const error = await ledger
      .record(
        'p',
        'b',
        { reason: 'quota-exhausted', source: 'retry-after', until: clock.now() + 1000 },
        AbortSignal.abort(),
      )
      .catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect(await ledger.list()).toEqual([]);
  });
});

describe('guesses at their edges', () => {
  it('a repeat failure exactly one guess-length after the guess ended still doubles it', async () => {
    const ledger = new CooldownLedger({ file, locksDir, clock });
    const first = await ledger.record('p', 'b', guess(clock.now() + 60_000));
    await clock.advance(first.until - clock.now() + 60_000);
    const next = await ledger.record('p', 'b', guess(clock.now() + 60_000));
    expect(next.until - clock.now()).toBe(120_000);
    expect(next.guessMs).toBe(120_000);
  });

  it('one millisecond later the old guess is pruned and the next starts from the base', async () => {
    const ledger = new CooldownLedger({ file, locksDir, clock });
    const first = await ledger.record('p', 'b', guess(clock.now() + 60_000));
    await clock.advance(first.until - clock.now() + 60_001);
    expect(await ledger.prune()).toBe(1);
    const next = await ledger.record('p', 'b', guess(clock.now() + 60_000));
    expect(next.until - clock.now()).toBe(60_000);
  });

  it('a guess whose end has passed is stored as ending now, without a length to grow from', async () => {
    const ledger = new CooldownLedger({ file, locksDir, clock });
    const entry = await ledger.record('p', 'b', guess(clock.now() - 5));
    expect(entry).toEqual({
      reason: 'quota-exhausted',
      source: 'guess',
      until: clock.now(),
      recordedAt: clock.now(),
    });
    const next = await ledger.record('p', 'b', guess(clock.now() + 60_000));
    expect(next.until - clock.now()).toBe(60_000);
  });
});

describe('reading', () => {
  const watched = () => {
    const warnings: LedgerWarning[] = [];
    const ledger = new CooldownLedger({
      file,
      locksDir,
      clock,
      onWarning: (w) => warnings.push(w),
    });
    return { ledger, warnings };
  };

  it('a ledger path that cannot be read throws instead of reading as empty or being moved', async () => {
    await mkdir(file);
    const { ledger, warnings } = watched();
    await expect(ledger.get('p', 'b')).rejects.toMatchObject({ kind: 'io' });
    await expect(ledger.prune()).rejects.toMatchObject({ kind: 'io' });
    expect(warnings).toEqual([]);
  });

  it('names the dropped entry and the file in its warning', async () => {
    await writeFile(file, JSON.stringify({ version: 1, entries: { 'p:b': { until: 'soon' } } }));
    const { ledger, warnings } = watched();
    await ledger.prune();
    expect(warnings).toEqual([
      {
        kind: 'invalid-entry-dropped',
        message: `dropped an invalid cooldown entry "p:b" from ${file}`,
        file,
      },
    ]);
  });

  it('list refuses an invalid provider name', async () => {
    const ledger = new CooldownLedger({ file, locksDir, clock });
    await expect(ledger.list('not a provider!')).rejects.toThrow();
  });
});
