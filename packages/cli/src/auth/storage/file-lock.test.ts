// FileLock within one process (two descriptors conflict like two processes do), on a fake clock:
// backoff, give-up message, abort, the holder record and refusing a planted symlink.
import { mkdtemp, readFile, readdir, rm, symlink, writeFile, mkdir, stat } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { FakeClock, isAbortError } from '@baton/core';
import { driveSleeps } from '../../../test/fixtures/drive-sleeps.js';
import {
  FileLock,
  LOCK_DEFAULTS,
  LockTimeoutError,
  lockBackoffDelay,
  type LockRecord,
} from './file-lock.js';

let dir: string;
beforeEach(async () => {
  dir = path.join(await mkdtemp(path.join(tmpdir(), 'baton-lock-')), 'locks');
});
afterEach(async () => {
  await rm(path.dirname(dir), { recursive: true, force: true });
});

const KEY = 'anthropic:work';
const noJitter = (): number => 0.5;
const lockFile = (): string => path.join(dir, 'anthropic~work.lock');

async function lockRecord(): Promise<LockRecord | undefined> {
  const text = await readFile(lockFile(), 'utf8').catch(() => '');
  return text === '' ? undefined : (JSON.parse(text) as LockRecord);
}

/**
 * @plan PLAN-20260223-ISSUE1598.P09
 * @requirement REQ-1598-LK02
 */
describe('lockBackoffDelay', () => {
  test.prop([
    fc.integer({ min: 0, max: 40 }),
    fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  ])('doubles from 100 ms to 1 s with at most 10% jitter', (attempt, r) => {
    const base = Math.min(100 * 2 ** attempt, 1000);
    const delay = lockBackoffDelay(attempt, () => r);
    expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.9));
    expect(delay).toBeLessThanOrEqual(Math.ceil(base * 1.1));
  });

  it('is exact without jitter', () => {
    expect([0, 1, 2, 3, 4, 10].map((a) => lockBackoffDelay(a, noJitter))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });
});

describe('FileLock (one process, fake clock)', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P09
   * @requirement REQ-1598-LK02
   */
  it('a waiter behind a holder backs off, then gives up after 10 s naming P/B and the holder pid', async () => {
    const clock = new FakeClock();
    const lock = new FileLock({ dir, clock, random: noJitter });
    const held = await lock.acquire(KEY);
    const error = await driveSleeps(
      clock,
      lock.acquire(KEY).catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as Error).message).toBe(
      `another baton process is refreshing anthropic/work (pid ${process.pid} on ${os.hostname()}); gave up after 10 s - try again when it has finished`,
    );
    expect(clock.sleeps).toEqual([
      100, 200, 400, 800, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 500,
    ]);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(LOCK_DEFAULTS.waitMs);
    expect(await lockRecord()).toMatchObject({ pid: process.pid, hostname: os.hostname() });
    await held.release();
    expect(await lockRecord()).toBeUndefined(); // no record without a holder
  });

  it('says what the holder is doing and honours a per-call wait', async () => {
    const clock = new FakeClock();
    const lock = new FileLock({ dir, clock, random: noJitter, verb: 'logging in to' });
    await lock.acquire(KEY);
    const error = (await driveSleeps(
      clock,
      lock.acquire(KEY, { waitMs: 250 }).catch((e: unknown) => e),
    )) as LockTimeoutError;
    expect(error.message).toContain('another baton process is logging in to anthropic/work');
    expect(error.waitedMs).toBe(250);
    expect(clock.sleeps).toEqual([100, 150]);
  });

  it('a waiter gets the lock once the holder releases it', async () => {
    const clock = new FakeClock();
    const lock = new FileLock({ dir, clock, random: noJitter });
    const held = await lock.acquire(KEY);
    const order: string[] = [];
    const waiting = lock.withLock(KEY, () => order.push('waiter ran'));
    await clock.advance(700);
    order.push('releasing');
    await held.release();
    await driveSleeps(clock, waiting);
    expect(order).toEqual(['releasing', 'waiter ran']);
    expect(await lockRecord()).toBeUndefined();
  });

  it('stops waiting when aborted, leaving the holder alone', async () => {
    const clock = new FakeClock();
    const lock = new FileLock({ dir, clock, random: noJitter });
    const held = await lock.acquire(KEY);
    const controller = new AbortController();
    const waiting = lock.acquire(KEY, { signal: controller.signal }).catch((e: unknown) => e);
    await clock.advance(300);
    controller.abort();
    expect(isAbortError(await waiting)).toBe(true);
    const again = await lock.acquire(KEY, { waitMs: 0 }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(LockTimeoutError); // still held
    await held.release();
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P09
   * @requirement REQ-1598-LK05
   */
  it('ignores whatever an old lock file says: no record, a corrupt one or a dead pid never block', async () => {
    await mkdir(dir, { recursive: true });
    const lock = new FileLock({ dir, clock: new FakeClock(), random: noJitter });
    for (const content of [
      '{"pid": 12',
      JSON.stringify({ pid: 999_999, hostname: 'x', startedAt: 1 }),
    ]) {
      await writeFile(lockFile(), content);
      const handle = await lock.acquire(KEY, { waitMs: 0 });
      expect(await lockRecord()).toMatchObject({ pid: process.pid });
      await handle.release();
    }
  });

  it('keeps the lock file (0600) after release and withLock releases on failure', async () => {
    const lock = new FileLock({ dir, clock: new FakeClock(), random: noJitter });
    await expect(lock.withLock(KEY, () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    expect(await readdir(dir)).toEqual(['anthropic~work.lock']);
    if (process.platform !== 'win32') expect((await stat(lockFile())).mode & 0o777).toBe(0o600);
    const handle = await lock.acquire(KEY, { waitMs: 0 });
    await handle.release();
    await handle.release(); // twice is harmless
    expect(() => lock.lockPath('../escape')).toThrow(RangeError);
    expect(() => lock.lockPath('..')).toThrow(RangeError);
  });

  it.skipIf(process.platform === 'win32')(
    'refuses a symlink planted at the lock path',
    async () => {
      await mkdir(dir, { recursive: true });
      const target = path.join(path.dirname(dir), 'elsewhere');
      await writeFile(target, 'do not touch');
      await symlink(target, lockFile());
      const lock = new FileLock({ dir, clock: new FakeClock(), random: noJitter });
      await expect(lock.acquire(KEY, { waitMs: 0 })).rejects.toMatchObject({ code: 'ELOOP' });
      expect(await readFile(target, 'utf8')).toBe('do not touch');
    },
  );
});
