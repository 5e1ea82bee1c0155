// Cross-process lock per provider:bucket (BEHAVIOR.md §3): the operating system's advisory lock on a
// lock file in the data dir. The kernel drops it when the holder dies, so there is no staleness
// guess and no takeover; waiters retry with backoff and give up after the wait limit, naming P/B.
import { constants as fsConstants, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import {
  parseTokenKey,
  systemClock,
  systemRandom,
  throwIfAborted,
  type Clock,
  type RandomSource,
} from '@baton/core';
import { PRIVATE_FILE_MODE, ensurePrivateDir } from '../../util/atomic-write.js';
import { loadNativeLock, LOCK_RANGE } from './native-lock.js';

export const LOCK_DEFAULTS = {
  /** Give up waiting after this long. */
  waitMs: 10_000,
  /** First retry delay; doubles up to maxDelayMs. */
  initialDelayMs: 100,
  maxDelayMs: 1_000,
  /** Each delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  jitterRatio: 0.1,
} as const;

export interface LockBackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  jitterRatio: number;
}

/**
 * The wait before retry number `attempt` (0-based): doubling from the initial delay, capped, jittered.
 * @plan PLAN-20260223-ISSUE1598.P09
 * @requirement REQ-1598-LK02
 */
export function lockBackoffDelay(
  attempt: number,
  random: RandomSource,
  options: LockBackoffOptions = LOCK_DEFAULTS,
): number {
  const base = Math.min(options.initialDelayMs * 2 ** Math.max(0, attempt), options.maxDelayMs);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.max(0, Math.round(base * (1 - options.jitterRatio + 2 * options.jitterRatio * r)));
}

/** Written into the lock file by its holder; read only to name the holder in messages. */
export const LockRecordSchema = z.object({
  pid: z.number().int(),
  hostname: z.string(),
  startedAt: z.number(),
});
export type LockRecord = z.output<typeof LockRecordSchema>;

/** Gave up waiting for the holder. */
export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
  readonly code = 'LOCK_TIMEOUT' as const;
  constructor(
    readonly key: string,
    readonly waitedMs: number,
    readonly owner: Pick<LockRecord, 'pid' | 'hostname'> | undefined,
    verb: string,
  ) {
    const parsed = parseTokenKey(key);
    const what = parsed ? `${parsed.provider}/${parsed.bucket}` : key;
    const by = owner ? ` (pid ${owner.pid} on ${owner.hostname})` : '';
    super(
      `another baton process is ${verb} ${what}${by}; gave up after ${Math.round(waitedMs / 1000)} s - try again when it has finished`,
    );
  }
}

export interface FileLockOptions {
  /** Directory of the lock files (normally `<dataDir>/locks`; must be on a local file system). */
  dir: string;
  clock?: Clock;
  random?: RandomSource;
  hostname?: string;
  waitMs?: number;
  /** What the holder is doing, for the give-up message ("refreshing", "logging in to"). */
  verb?: string;
  backoff?: Partial<LockBackoffOptions>;
}

export interface AcquireOptions {
  signal?: AbortSignal;
  waitMs?: number;
  verb?: string;
}

export interface LockHandle {
  readonly key: string;
  release(): Promise<void>;
}

const KEY_PATTERN = /^[A-Za-z0-9._@:-]{1,160}$/;
/** Never follow a symlink planted at a lock path (0 where the platform has no such flag). */
const OPEN_FLAGS = fsConstants.O_RDWR | fsConstants.O_CREAT | (fsConstants.O_NOFOLLOW ?? 0);

/**
 * @plan PLAN-20260223-ISSUE1598.P09
 * @requirement REQ-1598-LK01, REQ-1598-LK02, REQ-1598-LK05
 */
export class FileLock {
  private readonly dir: string;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly hostname: string;
  private readonly waitMs: number;
  private readonly verb: string;
  private readonly backoff: LockBackoffOptions;

  constructor(options: FileLockOptions) {
    this.dir = options.dir;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
    this.hostname = options.hostname ?? os.hostname();
    this.waitMs = options.waitMs ?? LOCK_DEFAULTS.waitMs;
    this.verb = options.verb ?? 'refreshing';
    this.backoff = { ...LOCK_DEFAULTS, ...options.backoff };
  }

  /** The lock file for a key (`provider:bucket` → `provider~bucket.lock`). */
  lockPath(key: string): string {
    if (!KEY_PATTERN.test(key) || /^\.+$/.test(key))
      throw new RangeError(`invalid lock key ${JSON.stringify(key)}`);
    return path.join(this.dir, `${key.replace(/:/g, '~')}.lock`);
  }

  async withLock<T>(
    key: string,
    fn: () => Promise<T> | T,
    options: AcquireOptions = {},
  ): Promise<T> {
    const handle = await this.acquire(key, options);
    try {
      return await fn();
    } finally {
      await handle.release();
    }
  }

  async acquire(key: string, options: AcquireOptions = {}): Promise<LockHandle> {
    const file = this.lockPath(key);
    const waitMs = options.waitMs ?? this.waitMs;
    const started = this.clock.now();
    throwIfAborted(options.signal);
    const native = loadNativeLock();
    await ensurePrivateDir(this.dir);
    // The file is never deleted: a waiter holding a descriptor of an unlinked file would lock an
    // inode nobody else sees. One descriptor per attempt; the kernel lock belongs to it.
    const handle = await fs.open(file, OPEN_FLAGS, PRIVATE_FILE_MODE);
    try {
      let attempt = 0;
      for (;;) {
        throwIfAborted(options.signal);
        if (native.tryLock(handle.fd, LOCK_RANGE.offset, LOCK_RANGE.length)) {
          await this.writeRecord(handle);
          return this.handle(key, handle);
        }
        const waited = this.clock.now() - started;
        if (waited >= waitMs) {
          throw new LockTimeoutError(
            key,
            waited,
            await readRecord(handle),
            options.verb ?? this.verb,
          );
        }
        const delay = Math.min(
          lockBackoffDelay(attempt++, this.random, this.backoff),
          waitMs - waited,
        );
        await this.clock.sleep(delay, options.signal);
      }
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  private async writeRecord(handle: fs.FileHandle): Promise<void> {
    const record: LockRecord = {
      pid: process.pid,
      hostname: this.hostname,
      startedAt: this.clock.now(),
    };
    await handle.truncate(0);
    // Stryker disable next-line StringLiteral: node writes a string as UTF-8 whatever encoding name it is given here
    await handle.write(JSON.stringify(record), 0, 'utf8');
  }

  private handle(key: string, handle: fs.FileHandle): LockHandle {
    let released = false;
    return {
      key,
      release: async () => {
        if (released) return;
        released = true;
        try {
          await handle.truncate(0); // the record names a holder only while there is one
          loadNativeLock().unlock(handle.fd, LOCK_RANGE.offset, LOCK_RANGE.length);
        } finally {
          await handle.close(); // closing drops the lock in any case
        }
      },
    };
  }
}

/** The holder's record, for the message only; absent while it is being written or unreadable. */
async function readRecord(handle: fs.FileHandle): Promise<LockRecord | undefined> {
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(1024), 0, 1024, 0);
    const parsed = LockRecordSchema.safeParse(JSON.parse(buffer.subarray(0, bytesRead).toString()));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
