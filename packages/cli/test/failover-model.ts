// The reference model of BEHAVIOR §5 failover: the spec written plainly over the world of
// test/failover-world.ts, predicting each call's result and everything it changes.
import type { BucketFailureReason } from '@baton/core';
import { UNTIL_LOGIN_MS } from '../src/auth/oauth-manager.js';
import type { CooldownEntry, CooldownInput } from '../src/auth/storage/cooldown-ledger.js';
import {
  BILLING_GUESS_MS,
  cooldownEntry,
  freshHeld,
  GUESS_MS,
  LOGIN_TIMEOUT_MS,
  needsLogin,
  tokenOf,
  usable,
  type AbortPoint,
  type CallSpec,
  type World,
} from './failover-world.js';

/** The world as the model predicts it, plus the handler state the spec describes. */
export interface ModelState {
  now: number;
  readonly order: readonly string[];
  world: World;
  /** Every cooldown written (by the handler or the manager), per bucket. */
  ledger: Map<string, CooldownEntry>;
  session: string | undefined;
  tried: Set<string>;
  /** Why each tried bucket failed earlier in this request (a later call reports it again). */
  triedReasons: Map<string, { reason: BucketFailureReason; retryAt: number | undefined }>;
  reasons: Record<string, BucketFailureReason>;
  /** The retryAt shown with each quota-exhausted reason. */
  retryAt: Record<string, number>;
  loginsRun: Record<string, number>;
}

export type Outcome = { result: boolean } | 'aborted';

export function modelCurrent(m: ModelState): string {
  return m.session !== undefined && m.order.includes(m.session) ? m.session : m.order[0]!;
}

export function modelMarks(m: ModelState): Map<string, CooldownEntry> {
  return new Map([...m.ledger].filter(([, entry]) => entry.until > m.now));
}

/** Start of a request: nothing is tried yet. */
export function modelResetSession(m: ModelState): void {
  m.tried = new Set();
  m.triedReasons = new Map();
}

/**
 * Start of a turn: the first bucket not marked cooling or refused, else the one whose mark ends
 * first (a "needs login" mark does not count: its access token may still serve).
 */
export function modelReset(m: ModelState): void {
  modelResetSession(m);
  const marks = new Map(
    [...modelMarks(m)].filter(([, e]) => e.reason === 'quota-exhausted' || e.reason === 'refused'),
  );
  m.session =
    m.order.find((bucket) => !marks.has(bucket)) ??
    [...m.order].sort((a, b) => marks.get(a)!.until - marks.get(b)!.until)[0]!;
}

/** A request served on the bucket: its cooldown is over. */
export function modelSucceeded(m: ModelState, bucket: string): void {
  if (modelMarks(m).has(bucket)) m.ledger.delete(bucket);
}

/** A login or refresh stored a fresh token (here or in another process); it ends a login mark. */
export function modelStoreFresh(m: ModelState, bucket: string): void {
  const state = m.world[bucket]!;
  Object.assign(state, { store: 'ok', held: freshHeld(state.held, m.now), grantAlive: true });
  if (modelMarks(m).get(bucket)?.source === 'until-login') m.ledger.delete(bucket);
}

/** Predicts one tryFailover call and applies what it changes to the model. */
export function predictCall(m: ModelState, spec: CallSpec): Outcome {
  if (spec.abortAt === 'before') return 'aborted';
  const current = modelCurrent(m);
  // Another request already failed over from this bucket: retry at once (a name outside the
  // profile says nothing about it).
  const failed = spec.failedBucket;
  if (failed !== undefined && failed !== current && m.order.includes(failed))
    return { result: true };
  const call = new ModelCall(m, spec, current);
  let result: boolean;
  try {
    result = call.classify() || call.nextUsable() || call.loginOne();
    call.checkpoint();
  } catch (error) {
    if (error instanceof Aborted) return 'aborted';
    throw error;
  }
  m.reasons = call.reasons;
  m.retryAt = call.retryAt;
  m.tried = call.tried;
  for (const bucket of call.tried) {
    const reason = call.reasons[bucket];
    if (reason !== undefined && reason !== 'skipped')
      m.triedReasons.set(bucket, { reason, retryAt: call.retryAt[bucket] });
  }
  for (const [bucket, input] of call.cooldowns) m.ledger.set(bucket, cooldownEntry(input, m.now));
  if (call.switchTo !== undefined) m.session = call.switchTo;
  return { result };
}

class Aborted extends Error {}

/** One call's draft: nothing of the handler's own state changes unless the call completes. */
class ModelCall {
  readonly reasons: Record<string, BucketFailureReason> = {};
  readonly retryAt: Record<string, number> = {};
  readonly tried: Set<string>;
  readonly cooldowns: Array<[string, CooldownInput]> = [];
  /** Buckets a login may fix: no token, a corrupt entry, a dead grant, a revoked token. */
  private readonly loginCanFix = new Set<string>();
  private readonly marks: Map<string, CooldownEntry>;
  private rejected: string | undefined;
  /** The call's signal: aborted by the test as the work named by spec.abortAt first starts. */
  private aborted = false;
  private started = false;
  switchTo: string | undefined;

  constructor(
    private readonly m: ModelState,
    private readonly spec: CallSpec,
    private readonly triggering: string,
  ) {
    this.tried = new Set(m.tried);
    this.marks = modelMarks(m);
  }

  /** Pass 1: why the triggering bucket failed; true when a refresh fixed it in place. */
  classify(): boolean {
    const bucket = this.triggering;
    const { triggeringStatus: status, trigger, retryAt, billing } = this.spec.context;
    const now = this.m.now;
    this.tried.add(bucket);
    if (trigger === 'refused') {
      this.note(bucket, 'refused');
      this.cooldowns.push([
        bucket,
        { reason: 'refused', source: 'until-login', until: now + UNTIL_LOGIN_MS },
      ]);
      return false;
    }
    if (trigger === 'quota' || trigger === 'rate-limit' || status === 402 || status === 429) {
      const guess = billing === true ? BILLING_GUESS_MS : GUESS_MS;
      const stated = retryAt !== undefined && retryAt > now;
      const until = stated ? retryAt : now + guess;
      this.note(bucket, 'quota-exhausted', until);
      this.cooldowns.push([
        bucket,
        stated
          ? { reason: 'quota-exhausted', until, source: 'retry-after' }
          : { reason: 'quota-exhausted', until, source: 'guess', guessCapMs: guess },
      ]);
      return false;
    }
    this.start('read');
    const state = this.m.world[bucket]!;
    const rejectedNow = status === 401 || status === 403 || trigger === 'auth';
    if (state.store !== 'ok' || state.held === null) return this.noToken(bucket);
    if (state.held.kind === 'api-key') {
      this.note(bucket, rejectedNow ? 'expired-refresh-failed' : 'skipped');
      return false;
    }
    if (!usable(state.held, now)) return this.refresh(bucket);
    if (!rejectedNow) {
      this.note(bucket, 'skipped');
      return false;
    }
    this.rejected = tokenOf(bucket, state.held)!.access_token;
    this.note(bucket, 'expired-refresh-failed');
    this.loginCanFix.add(bucket);
    return false;
  }

  /** Pass 2: the first usable bucket in profile order. */
  nextUsable(): boolean {
    for (const bucket of this.m.order) {
      this.checkpoint();
      const mark = this.marks.get(bucket);
      const earlier = this.m.triedReasons.get(bucket);
      if (this.tried.has(bucket)) {
        if (this.reasons[bucket] === undefined)
          this.note(bucket, earlier?.reason ?? 'skipped', earlier?.retryAt);
        continue;
      }
      if (mark?.reason === 'quota-exhausted' || mark?.reason === 'refused') {
        this.note(bucket, mark.reason, mark.reason === 'refused' ? undefined : mark.until);
        continue;
      }
      this.start('read');
      const state = this.m.world[bucket]!;
      if (state.store !== 'ok' || state.held === null) this.noToken(bucket);
      else if (usable(state.held, this.m.now)) this.switchTo = bucket;
      else if (mark?.reason === 'expired-refresh-failed') {
        // The grant is known dead: no refresh is tried, a login may fix it.
        this.note(bucket, 'expired-refresh-failed');
        this.loginCanFix.add(bucket);
      } else if (this.refresh(bucket)) this.switchTo = bucket;
      if (this.switchTo !== undefined) return true;
    }
    return false;
  }

  /** Pass 3: at most one foreground login, only for a bucket a login can fix. */
  loginOne(): boolean {
    if (!this.spec.interactive) return false;
    const fixable = (bucket: string): boolean => this.loginCanFix.has(bucket);
    const candidate =
      this.m.order.find((bucket) => fixable(bucket) && !this.tried.has(bucket)) ??
      (fixable(this.triggering) ? this.triggering : undefined);
    if (candidate === undefined) return false;
    this.checkpoint();
    const state = this.m.world[candidate]!;
    const held = state.store === 'ok' ? state.held : null;
    const rejected = candidate === this.triggering ? this.rejected : undefined;
    const loggedIn =
      usable(held, this.m.now) && tokenOf(candidate, held)!.access_token !== rejected;
    if (!loggedIn) {
      this.m.loginsRun[candidate] = (this.m.loginsRun[candidate] ?? 0) + 1;
      this.start('login');
      this.checkpoint();
    }
    if (loggedIn || state.login === 'succeed') {
      if (!loggedIn) modelStoreFresh(this.m, candidate);
      this.start('read'); // the check that the login stored a token
      this.switchTo = candidate;
      return true;
    }
    if (state.login === 'hang') this.m.now += LOGIN_TIMEOUT_MS;
    this.note(candidate, 'reauth-failed');
    this.tried.add(candidate);
    return false;
  }

  /** A refresh runs to its end even when the caller stops waiting (the manager's rule). */
  private refresh(bucket: string): boolean {
    const alive = this.m.world[bucket]!.grantAlive;
    if (alive) modelStoreFresh(this.m, bucket);
    else this.m.ledger.set(bucket, cooldownEntry(needsLogin(this.m.now), this.m.now));
    this.start('refresh');
    this.checkpoint();
    if (alive) return true;
    this.note(bucket, 'expired-refresh-failed');
    this.loginCanFix.add(bucket);
    return false;
  }

  /** No usable entry: a login may replace a missing or corrupt one, never one behind an outage. */
  private noToken(bucket: string): false {
    this.note(bucket, 'no-token');
    const store = this.m.world[bucket]!.store;
    if (store === 'ok' || store === 'CORRUPT') this.loginCanFix.add(bucket);
    return false;
  }

  /** The abortable waits of the handler: here an aborted signal ends the call. */
  checkpoint(): void {
    if (this.aborted) throw new Aborted();
  }

  private start(work: AbortPoint): void {
    if (this.started || work !== this.spec.abortAt) return;
    this.started = true;
    this.aborted = true;
  }

  private note(bucket: string, reason: BucketFailureReason, retryAt?: number): void {
    this.reasons[bucket] = reason;
    if (retryAt === undefined) delete this.retryAt[bucket];
    else this.retryAt[bucket] = retryAt;
  }
}
