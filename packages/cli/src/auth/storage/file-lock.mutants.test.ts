// What the lock's main tests leave open: backoff arithmetic at its clamps, which keys are accepted,
// the holder record (fields, a longer old file, an unreadable one), the options it is given and the
// descriptor it must not leak. Written against Stryker's survivors; fake clock, real lock files.
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '@baton/core';
import { FileLock, LockTimeoutError, lockBackoffDelay, type LockRecord } from './file-lock.js';

let dir: string;
beforeEach(async () => {
  dir = path.join(await mkdtemp(path.join(tmpdir(), 'baton-lock-mut-')), 'locks');
});
afterEach(async () => {
  await rm(path.dirname(dir), { recursive: true, force: true });
});

const KEY = 'anthropic:work';
const lockFile = (): string => path.join(dir, 'anthropic~work.lock');
const at = (r: number) => (): number => r;

async function giveUp(lock: FileLock, key = KEY): Promise<LockTimeoutError> {
  return (await lock.acquire(key, { waitMs: 0 }).catch((e: unknown) => e)) as LockTimeoutError;
}

describe('lockBackoffDelay at its clamps', () => {
  it('treats a negative attempt as the first and clamps the random factor to [0, 1]', () => {
    expect(lockBackoffDelay(-3, at(0.5))).toBe(100);
    expect(lockBackoffDelay(0, at(7))).toBe(110);
    expect(lockBackoffDelay(0, at(-7))).toBe(90);
  });

  it('never returns a negative wait, even with a jitter larger than the delay', () => {
    const wild = { initialDelayMs: 100, maxDelayMs: 1000, jitterRatio: 2 };
    expect(lockBackoffDelay(0, at(0), wild)).toBe(0);
    expect(lockBackoffDelay(0, at(1), wild)).toBe(300);
  });
});

describe('lock keys', () => {
  it('accepts provider:bucket keys up to 160 characters and maps every colon to ~', () => {
    const lock = new FileLock({ dir });
    expect(lock.lockPath('a:b:c')).toBe(path.join(dir, 'a~b~c.lock'));
    expect(lock.lockPath('A-Z_0.9@x')).toBe(path.join(dir, 'A-Z_0.9@x.lock'));
    expect(lock.lockPath('.hidden')).toBe(path.join(dir, '.hidden.lock'));
    expect(lock.lockPath('v1.')).toBe(path.join(dir, 'v1..lock'));
    expect(lock.lockPath('k'.repeat(160))).toBe(path.join(dir, `${'k'.repeat(160)}.lock`));
  });

  it('refuses empty, too long, dot-only and path-like keys', () => {
    const lock = new FileLock({ dir });
    for (const key of ['', 'k'.repeat(161), '.', '...', 'a/b', 'a b', 'x\\y', '/abs', 'end/']) {
      expect(() => lock.lockPath(key), JSON.stringify(key)).toThrow(
        new RangeError(`invalid lock key ${JSON.stringify(key)}`),
      );
    }
  });
});

describe('the holder record', () => {
  it('names pid, the given hostname and the clock time, replacing a longer old file', async () => {
    const clock = new FakeClock();
    const lock = new FileLock({ dir, clock, hostname: 'build-host' });
    await lock.withLock('warm-up', () => undefined);
    await writeFile(lockFile(), 'x'.repeat(2000));
    const handle = await lock.acquire(KEY);
    const record = JSON.parse(await readFile(lockFile(), 'utf8')) as LockRecord;
    expect(record).toEqual({ pid: process.pid, hostname: 'build-host', startedAt: clock.now() });
    await handle.release();
  });

  it('a give-up names the holder only when its record can be read', async () => {
    const lock = new FileLock({ dir, clock: new FakeClock(), hostname: 'build-host' });
    const held = await lock.acquire(KEY);
    const named = await giveUp(lock);
    expect(named).toMatchObject({
      name: 'LockTimeoutError',
      code: 'LOCK_TIMEOUT',
      key: KEY,
      waitedMs: 0,
      owner: { pid: process.pid, hostname: 'build-host' },
    });
    for (const content of ['', '{"pid": "not a number"}', 'not json']) {
      await writeFile(lockFile(), content);
      const error = await giveUp(lock);
      expect(error.owner).toBeUndefined();
      expect(error.message).toBe(
        'another baton process is refreshing anthropic/work; gave up after 0 s - try again when it has finished',
      );
    }
    await held.release();
  });

  it('a key that is not provider:bucket is named as it is', async () => {
    const lock = new FileLock({ dir, clock: new FakeClock(), verb: 'tidying' });
    const held = await lock.acquire('plain-key');
    expect((await giveUp(lock, 'plain-key')).message).toMatch(
      /^another baton process is tidying plain-key \(pid \d+ on .+\); gave up after 0 s/,
    );
    await held.release();
  });
});

describe('options and resources', () => {
  it('merges a partial backoff over the defaults', async () => {
    const clock = new FakeClock();
    const lock = new FileLock({ dir, clock, random: at(0.5), backoff: { initialDelayMs: 10 } });
    const held = await lock.acquire(KEY);
    const waiting = lock.acquire(KEY, { waitMs: 2000 }).catch((e: unknown) => e);
    while (clock.sleeps.length < 8) {
      if (clock.pendingSleepers > 0) await clock.advance(clock.sleeps.at(-1) ?? 0);
      else await new Promise((r) => setTimeout(r, 2));
    }
    expect(clock.sleeps).toEqual([10, 20, 40, 80, 160, 320, 640, 730]);
    await clock.advance(730);
    expect(await waiting).toBeInstanceOf(LockTimeoutError);
    await held.release();
  });

  it('creates its directory private (0700)', async () => {
    const handle = await new FileLock({ dir }).acquire(KEY);
    if (process.platform !== 'win32') expect((await stat(dir)).mode & 0o777).toBe(0o700);
    await handle.release();
  });

  it.runIf(process.platform === 'linux')(
    'a released holder and a waiter that gives up both close their descriptors',
    async () => {
      const lock = new FileLock({ dir, clock: new FakeClock() });
      const open = async (): Promise<number> => (await readdir('/proc/self/fd')).length;
      await lock.withLock(KEY, () => undefined);
      const before = await open();
      for (let i = 0; i < 5; i++) await lock.withLock(KEY, () => undefined);
      expect(await open()).toBe(before);
      const held = await lock.acquire(KEY);
      for (let i = 0; i < 5; i++) await giveUp(lock);
      await held.release();
      expect(await open()).toBe(before);
    },
  );
});
