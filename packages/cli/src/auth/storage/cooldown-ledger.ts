// The cooldown ledger: per provider:bucket "do not use until" entries in one JSON file in the data
// dir, shared by every baton process. Writes happen under a FileLock and are atomic; expired entries
// are ignored on read and pruned on write; guessed cooldowns are capped.
import { promises as fs } from 'node:fs';
import { z } from 'zod';
import {
  BUCKET_FAILURE_REASONS,
  systemClock,
  tokenKey,
  validateProviderName,
  parseTokenKey,
  type BucketFailureReason,
  type Clock,
  type RandomSource,
} from '@baton/core';
import { JsonFileError, readJsonFile, writeJsonFile } from '../../util/atomic-write.js';
import { FileLock } from './file-lock.js';

/** A cooldown the server did not state (no Retry-After, no reset header) lasts at most this long. */
export const DEFAULT_MAX_GUESS_MS = 60_000;
export const LEDGER_VERSION = 1;
/** The lock key that serialises ledger writers. */
export const LEDGER_LOCK_KEY = 'cooldown-ledger';

/**
 * `until-login`: the bucket needs a new login (dead grant, refused credential); such an entry lasts
 * until a login or refresh for the bucket succeeds and clears it.
 */
export const COOLDOWN_SOURCES = ['retry-after', 'reset-header', 'guess', 'until-login'] as const;
export type CooldownSource = (typeof COOLDOWN_SOURCES)[number];

export interface CooldownEntry {
  reason: BucketFailureReason;
  /** Epoch ms after which the bucket may be used again. */
  until: number;
  source: CooldownSource;
  /** Epoch ms when the entry was written. */
  recordedAt: number;
  /** For a guess: its length, so that the next guess for the bucket can grow from it. */
  guessMs?: number;
}

export interface CooldownListing extends CooldownEntry {
  provider: string;
  bucket: string;
}

export type CooldownInput = Pick<CooldownEntry, 'reason' | 'until' | 'source'> & {
  /** Cap for this guess instead of `maxGuessMs` (credit and billing limits, which no timer resets). */
  guessCapMs?: number;
  /**
   * A guess for a bucket that is out again right after its previous guess ended doubles that guess,
   * up to this cap: a window that lasts hours then costs a few requests, not one a minute.
   */
  escalateUpToMs?: number;
};

const EntrySchema = z.object({
  reason: z.enum(BUCKET_FAILURE_REASONS),
  until: z.number(),
  source: z.enum(COOLDOWN_SOURCES),
  recordedAt: z.number(),
  guessMs: z.number().positive().optional(),
});

/** Entries are checked one by one, so one bad entry does not discard the others. */
const LedgerFileSchema = z.object({
  version: z.literal(LEDGER_VERSION),
  entries: z.record(z.string(), z.unknown()),
});

export interface LedgerWarning {
  kind: 'corrupt-file-moved' | 'invalid-entry-dropped';
  message: string;
  file: string;
  movedTo?: string;
}

export interface CooldownLedgerOptions {
  /** The ledger file (normally `<dataDir>/cooldowns.json`). */
  file: string;
  /** Directory of lock files (normally `<dataDir>/locks`). */
  locksDir: string;
  clock?: Clock;
  random?: RandomSource;
  maxGuessMs?: number;
  /** Told about a corrupt file moved aside or an invalid entry dropped. */
  onWarning?: (warning: LedgerWarning) => void;
  lockWaitMs?: number;
}

type Entries = Record<string, CooldownEntry>;

/**
 * @plan PLAN-20260223-ISSUE1598.P09
 * @requirement REQ-1598-ST13
 */
export class CooldownLedger {
  private readonly file: string;
  private readonly clock: Clock;
  private readonly maxGuessMs: number;
  private readonly lock: FileLock;
  private readonly onWarning: (warning: LedgerWarning) => void;

  constructor(options: CooldownLedgerOptions) {
    this.file = options.file;
    this.clock = options.clock ?? systemClock;
    this.maxGuessMs = options.maxGuessMs ?? DEFAULT_MAX_GUESS_MS;
    this.onWarning = options.onWarning ?? (() => undefined);
    this.lock = new FileLock({
      dir: options.locksDir,
      clock: this.clock,
      verb: 'updating',
      ...(options.random ? { random: options.random } : {}),
      // Stryker disable next-line ConditionalExpression: `waitMs: undefined` means FileLock's default too
      ...(options.lockWaitMs === undefined ? {} : { waitMs: options.lockWaitMs }),
    });
  }

  /** Records a cooldown; a guessed one is capped at `maxGuessMs` from now. Returns what was stored. */
  async record(
    provider: string,
    bucket: string,
    input: CooldownInput,
    signal?: AbortSignal,
  ): Promise<CooldownEntry> {
    const key = tokenKey(provider, bucket);
    let stored: CooldownEntry | undefined;
    await this.update((entries) => {
      const entry = this.entryFor(input, entries[key]);
      entries[key] = entry;
      stored = entry;
    }, signal);
    return stored!;
  }

  /** The entry to store; `previous` may have expired (an expired guess is kept to grow from). */
  private entryFor(input: CooldownInput, previous: CooldownEntry | undefined): CooldownEntry {
    const now = this.clock.now();
    if (input.source !== 'guess') {
      return EntrySchema.parse({
        reason: input.reason,
        source: input.source,
        until: input.until,
        recordedAt: now,
      });
    }
    let guessMs = Math.max(0, Math.min(input.until - now, input.guessCapMs ?? this.maxGuessMs));
    const escalateTo = input.escalateUpToMs;
    if (
      escalateTo !== undefined &&
      previous?.source === 'guess' &&
      // Stryker disable next-line ConditionalExpression: without a length the comparison below is false anyway
      previous.guessMs !== undefined &&
      // Stryker disable next-line ConditionalExpression: update() already pruned a guess past this window; this guards a real clock that moved on in between
      now - previous.until <= previous.guessMs
    ) {
      guessMs = Math.max(guessMs, Math.min(previous.guessMs * 2, escalateTo));
    }
    return EntrySchema.parse({
      reason: input.reason,
      source: 'guess',
      until: now + guessMs,
      recordedAt: now,
      ...(guessMs > 0 ? { guessMs } : {}),
    });
  }

  /** The active cooldown, or undefined when there is none or it has expired. */
  async get(provider: string, bucket: string): Promise<CooldownEntry | undefined> {
    const key = tokenKey(provider, bucket);
    const entries = await this.readActive();
    return entries[key];
  }

  async isCooling(provider: string, bucket: string): Promise<boolean> {
    return (await this.get(provider, bucket)) !== undefined;
  }

  /** Removes the bucket's entry; true when there was an active one. */
  async clear(provider: string, bucket: string, signal?: AbortSignal): Promise<boolean> {
    const key = tokenKey(provider, bucket);
    // Stryker disable next-line BooleanLiteral: update() always runs the callback, which sets it, before it is read
    let had = false;
    await this.update((entries) => {
      had = entries[key] !== undefined;
      delete entries[key];
    }, signal);
    return had;
  }

  /** Active cooldowns, soonest first, optionally for one provider. */
  async list(provider?: string): Promise<CooldownListing[]> {
    if (provider !== undefined) validateProviderName(provider);
    const entries = await this.readActive();
    return Object.entries(entries)
      .flatMap(([key, entry]) => {
        const names = parseTokenKey(key);
        return names && (provider === undefined || names.provider === provider)
          ? [{ ...names, ...entry }]
          : [];
      })
      .sort(
        (a, b) =>
          a.until - b.until ||
          a.provider.localeCompare(b.provider) ||
          a.bucket.localeCompare(b.bucket),
      );
  }

  /** Rewrites the file without expired entries; returns how many were removed. */
  async prune(signal?: AbortSignal): Promise<number> {
    let removed = 0;
    await this.update(
      () => undefined,
      signal,
      (n) => (removed = n),
    );
    return removed;
  }

  private async readActive(): Promise<Entries> {
    const all = await this.readAll(false);
    const now = this.clock.now();
    return Object.fromEntries(Object.entries(all).filter(([, e]) => e.until > now));
  }

  /** Reads every valid entry. A corrupt file is moved aside (only by writers, under the lock). */
  private async readAll(underLock: boolean): Promise<Entries> {
    let data: z.output<typeof LedgerFileSchema> | undefined;
    try {
      data = await readJsonFile(this.file, LedgerFileSchema);
    } catch (error) {
      if (!(error instanceof JsonFileError) || error.kind === 'io') throw error;
      if (underLock) await this.moveAside(error);
      return {};
    }
    const entries: Entries = {};
    for (const [key, raw] of Object.entries(data?.entries ?? {})) {
      const parsed = EntrySchema.safeParse(raw);
      if (parsed.success && parseTokenKey(key)) entries[key] = parsed.data;
      else if (underLock) {
        this.onWarning({
          kind: 'invalid-entry-dropped',
          message: `dropped an invalid cooldown entry ${JSON.stringify(key)} from ${this.file}`,
          file: this.file,
        });
      }
    }
    return entries;
  }

  private async moveAside(error: JsonFileError): Promise<void> {
    const movedTo = `${this.file}.corrupt-${this.clock.now()}`;
    await fs.rename(this.file, movedTo).catch(() => undefined);
    this.onWarning({
      kind: 'corrupt-file-moved',
      message: `${error.message}; moved it to ${movedTo} and started a new ledger`,
      file: this.file,
      movedTo,
    });
  }

  /** Read-modify-write under the ledger lock, dropping expired entries. */
  private async update(
    mutate: (entries: Entries) => void,
    signal?: AbortSignal,
    onPruned?: (count: number) => void,
  ): Promise<void> {
    await this.lock.withLock(
      LEDGER_LOCK_KEY,
      async () => {
        const entries = await this.readAll(true);
        const now = this.clock.now();
        let pruned = 0;
        for (const [key, entry] of Object.entries(entries)) {
          // An expired guess stays one guess-length longer, so a repeat failure can grow from it.
          const growable = entry.source === 'guess' && now - entry.until <= (entry.guessMs ?? 0);
          if (entry.until <= now && !growable) {
            delete entries[key];
            pruned++;
          }
        }
        mutate(entries);
        onPruned?.(pruned);
        await writeJsonFile(this.file, { version: LEDGER_VERSION, entries });
      },
      signal ? { signal } : {},
    );
  }
}
