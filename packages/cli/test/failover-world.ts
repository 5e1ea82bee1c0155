// The world of the failover model test: buckets with random states, and the small in-memory manager
// and ledger doubles that BucketFailoverHandlerImpl runs against (test/failover-model.ts predicts).
import fc from 'fast-check';
import {
  throwIfAborted,
  TokenStoreError,
  type Clock,
  type FailoverContext,
  type OAuthToken,
} from '@baton/core';
import type { FailoverCredentials, FailoverLedger } from '../src/auth/BucketFailoverHandlerImpl.js';
import { apiKeyToken } from '../src/auth/credential.js';
import { UNTIL_LOGIN_MS } from '../src/auth/oauth-manager.js';
import type {
  CooldownEntry,
  CooldownInput,
  CooldownListing,
} from '../src/auth/storage/cooldown-ledger.js';
import { untilAborted } from '../src/util/abortable.js';

export const PROVIDER = 'acme';
export const NAMES = ['alpha', 'beta', 'gamma', 'delta', 'omega'];
export const START = Date.UTC(2026, 0, 1, 12, 0, 0);
export const PROFILE = 'work';
export const GUESS_MS = 60_000;
export const BILLING_GUESS_MS = 3_600_000;
export const LOGIN_TIMEOUT_MS = 300_000;
export const TOKEN_LIFETIME_S = 3_600;
/** The ledger's own cap on a guessed cooldown (the real ledger's default). */
const LEDGER_MAX_GUESS_MS = 60_000;

export const OUTAGE_CODES = ['LOCKED', 'UNAVAILABLE', 'TIMEOUT', 'KEY_MISMATCH'] as const;
export type StoreState = 'ok' | 'CORRUPT' | (typeof OUTAGE_CODES)[number];
export type Held = { kind: 'oauth'; version: number; expiry: number } | { kind: 'api-key' } | null;

/** One bucket of the world: what its store holds and how its grant and login behave. */
export interface BucketWorld {
  store: StoreState;
  held: Held;
  /** Whether the refresh token still works (a dead grant fails every refresh). */
  grantAlive: boolean;
  login: 'succeed' | 'fail' | 'hang';
}
export type World = Record<string, BucketWorld>;

/** When the test aborts a call: before it, or as its first store read, refresh or login starts. */
export type AbortPoint = 'none' | 'before' | 'read' | 'refresh' | 'login';
export interface CallSpec {
  context: Omit<FailoverContext, 'signal' | 'interactive' | 'failedBucket'>;
  interactive: boolean;
  /** The bucket the failed attempt used, when the caller names it. */
  failedBucket?: string;
  abortAt: AbortPoint;
}

export function tokenOf(bucket: string, held: Held): OAuthToken | null {
  if (held === null) return null;
  if (held.kind === 'api-key') return apiKeyToken(`key-${bucket}`);
  return {
    access_token: `at-${bucket}-${held.version}`,
    refresh_token: `rt-${bucket}-${held.version}`,
    expiry: held.expiry,
    token_type: 'Bearer',
  };
}

/** Usable for failover: an API key, or a token whose expiry is still ahead. */
export function usable(held: Held, nowMs: number): boolean {
  return held !== null && (held.kind === 'api-key' || held.expiry * 1000 > nowMs);
}

export function freshHeld(held: Held, nowMs: number): Held {
  const version = held?.kind === 'oauth' ? held.version + 1 : 1;
  return { kind: 'oauth', version, expiry: Math.floor(nowMs / 1000) + TOKEN_LIFETIME_S };
}

function storeError(bucket: string, code: StoreState): TokenStoreError {
  const message = `the store for ${bucket}: ${code}`;
  return new TokenStoreError(code as Exclude<StoreState, 'ok'>, message, {
    provider: PROVIDER,
    bucket,
  });
}

/** The cooldown ledger of one provider in memory; like the real one it reads only active entries. */
export class MemoryLedger implements FailoverLedger {
  readonly entries = new Map<string, CooldownEntry>();
  constructor(private readonly clock: Clock) {}

  record(_provider: string, bucket: string, input: CooldownInput): Promise<CooldownEntry> {
    const entry = cooldownEntry(input, this.clock.now());
    this.entries.set(bucket, entry);
    return Promise.resolve(entry);
  }

  get(_provider: string, bucket: string): Promise<CooldownEntry | undefined> {
    return Promise.resolve(this.active().get(bucket));
  }

  clear(_provider: string, bucket: string): Promise<boolean> {
    const had = this.active().has(bucket);
    this.entries.delete(bucket);
    return Promise.resolve(had);
  }

  list(provider?: string): Promise<CooldownListing[]> {
    const listing = [...this.active()].map(([bucket, entry]) => ({
      provider: provider ?? PROVIDER,
      bucket,
      ...entry,
    }));
    return Promise.resolve(
      listing.sort((a, b) => a.until - b.until || a.bucket.localeCompare(b.bucket)),
    );
  }

  active(): Map<string, CooldownEntry> {
    const now = this.clock.now();
    return new Map([...this.entries].filter(([, entry]) => entry.until > now));
  }
}

/**
 * The manager methods the handler uses, over an in-memory world. Like the real manager, a refresh
 * goes on when its caller stops waiting, a dead grant marks the bucket "needs login", a login
 * re-checks the store before prompting and replaces a corrupt entry, and success ends the mark.
 */
export class ModelCredentials implements FailoverCredentials {
  session: string | undefined;
  /** Login prompts shown, per bucket (a person would see each one). */
  readonly loginsRun: Record<string, number> = {};
  /** Told as a store read, a refresh or a login prompt starts (the test aborts there). */
  onStart: ((work: 'read' | 'refresh' | 'login', bucket: string) => void) | undefined;

  constructor(
    readonly world: World,
    private readonly clock: Clock,
    private readonly ledger: MemoryLedger,
  ) {}

  peekToken(_provider: string, bucket: string): Promise<OAuthToken | null> {
    this.onStart?.('read', bucket);
    const state = this.world[bucket]!;
    if (state.store !== 'ok') return Promise.reject(storeError(bucket, state.store));
    return Promise.resolve(tokenOf(bucket, state.held));
  }

  refreshExpired(
    _provider: string,
    bucket: string,
    _token: OAuthToken,
    options: { signal?: AbortSignal } = {},
  ): Promise<OAuthToken> {
    const work = this.refresh(bucket);
    work.catch(() => undefined);
    this.onStart?.('refresh', bucket);
    return untilAborted(work, options.signal);
  }

  authenticate(
    _provider: string,
    bucket: string,
    options: { signal?: AbortSignal; timeoutMs?: number; rejectedAccessToken?: string } = {},
  ): Promise<OAuthToken> {
    const work = this.login(bucket, options);
    work.catch(() => undefined);
    return untilAborted(work, options.signal);
  }

  getSessionBucket(): string | undefined {
    return this.session;
  }

  setSessionBucket(_provider: string, _profile: string, bucket: string): void {
    this.session = bucket;
  }

  private async refresh(bucket: string): Promise<OAuthToken> {
    await Promise.resolve(); // the token endpoint answers after the caller started waiting
    const state = this.world[bucket]!;
    if (state.store !== 'ok') throw storeError(bucket, state.store);
    if (state.held === null) throw new Error(`no credential is stored for ${bucket}`);
    if (state.held.kind === 'api-key') return tokenOf(bucket, state.held)!;
    if (!state.grantAlive) {
      await this.ledger.record(PROVIDER, bucket, needsLogin(this.clock.now()));
      throw new Error('invalid_grant: the refresh token is no longer valid');
    }
    return this.store(bucket);
  }

  private async login(
    bucket: string,
    options: { signal?: AbortSignal; timeoutMs?: number; rejectedAccessToken?: string },
  ): Promise<OAuthToken> {
    // An abandoned caller is not prompted (the real manager's lock wait ends at once).
    throwIfAborted(options.signal);
    const state = this.world[bucket]!;
    if (state.store !== 'ok' && state.store !== 'CORRUPT') throw storeError(bucket, state.store);
    // Checked once more before prompting: a usable token that was not just refused needs no login.
    const held = state.store === 'ok' ? state.held : null;
    const existing = tokenOf(bucket, held);
    if (usable(held, this.clock.now()) && existing!.access_token !== options.rejectedAccessToken)
      return existing!;
    this.loginsRun[bucket] = (this.loginsRun[bucket] ?? 0) + 1;
    if (state.login === 'hang') {
      // The prompt waits for a person until its time limit; an abort ends the wait.
      const waiting = this.clock.sleep(options.timeoutMs ?? LOGIN_TIMEOUT_MS, options.signal);
      this.onStart?.('login', bucket);
      await waiting;
      throw new Error('the login timed out');
    }
    this.onStart?.('login', bucket);
    throwIfAborted(options.signal);
    if (state.login === 'fail') throw new Error('the login was declined');
    return this.store(bucket);
  }

  private async store(bucket: string): Promise<OAuthToken> {
    const state = this.world[bucket]!;
    Object.assign(state, {
      store: 'ok',
      held: freshHeld(state.held, this.clock.now()),
      grantAlive: true,
    });
    const needsLoginMark = (await this.ledger.get(PROVIDER, bucket))?.source === 'until-login';
    if (needsLoginMark) await this.ledger.clear(PROVIDER, bucket);
    return tokenOf(bucket, state.held)!;
  }
}

/** What the ledger stores for a cooldown: a guessed one is capped. */
export function cooldownEntry(input: CooldownInput, now: number): CooldownEntry {
  const cap = input.guessCapMs ?? LEDGER_MAX_GUESS_MS;
  const until = input.source === 'guess' ? Math.min(input.until, now + cap) : input.until;
  return { reason: input.reason, until, source: input.source, recordedAt: now };
}

export function needsLogin(now: number): CooldownInput {
  return { reason: 'expired-refresh-failed', source: 'until-login', until: now + UNTIL_LOGIN_MS };
}

// ---------------------------------------------------------------------------------------------
// Random worlds and failures

export const storeState: fc.Arbitrary<StoreState> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<StoreState>('ok') },
  { weight: 1, arbitrary: fc.constantFrom<StoreState>('CORRUPT', ...OUTAGE_CODES) },
);

export const bucketWorld: fc.Arbitrary<BucketWorld> = fc.record({
  store: storeState,
  held: fc.oneof(
    fc.constant(null),
    fc.constant({ kind: 'api-key' as const }),
    // Expired, near expiry (still usable) or valid for up to two hours.
    fc
      .oneof(
        fc.integer({ min: -600, max: 0 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 31, max: 7_200 }),
      )
      .map((s) => ({
        kind: 'oauth' as const,
        version: 1,
        expiry: START / 1000 + s,
      })),
  ),
  grantAlive: fc.boolean(),
  login: fc.constantFrom('succeed' as const, 'fail' as const, 'hang' as const),
});

export interface InitialMark {
  reason: 'quota-exhausted' | 'refused' | 'expired-refresh-failed';
  inMs: number;
}

export const initialMark: fc.Arbitrary<InitialMark | undefined> = fc.option(
  fc.record({
    reason: fc.constantFrom(
      'quota-exhausted' as const,
      'refused' as const,
      'expired-refresh-failed' as const,
    ),
    inMs: fc.integer({ min: 1, max: 7_200_000 }),
  }),
  { nil: undefined },
);

export const FAILURES = {
  'rate-limit': { triggeringStatus: 429, trigger: 'rate-limit' },
  'long-wait-429': { triggeringStatus: 429, trigger: 'long-wait' },
  'quota-402': { triggeringStatus: 402, trigger: 'quota' },
  'billing-400': { triggeringStatus: 400, trigger: 'quota', billing: true },
  'billing-403': { triggeringStatus: 403, trigger: 'quota', billing: true },
  'auth-401': { triggeringStatus: 401, trigger: 'auth' },
  'auth-403': { triggeringStatus: 403, trigger: 'auth' },
  'server-500': { triggeringStatus: 500, trigger: 'server' },
  'long-wait-503': { triggeringStatus: 503, trigger: 'long-wait' },
  refused: { triggeringStatus: 403, trigger: 'refused', message: 'only for use in the app' },
  network: {},
} satisfies Record<string, CallSpec['context']>;
export type Failure = keyof typeof FAILURES;
