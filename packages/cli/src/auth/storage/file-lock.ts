// Cross-process lock per provider:bucket (BEHAVIOR.md §3): a lock file holding its owner record,
// created atomically; waiters poll with backoff, take over only from a provably gone owner, and
// give up after the wait limit naming the provider and bucket.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
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
import { isOwnerGone, ownProcessStartMs } from './process-liveness.js';

export const LOCK_DEFAULTS = {
  /** Give up waiting after this long. */
  waitMs: 10_000,
  /** First poll delay; doubles up to maxDelayMs. */
  initialDelayMs: 100,
  maxDelayMs: 1_000,
  /** Each delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  jitterRatio: 0.1,
  /** A lock written on another host is honoured this long (its pid cannot be checked from here). */
  foreignHostCeilingMs: 10 * 60_000,
} as const;

export interface LockBackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  jitterRatio: number;
}

/** The wait before poll number `attempt` (0-based): doubling from the initial delay, capped, jittered. */
export function lockBackoffDelay(
  attempt: number,
  random: RandomSource,
  options: LockBackoffOptions = LOCK_DEFAULTS,
): number {
  const base = Math.min(options.initialDelayMs * 2 ** Math.max(0, attempt), options.maxDelayMs);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.max(0, Math.round(base * (1 - options.jitterRatio + 2 * options.jitterRatio * r)));
}

export const LockRecordSchema = z.object({
  pid: z.number().int(),
  hostname: z.string(),
  startedAt: z.number(),
  nonce: z.string().min(1),
  processStartMs: z.number().optional(),
});
export type LockRecord = z.output<typeof LockRecordSchema>;

/** Gave up waiting for a live owner. */
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
  /** Directory of the lock files (normally `<dataDir>/locks`). */
  dir: string;
  clock?: Clock;
  random?: RandomSource;
  hostname?: string;
  waitMs?: number;
  /** What the owner is doing, for the give-up message ("refreshing", "logging in to"). */
  verb?: string;
  backoff?: Partial<LockBackoffOptions>;
  foreignHostCeilingMs?: number;
}

export interface AcquireOptions {
  signal?: AbortSignal;
  waitMs?: number;
  verb?: string;
}

export interface LockHandle {
  readonly key: string;
  readonly nonce: string;
  release(): Promise<void>;
}

const KEY_PATTERN = /^[A-Za-z0-9._@:-]{1,160}$/;

export class FileLock {
  private readonly dir: string;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly hostname: string;
  private readonly waitMs: number;
  private readonly verb: string;
  private readonly backoff: LockBackoffOptions;
  private readonly ceilingMs: number;

  constructor(options: FileLockOptions) {
    this.dir = options.dir;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
    this.hostname = options.hostname ?? os.hostname();
    this.waitMs = options.waitMs ?? LOCK_DEFAULTS.waitMs;
    this.verb = options.verb ?? 'refreshing';
    this.backoff = { ...LOCK_DEFAULTS, ...options.backoff };
    this.ceilingMs = options.foreignHostCeilingMs ?? LOCK_DEFAULTS.foreignHostCeilingMs;
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
    await ensurePrivateDir(this.dir);
    let attempt = 0;
    for (;;) {
      throwIfAborted(options.signal);
      const record = await this.newRecord();
      if (await this.tryCreate(file, record)) return this.handle(key, file, record.nonce);
      const owner = await readOwner(file);
      if (owner === 'missing') continue; // released between our attempts: try again at once
      if (owner === 'corrupt' || (await this.isGone(owner))) {
        await this.removeStale(file, owner === 'corrupt' ? undefined : owner.nonce, record.nonce);
        continue;
      }
      const waited = this.clock.now() - started;
      if (waited >= waitMs) {
        throw new LockTimeoutError(key, waited, owner, options.verb ?? this.verb);
      }
      const delay = Math.min(
        lockBackoffDelay(attempt++, this.random, this.backoff),
        waitMs - waited,
      );
      await this.clock.sleep(delay, options.signal);
    }
  }

  private async newRecord(): Promise<LockRecord> {
    const processStartMs = await ownProcessStartMs();
    return {
      pid: process.pid,
      hostname: this.hostname,
      startedAt: this.clock.now(),
      nonce: randomBytes(12).toString('hex'),
      ...(processStartMs === undefined ? {} : { processStartMs }),
    };
  }

  /** Hard-links a fully written temp file into place: the lock appears whole or not at all. */
  private async tryCreate(file: string, record: LockRecord): Promise<boolean> {
    const temp = `${file}.${record.nonce}.tmp`;
    await fs.writeFile(temp, JSON.stringify(record), { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    try {
      await fs.link(temp, file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  private async isGone(owner: LockRecord): Promise<boolean> {
    if (owner.hostname !== this.hostname)
      return this.clock.now() - owner.startedAt >= this.ceilingMs;
    return isOwnerGone(owner);
  }

  /**
   * Removes a stale lock without removing a fresh one that replaced it meanwhile: the file is
   * moved aside first, and put back if it turns out not to be the stale owner's.
   */
  private async removeStale(
    file: string,
    staleNonce: string | undefined,
    myNonce: string,
  ): Promise<void> {
    const aside = `${file}.stale-${myNonce}`;
    try {
      await fs.rename(file, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const moved = await readOwner(aside);
    const isStale =
      moved === 'corrupt'
        ? staleNonce === undefined
        : moved !== 'missing' && moved.nonce === staleNonce;
    if (!isStale && moved !== 'missing') {
      await fs.link(aside, file).catch(() => undefined); // someone took it meanwhile: give it back
    }
    await fs.rm(aside, { force: true });
  }

  private handle(key: string, file: string, nonce: string): LockHandle {
    let released = false;
    return {
      key,
      nonce,
      release: async () => {
        if (released) return;
        released = true;
        const owner = await readOwner(file);
        if (owner !== 'missing' && owner !== 'corrupt' && owner.nonce === nonce) {
          await fs.rm(file, { force: true });
        }
      },
    };
  }
}

async function readOwner(file: string): Promise<LockRecord | 'missing' | 'corrupt'> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    return LockRecordSchema.parse(JSON.parse(text));
  } catch {
    return 'corrupt';
  }
}
