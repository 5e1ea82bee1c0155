import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { FakeClock, isAbortError } from '@baton/core';
import { spawnFixture } from '../../../test/keyring-bus.js';
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

async function writeLock(record: Partial<LockRecord>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const full = {
    pid: process.pid,
    hostname: os.hostname(),
    startedAt: Date.now(),
    nonce: 'theirs',
    ...record,
  };
  await writeFile(path.join(dir, 'anthropic~work.lock'), JSON.stringify(full));
}

async function lockOwner(): Promise<LockRecord | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'anthropic~work.lock'), 'utf8')) as LockRecord;
  } catch {
    return undefined;
  }
}

/**
 * Settles `promise`, moving the fake clock only while the code under test is asleep on it (real
 * file I/O in between takes no fake time, unlike FakeClock.runUntilSettled's idle stepping).
 */
async function driveSleeps<T>(clock: FakeClock, promise: Promise<T>): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => (settled = true));
  while (!settled) {
    if (clock.pendingSleepers > 0) await clock.advance(clock.sleeps[clock.sleeps.length - 1] ?? 0);
    else await new Promise((r) => setTimeout(r, 2));
  }
  return tracked;
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await once(child, 'exit');
  return child.pid!;
}

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
  it('a waiter behind a live owner backs off, then gives up after 10 s naming provider and bucket', async () => {
    const clock = new FakeClock();
    const lock = new FileLock({ dir, clock, random: noJitter });
    const held = await lock.acquire(KEY);
    const error = await driveSleeps(
      clock,
      lock.acquire(KEY).catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as Error).message).toMatch(
      /^another baton process is refreshing anthropic\/work \(pid \d+/,
    );
    expect(clock.sleeps).toEqual([
      100, 200, 400, 800, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 500,
    ]);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(LOCK_DEFAULTS.waitMs);
    expect((await lockOwner())?.nonce).toBe(held.nonce); // never stolen
    await held.release();
    expect(await lockOwner()).toBeUndefined();
  });

  it('says what the owner is doing and honours a per-call wait', async () => {
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

  it('a waiter gets the lock once the owner releases it', async () => {
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
    expect(await lockOwner()).toBeUndefined();
  });

  it('stops waiting when aborted, leaving the owner alone', async () => {
    const clock = new FakeClock();
    const lock = new FileLock({ dir, clock, random: noJitter });
    const held = await lock.acquire(KEY);
    const controller = new AbortController();
    const waiting = lock.acquire(KEY, { signal: controller.signal }).catch((e: unknown) => e);
    await clock.advance(300);
    controller.abort();
    expect(isAbortError(await waiting)).toBe(true);
    expect((await lockOwner())?.nonce).toBe(held.nonce);
  });

  it('takes over at once from a dead pid, a recycled pid and a corrupt lock file', async () => {
    const lock = new FileLock({ dir, clock: new FakeClock(), random: noJitter });
    await writeLock({ pid: await deadPid() });
    const first = await lock.acquire(KEY);
    expect((await lockOwner())?.nonce).toBe(first.nonce);
    await first.release();

    if (process.platform === 'linux') {
      // Our own pid, but the record says its process started an hour before ours did.
      await writeLock({
        startedAt: Date.now() - 7_200_000,
        processStartMs: Date.now() - 7_200_000,
      });
      const second = await lock.acquire(KEY);
      expect((await lockOwner())?.nonce).toBe(second.nonce);
      await second.release();
    }

    await writeLock({});
    await writeFile(path.join(dir, 'anthropic~work.lock'), '{"pid": 12');
    const third = await lock.acquire(KEY);
    expect((await lockOwner())?.nonce).toBe(third.nonce);
    await third.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('honours a lock from another host until the 10-minute ceiling', async () => {
    const clock = new FakeClock();
    const lock = new FileLock({ dir, clock, random: noJitter });
    await writeLock({ hostname: 'elsewhere.example', pid: 1, startedAt: clock.now() - 60_000 });
    const error = await driveSleeps(
      clock,
      lock.acquire(KEY).catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as Error).message).toContain('on elsewhere.example');
    await writeLock({
      hostname: 'elsewhere.example',
      pid: 1,
      startedAt: clock.now() - LOCK_DEFAULTS.foreignHostCeilingMs,
    });
    const taken = await lock.acquire(KEY);
    expect((await lockOwner())?.nonce).toBe(taken.nonce);
  });

  it('release never removes a lock that is no longer ours, and withLock releases on failure', async () => {
    const lock = new FileLock({ dir, clock: new FakeClock(), random: noJitter });
    const handle = await lock.acquire(KEY);
    await writeLock({ nonce: 'someone-else' });
    await handle.release();
    expect((await lockOwner())?.nonce).toBe('someone-else');
    await rm(path.join(dir, 'anthropic~work.lock'));

    await expect(lock.withLock(KEY, () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    expect(await lockOwner()).toBeUndefined();
    expect(() => lock.lockPath('../escape')).toThrow(RangeError);
  });
});

function waitForLine(child: ChildProcessWithoutNullStreams, prefix: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const match = new RegExp(`^${prefix} (\\d+)$`, 'm').exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) =>
      reject(new Error(`child exited (${code}) before ${prefix}: ${out}`)),
    );
  });
}

describe('FileLock across real processes', { timeout: 90_000 }, () => {
  it('a holder killed with SIGKILL is taken over within 2 s', async () => {
    const holder = spawnFixture('lock-holder.ts', [dir, KEY, '600000'], process.env);
    await waitForLine(holder, 'ACQUIRED');
    const lock = new FileLock({ dir });
    const waiting = lock.acquire(KEY);
    await new Promise((r) => setTimeout(r, 500)); // the waiter is polling a live owner
    const killedAt = Date.now();
    holder.kill('SIGKILL');
    const handle = await waiting;
    expect(Date.now() - killedAt).toBeLessThan(2_000);
    expect((await lockOwner())?.pid).toBe(process.pid);
    await handle.release();
  });

  it('a live holder sleeping 5 s is waited for, never robbed; a short waiter gives up naming P/B', async () => {
    const holder = spawnFixture('lock-holder.ts', [dir, KEY, '5000'], process.env);
    const holderExit = once(holder, 'exit');
    const holderOut: string[] = [];
    holder.stdout.on('data', (c: Buffer) => holderOut.push(c.toString()));
    await waitForLine(holder, 'ACQUIRED');
    // Both waiters start while the child holds the lock (this test process is the other process).
    const started = Date.now();
    const patient = new FileLock({ dir, waitMs: 10_000 }).acquire(KEY).then(async (handle) => {
      const acquiredAt = Date.now();
      await handle.release();
      return acquiredAt;
    });
    const impatient = new FileLock({ dir, waitMs: 1_000 }).acquire(KEY).catch((e: unknown) => e);
    const gaveUp = await impatient;
    expect(gaveUp).toBeInstanceOf(LockTimeoutError);
    expect((gaveUp as Error).message).toContain(
      'another baton process is refreshing anthropic/work',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    const acquiredAt = await patient;
    await holderExit;
    const releasingAt = Number(/RELEASING (\d+)/.exec(holderOut.join(''))?.[1]);
    expect(acquiredAt).toBeGreaterThanOrEqual(releasingAt);
    expect(acquiredAt - started).toBeGreaterThanOrEqual(4_000);
  });
});
