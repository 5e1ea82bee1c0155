// The three-pass bucket failover of BEHAVIOR §5: classify the bucket that failed, move to the next
// usable bucket in profile order, else re-authenticate one bucket in the foreground. A call works on
// a private draft of the outcome and commits it only if it was not aborted.
import {
  abortReason,
  isTokenStoreError,
  systemClock,
  throwIfAborted,
  type BucketFailoverHandler,
  type BucketFailureDetail,
  type BucketFailureReason,
  type Clock,
  type FailoverContext,
  type OAuthToken,
} from '@baton/core';
import { isApiKeyToken, isTokenExpired } from './credential.js';
import { isStoreOutage, UNTIL_LOGIN_MS, type OAuthManager } from './oauth-manager.js';
import type { CooldownInput, CooldownListing, CooldownLedger } from './storage/cooldown-ledger.js';
import { SharedAbortable } from '../util/abortable.js';

/** A quota failure without a stated reset cools the bucket this long (a guess, BEHAVIOR §5). */
export const GUESSED_QUOTA_COOLDOWN_MS = 60_000;
/** Credit and billing limits are not reset by a timer: the guess is longer. */
export const GUESSED_BILLING_COOLDOWN_MS = 60 * 60_000;
/**
 * A bucket out again right after its guessed cooldown ended gets a doubled guess, up to this: with no
 * reset stated, an hours-long window then costs a handful of requests instead of one a minute.
 */
export const MAX_GROWN_GUESS_MS = 60 * 60_000;
/** Pass 3's bound on a foreground login. */
export const REAUTH_TIMEOUT_MS = 300_000;

const QUOTA_STATUSES: ReadonlySet<number> = new Set([402, 429]);
const AUTH_STATUSES: ReadonlySet<number> = new Set([401, 403]);

export interface FailoverSwitchEvent {
  provider: string;
  from: string | undefined;
  to: string;
  /** The reason recorded for the bucket left behind. */
  reason: BucketFailureReason | undefined;
  retryAt?: number;
  via: 'usable' | 'refreshed' | 'login';
}

/** What the handler needs of the OAuthManager (the model-based test supplies a small reference). */
export type FailoverCredentials = Pick<
  OAuthManager,
  'peekToken' | 'refreshExpired' | 'authenticate' | 'getSessionBucket' | 'setSessionBucket'
>;

/** What the handler needs of the cooldown ledger. */
export type FailoverLedger = Pick<CooldownLedger, 'record' | 'get' | 'clear' | 'list'>;

export interface BucketFailoverHandlerOptions {
  manager: FailoverCredentials;
  ledger: FailoverLedger;
  provider: string;
  profile: { name: string; buckets: readonly string[] };
  clock?: Clock;
  log?: (line: string) => void;
  onSwitch?: (event: FailoverSwitchEvent) => void;
  guessedQuotaCooldownMs?: number;
  guessedBillingCooldownMs?: number;
  reauthTimeoutMs?: number;
}

/** Everything one tryFailover call decides, applied only when the call was not aborted. */
interface Draft {
  reasons: Record<string, BucketFailureReason>;
  details: Record<string, BucketFailureDetail>;
  tried: Set<string>;
  /** Buckets whose store is down: a login could not be saved, so pass 3 never picks them. */
  storeDown: Set<string>;
  /** Buckets holding an API key: pass 3 never re-authenticates them. */
  apiKeys: Set<string>;
  cooldowns: Array<{ bucket: string; input: CooldownInput }>;
  /** The stored access token the provider just refused, per bucket (a login must replace it). */
  rejected: Map<string, string>;
  switchTo?: { bucket: string; via: FailoverSwitchEvent['via'] };
}

export class BucketFailoverHandlerImpl implements BucketFailoverHandler {
  private readonly manager: FailoverCredentials;
  private readonly ledger: FailoverLedger;
  private readonly provider: string;
  private readonly profileName: string;
  private readonly buckets: readonly string[];
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  private readonly options: BucketFailoverHandlerOptions;
  private tried = new Set<string>();
  /**
   * Why each bucket tried in this request failed, so that a later call of the same request reports
   * "quota-exhausted (retry after …)" for it rather than a bare "skipped".
   */
  private triedDetails = new Map<string, BucketFailureDetail>();
  private reasons: Record<string, BucketFailureReason> = {};
  private details: Record<string, BucketFailureDetail> = {};
  /** The ledger as last read: lets the synchronous reset() skip buckets known to be out. */
  // Stryker disable next-line ArrayDeclaration: every reader filters on until > now, so a stray non-entry is never used
  private ledgerSnapshot: CooldownListing[] = [];
  private inFlight: { bucket: string; run: SharedAbortable<boolean> } | undefined;

  constructor(options: BucketFailoverHandlerOptions) {
    if (options.profile.buckets.length === 0)
      throw new RangeError('a profile needs at least one bucket');
    this.options = options;
    this.manager = options.manager;
    this.ledger = options.ledger;
    this.provider = options.provider;
    this.profileName = options.profile.name;
    this.buckets = [...options.profile.buckets];
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? (() => undefined);
  }

  getBuckets(): string[] {
    return [...this.buckets];
  }

  /**
   * The session bucket, re-read from the manager every time (one source of truth).
   * @plan PLAN-20260223-ISSUE1598.P13
   * @plan PLAN-20260223-ISSUE1598.P14
   * @plan PLAN-20260223-ISSUE1598.P16
   * @requirement REQ-1598-SM02, REQ-1598-SM05, REQ-1598-FL01
   */
  getCurrentBucket(): string {
    const session = this.manager.getSessionBucket(this.provider, this.profileName);
    return session !== undefined && this.buckets.includes(session) ? session : this.buckets[0]!;
  }

  isEnabled(): boolean {
    return this.buckets.length > 0;
  }

  /**
   * @plan PLAN-20260223-ISSUE1598.P15
   * @requirement REQ-1598-FL06
   */
  resetSession(): void {
    this.tried = new Set();
    this.triedDetails = new Map();
  }

  /**
   * Start of a user turn: back to the first bucket the ledger does not mark as cooling or refused;
   * when every bucket is marked, the one whose mark ends first. Uses the ledger as last read
   * (refreshLedger() reads it again).
   * @plan PLAN-20260223-ISSUE1598.P15
   * @requirement REQ-1598-FL07
   */
  reset(): void {
    this.resetSession();
    const now = this.clock.now();
    // A "needs login" mark does not count here: its access token may still serve until it expires.
    const marks = new Map(
      this.ledgerSnapshot
        .filter((e) => e.until > now && (e.reason === 'quota-exhausted' || e.reason === 'refused'))
        .map((entry) => [entry.bucket, entry]),
    );
    const first =
      this.buckets.find((bucket) => !marks.has(bucket)) ??
      [...this.buckets].sort((a, b) => marks.get(a)!.until - marks.get(b)!.until)[0]!;
    this.manager.setSessionBucket(this.provider, this.profileName, first);
  }

  /** Reads the ledger again (another process may have marked or cleared buckets). */
  async refreshLedger(): Promise<void> {
    try {
      this.ledgerSnapshot = await this.ledger.list(this.provider);
    } catch (error) {
      this.log(`cooldown ledger unreadable, treating every bucket as available: ${String(error)}`);
      this.ledgerSnapshot = [];
    }
  }

  async bucketSucceeded(bucket: string): Promise<void> {
    const entry = await this.ledger.get(this.provider, bucket);
    if (entry === undefined) return;
    await this.ledger.clear(this.provider, bucket);
    this.ledgerSnapshot = this.ledgerSnapshot.filter((e) => e.bucket !== bucket);
    this.log(`${this.provider}/${bucket} served again: its cooldown is cleared`);
  }

  /**
   * @plan PLAN-20260223-ISSUE1598.P16
   * @requirement REQ-1598-SM03
   */
  getLastFailoverReasons(): Record<string, BucketFailureReason> {
    return { ...this.reasons };
  }

  getLastFailoverDetails(): Record<string, BucketFailureDetail> {
    return Object.fromEntries(Object.entries(this.details).map(([k, v]) => [k, { ...v }]));
  }

  /**
   * Concurrent calls for the same failed bucket share one outcome (one classification, one switch).
   * A call whose failed bucket is no longer current was overtaken by a switch: retry at once.
   * @plan PLAN-20260223-ISSUE1598.P15
   * @plan PLAN-20260223-ISSUE1598.P16
   * @requirement REQ-1598-FR06, REQ-1598-SM04
   */
  async tryFailover(context: FailoverContext = {}): Promise<boolean> {
    throwIfAborted(context.signal);
    const current = this.getCurrentBucket();
    if (
      context.failedBucket !== undefined &&
      context.failedBucket !== current &&
      this.buckets.includes(context.failedBucket)
    ) {
      this.log(
        `${this.provider}: ${context.failedBucket} already left for ${current}; retrying there`,
      );
      return true;
    }
    // Callers share the run, not its cancellation: it stops only when all of them gave up.
    let entry = this.inFlight;
    if (!entry || entry.bucket !== current || entry.run.abandoned) {
      const created = {
        bucket: current,
        run: new SharedAbortable((signal) =>
          this.run(current, { ...context, signal }).finally(() => {
            if (this.inFlight === created) this.inFlight = undefined;
          }),
        ),
      };
      entry = created;
      this.inFlight = created;
    }
    return entry.run.join(context.signal);
  }

  private async run(triggering: string, context: FailoverContext): Promise<boolean> {
    const signal = context.signal;
    const draft: Draft = {
      reasons: {},
      details: {},
      tried: new Set(this.tried),
      storeDown: new Set(),
      apiKeys: new Set(),
      cooldowns: [],
      rejected: new Map(),
    };
    await this.refreshLedger();
    throwIfAborted(signal);
    const ready =
      (await this.passOne(triggering, context, draft)) ||
      (await this.passTwo(draft, signal)) ||
      (await this.passThree(triggering, context, draft));
    throwIfAborted(signal);
    await this.commit(triggering, draft);
    return ready;
  }

  /**
   * Pass 1: why did the current bucket fail? true when a refresh fixed it in place.
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-CL01, REQ-1598-CL02, REQ-1598-CL03, REQ-1598-CL04
   * @requirement REQ-1598-CL05, REQ-1598-CL06, REQ-1598-CL07, REQ-1598-CL08
   */
  private async passOne(bucket: string, context: FailoverContext, draft: Draft): Promise<boolean> {
    const status = context.triggeringStatus;
    const statusField = status === undefined ? {} : { status };
    const message = context.message === undefined ? {} : { message: context.message };
    const now = this.clock.now();
    draft.tried.add(bucket);
    if (context.trigger === 'refused') {
      record(draft, bucket, { reason: 'refused', ...statusField, ...message });
      draft.cooldowns.push({
        bucket,
        input: { reason: 'refused', source: 'until-login', until: now + UNTIL_LOGIN_MS },
      });
      return false;
    }
    const outOfQuota =
      context.trigger === 'quota' ||
      context.trigger === 'rate-limit' ||
      (status !== undefined && QUOTA_STATUSES.has(status));
    if (outOfQuota) {
      const guess = context.billing
        ? (this.options.guessedBillingCooldownMs ?? GUESSED_BILLING_COOLDOWN_MS)
        : (this.options.guessedQuotaCooldownMs ?? GUESSED_QUOTA_COOLDOWN_MS);
      const stated = context.retryAt !== undefined && context.retryAt > now;
      const retryAt = stated ? context.retryAt! : now + guess;
      record(draft, bucket, { reason: 'quota-exhausted', ...statusField, retryAt, ...message });
      draft.cooldowns.push({
        bucket,
        input: {
          reason: 'quota-exhausted',
          until: retryAt,
          source: stated ? 'retry-after' : 'guess',
          ...(stated ? {} : { guessCapMs: guess, escalateUpToMs: MAX_GROWN_GUESS_MS }),
        },
      });
      return false;
    }
    const read = await this.read(bucket, draft);
    if (read === 'failed') return false;
    if (read === null) {
      record(draft, bucket, { reason: 'no-token', ...statusField });
      return false;
    }
    const authFailure = status !== undefined && AUTH_STATUSES.has(status);
    if (isApiKeyToken(read)) {
      if (authFailure || context.trigger === 'auth') {
        record(draft, bucket, {
          reason: 'expired-refresh-failed',
          ...statusField,
          message: 'the API key was rejected',
          action: `run \`baton auth login ${this.provider} --bucket ${bucket} --api-key\``,
        });
      } else this.skip(draft, bucket, context);
      return false;
    }
    if (isTokenExpired(read, this.clock)) {
      if (await this.refreshed(bucket, read, draft, context.signal, statusField)) return true;
      return false;
    }
    if (authFailure || context.trigger === 'auth') {
      draft.rejected.set(bucket, read.access_token);
      record(draft, bucket, {
        reason: 'expired-refresh-failed',
        ...statusField,
        message: context.message ?? 'the provider rejected the token',
      });
      return false;
    }
    this.skip(draft, bucket, context);
    return false;
  }

  /**
   * Pass 2: the first usable bucket in profile order.
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-FL02, REQ-1598-FL03, REQ-1598-FL04
   */
  private async passTwo(draft: Draft, signal: AbortSignal | undefined): Promise<boolean> {
    const now = this.clock.now();
    const marks = new Map(
      this.ledgerSnapshot.filter((e) => e.until > now).map((entry) => [entry.bucket, entry]),
    );
    for (const bucket of this.buckets) {
      throwIfAborted(signal);
      if (draft.tried.has(bucket)) {
        if (draft.reasons[bucket] === undefined) {
          record(draft, bucket, { ...(this.triedDetails.get(bucket) ?? { reason: 'skipped' }) });
        }
        continue;
      }
      const mark = marks.get(bucket);
      if (mark?.reason === 'quota-exhausted') {
        record(draft, bucket, { reason: 'quota-exhausted', retryAt: mark.until });
        continue;
      }
      if (mark?.reason === 'refused') {
        record(draft, bucket, { reason: 'refused', message: 'refused earlier for this use' });
        continue;
      }
      const read = await this.read(bucket, draft);
      if (read === 'failed') continue;
      if (read === null) {
        record(draft, bucket, { reason: 'no-token' });
        continue;
      }
      if (isApiKeyToken(read)) {
        draft.apiKeys.add(bucket);
        draft.switchTo = { bucket, via: 'usable' };
        return true;
      }
      if (isTokenExpired(read, this.clock)) {
        // A grant known to be dead is not tried again; a login (pass 3) may fix it.
        if (mark?.reason === 'expired-refresh-failed') {
          record(draft, bucket, {
            reason: 'expired-refresh-failed',
            message: 'the refresh token was rejected earlier',
          });
          continue;
        }
        if (await this.refreshed(bucket, read, draft, signal, {})) {
          draft.switchTo = { bucket, via: 'refreshed' };
          return true;
        }
        continue;
      }
      draft.switchTo = { bucket, via: 'usable' };
      return true;
    }
    return false;
  }

  /**
   * Pass 3: at most one foreground login, only when a person is there to complete it.
   * @plan PLAN-20260223-ISSUE1598.P15
   * @requirement REQ-1598-FR01, REQ-1598-FR02, REQ-1598-FR03
   * @requirement REQ-1598-FR04, REQ-1598-FR05, REQ-1598-FR06
   */
  private async passThree(
    triggering: string,
    context: FailoverContext,
    draft: Draft,
  ): Promise<boolean> {
    if (!context.interactive) return false;
    const eligible = (bucket: string): boolean =>
      (draft.reasons[bucket] === 'no-token' ||
        draft.reasons[bucket] === 'expired-refresh-failed') &&
      !draft.storeDown.has(bucket) &&
      !draft.apiKeys.has(bucket) &&
      draft.details[bucket]?.action === undefined;
    const candidate =
      this.buckets.find((bucket) => eligible(bucket) && !draft.tried.has(bucket)) ??
      (eligible(triggering) ? triggering : undefined);
    if (candidate === undefined) return false;
    this.log(`${this.provider}: logging in ${candidate} in the foreground`);
    try {
      const rejected = draft.rejected.get(candidate);
      await this.manager.authenticate(this.provider, candidate, {
        ...(context.signal ? { signal: context.signal } : {}),
        timeoutMs: this.options.reauthTimeoutMs ?? REAUTH_TIMEOUT_MS,
        ...(rejected === undefined ? {} : { rejectedAccessToken: rejected }),
      });
      const verified = await this.manager.peekToken(this.provider, candidate);
      if (verified === null) throw new Error('the login stored no token');
      draft.switchTo = { bucket: candidate, via: 'login' };
      return true;
    } catch (error) {
      if (context.signal?.aborted) throw abortReason(context.signal);
      record(draft, candidate, { reason: 'reauth-failed', message: errorText(error) });
      draft.tried.add(candidate);
      return false;
    }
  }

  /** A store read for classification: null = no token; 'failed' = the reason is already recorded. */
  private async read(bucket: string, draft: Draft): Promise<OAuthToken | null | 'failed'> {
    try {
      const token = await this.manager.peekToken(this.provider, bucket);
      if (token !== null && isApiKeyToken(token)) draft.apiKeys.add(bucket);
      return token;
    } catch (error) {
      this.log(`${this.provider}/${bucket}: store read failed: ${errorText(error)}`);
      const outage = isStoreOutage(error);
      if (outage) draft.storeDown.add(bucket);
      record(draft, bucket, {
        reason: 'no-token',
        message: errorText(error),
        // An outage is fixed by the user, not by a login; a corrupt entry is replaced by one.
        ...(outage && isTokenStoreError(error) ? { action: lowerFirst(error.remediation) } : {}),
      });
      return 'failed';
    }
  }

  private async refreshed(
    bucket: string,
    token: OAuthToken,
    draft: Draft,
    signal: AbortSignal | undefined,
    statusField: { status?: number },
  ): Promise<boolean> {
    try {
      await this.manager.refreshExpired(this.provider, bucket, token, signal ? { signal } : {});
      return true;
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      record(draft, bucket, {
        reason: 'expired-refresh-failed',
        ...statusField,
        message: errorText(error),
      });
      return false;
    }
  }

  private skip(draft: Draft, bucket: string, context: FailoverContext): void {
    record(draft, bucket, {
      reason: 'skipped',
      ...(context.triggeringStatus === undefined ? {} : { status: context.triggeringStatus }),
      ...(context.retryAt === undefined ? {} : { retryAt: context.retryAt }),
      ...(context.message === undefined ? {} : { message: context.message }),
    });
  }

  /**
   * Applies a finished call's outcome: reasons, tried set, cooldowns, then the switch.
   * @plan PLAN-20260223-ISSUE1598.P14
   * @requirement REQ-1598-FL05
   */
  private async commit(triggering: string, draft: Draft): Promise<void> {
    this.reasons = draft.reasons;
    this.details = draft.details;
    this.tried = draft.tried;
    for (const bucket of draft.tried) {
      const detail = draft.details[bucket];
      if (detail && detail.reason !== 'skipped') this.triedDetails.set(bucket, { ...detail });
    }
    for (const { bucket, input } of draft.cooldowns) {
      try {
        const entry = await this.ledger.record(this.provider, bucket, input);
        // A grown guess lasts longer than the draft said: report the time the ledger keeps.
        const detail = this.details[bucket];
        if (detail?.reason === 'quota-exhausted' && input.source === 'guess') {
          detail.retryAt = entry.until;
          if (this.triedDetails.has(bucket)) this.triedDetails.set(bucket, { ...detail });
        }
        this.ledgerSnapshot = [
          ...this.ledgerSnapshot.filter((e) => e.bucket !== bucket),
          { ...entry, provider: this.provider, bucket },
        ];
      } catch (error) {
        this.log(
          `could not record the cooldown of ${this.provider}/${bucket}: ${errorText(error)}`,
        );
      }
    }
    const target = draft.switchTo;
    if (!target) return;
    const from = this.getCurrentBucket();
    try {
      this.manager.setSessionBucket(this.provider, this.profileName, target.bucket);
    } catch (error) {
      this.log(`could not set the session bucket: ${errorText(error)}`);
    }
    const reason = draft.reasons[triggering];
    const retryAt = draft.details[triggering]?.retryAt;
    this.log(
      `${this.provider}: switched from ${from} to ${target.bucket} (${reason ?? 'unknown'})`,
    );
    this.options.onSwitch?.({
      provider: this.provider,
      from,
      to: target.bucket,
      reason,
      ...(retryAt === undefined ? {} : { retryAt }),
      via: target.via,
    });
  }
}

function record(draft: Draft, bucket: string, detail: BucketFailureDetail): void {
  draft.reasons[bucket] = detail.reason;
  draft.details[bucket] = detail;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function lowerFirst(text: string): string {
  return text.length === 0 ? text : text[0]!.toLowerCase() + text.slice(1).replace(/\.$/, '');
}
