// OAuthManager: the one place that reads, refreshes, logs in, persists and logs out a bucket's
// credential, and the one source of truth for the active (session) bucket of each provider and
// profile (BEHAVIOR §1-§4, §8). Flows only return tokens; this class alone writes them.
import * as client from 'openid-client';
import {
  abortReason,
  isTokenStoreError,
  parseOAuthToken,
  redactSecret,
  secondsUntilExpiry,
  systemClock,
  systemRandom,
  throwIfAborted,
  tokenKey,
  validateBucketName,
  validateProviderName,
  type Clock,
  type OAuthToken,
  type RandomSource,
  type StoreDescription,
  type TokenStore,
} from '@baton/core';
import {
  isApiKeyToken,
  isTokenExpired,
  needsRefresh,
  apiKeyToken,
  sameTokens,
} from './credential.js';
import { AuthorizationTimeoutError, RefreshTokenRevokedError } from './flows/errors.js';
import type { LoginResult } from './flows/login.js';
import {
  openidConfiguration,
  resolveProvider,
  type ResolvedProvider,
} from './flows/oauth-client.js';
import type { ProviderConfig } from './flows/provider-config.js';
import { refreshToken } from './flows/refresh.js';
import { isProviderField } from './token-fields.js';
import {
  ProactiveRenewalScheduler,
  type RenewalEvent,
  type RenewalResult,
  type RenewalState,
  type RenewalTimers,
} from './proactive-renewal.js';
import type { CooldownLedger } from './storage/cooldown-ledger.js';
import { FileLock } from './storage/file-lock.js';
import { SharedAbortable, untilAborted } from '../util/abortable.js';

/** Foreground logins are bounded (BEHAVIOR §5 pass 3). */
export const DEFAULT_LOGIN_TIMEOUT_MS = 300_000;
/** How long a process waits for another one's refresh of the same bucket (BEHAVIOR §3). */
export const DEFAULT_REFRESH_LOCK_WAIT_MS = 10_000;
/**
 * How long a request waits for the bucket's lock to store a provider field with the token: the write
 * only saves a later lookup, so a request does not sit behind another process's login for it.
 */
export const TOKEN_FIELD_LOCK_WAIT_MS = 2_000;
/** How old a store read may be and still serve the next lookup of the same bucket. */
export const RECENT_READ_REUSE_MS = 2_000;
/** A "needs login" or "refused" mark lasts until a login clears it; this is only its ceiling. */
export const UNTIL_LOGIN_MS = 30 * 24 * 60 * 60 * 1000;
/**
 * A store error after which no login may start (its token could not be saved): every code but
 * CORRUPT, which a login replaces. The store's own `reauthEligible` says which.
 */
export function isStoreOutage(error: unknown): boolean {
  return isTokenStoreError(error) && !error.reauthEligible;
}

/** What a login runner is asked to do: run the provider's flow for one bucket, return the token. */
export interface LoginRequest {
  providerName: string;
  provider: ResolvedProvider;
  bucket: string;
  signal: AbortSignal;
  timeoutMs: number;
}

/** Runs a login flow (device, loopback, paste) with whatever UI the caller has; never stores. */
export type LoginRunner = (request: LoginRequest) => Promise<OAuthToken | LoginResult>;

/** The bucket has no stored credential (never logged in, or logged out meanwhile). */
export class NoCredentialError extends Error {
  override readonly name = 'NoCredentialError';
  constructor(
    readonly provider: string,
    readonly bucket: string,
  ) {
    super(
      `no credential is stored for ${provider}/${bucket}; run \`baton auth login ${provider} --bucket ${bucket}\``,
    );
  }
}

/** An API key cannot be refreshed; a rejected key needs a new one. */
export class ApiKeyRejectedError extends Error {
  override readonly name = 'ApiKeyRejectedError';
  constructor(
    readonly provider: string,
    readonly bucket: string,
  ) {
    super(
      `the API key of ${provider}/${bucket} was rejected; store a new one with \`baton auth login ${provider} --bucket ${bucket} --api-key\``,
    );
  }
}

export interface OAuthManagerOptions {
  store: TokenStore;
  /** Directory of the per-bucket lock files (normally `<dataDir>/locks`). */
  locksDir: string;
  ledger: CooldownLedger;
  /** The provider config for a name (a preset or a custom provider); throws for unknown names. */
  providers: (name: string) => ProviderConfig;
  /** Needed only by authenticate(). */
  login?: LoginRunner;
  clock?: Clock;
  random?: RandomSource;
  /** Debug lines; they never contain a secret (tokens are redacted). */
  log?: (line: string) => void;
  /** Proactive renewal on (default) or off (one-shot commands that exit at once may turn it off). */
  renewal?: boolean;
  onRenewalEvent?: (event: RenewalEvent) => void;
  /** Timers for renewal (default: global timers, unref'ed). */
  renewalTimers?: RenewalTimers;
  /** Replaces global fetch for the authorization server (proxies, tests). */
  fetch?: typeof fetch;
  refreshLockWaitMs?: number;
  /** How long storing a provider field waits for the bucket's lock (TOKEN_FIELD_LOCK_WAIT_MS). */
  tokenFieldLockWaitMs?: number;
}

export interface AuthenticateOptions {
  signal?: AbortSignal;
  /** Bound on the whole login (default DEFAULT_LOGIN_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Prompt even when a usable token is stored (an explicit `baton auth login`). */
  force?: boolean;
  /** A stored token with this access token does not count as usable (the provider just refused it). */
  rejectedAccessToken?: string;
}

export interface BucketStatus {
  provider: string;
  bucket: string;
  kind?: 'oauth' | 'api-key';
  /** A credential is stored and readable. */
  authenticated: boolean;
  /** Epoch ms; only when the token states an expiry. */
  expiresAt?: number;
  /** The session bucket of at least one profile. */
  active: boolean;
  coolingUntil?: number;
  coolingReason?: string;
  needsLogin: boolean;
  renewal: RenewalState;
  error?: { code: string; message: string; remediation: string };
}

export interface StatusReport {
  store: StoreDescription;
  buckets: BucketStatus[];
  /** The store could not even list its entries. */
  error?: { code: string; message: string; remediation: string };
}

interface Refreshed {
  token: OAuthToken;
  refreshedBy: 'this-process' | 'another-process';
}

const sessionKey = (provider: string, profile: string): string => `${provider}\u0000${profile}`;

export class OAuthManager {
  readonly store: TokenStore;
  readonly ledger: CooldownLedger;
  readonly renewal: ProactiveRenewalScheduler | undefined;
  private readonly clock: Clock;
  private readonly lock: FileLock;
  private readonly log: (line: string) => void;
  private readonly refreshLockWaitMs: number;
  private readonly resolved = new Map<string, Promise<ResolvedProvider>>();
  private readonly refreshing = new Map<string, Promise<Refreshed>>();
  private readonly loggingIn = new Map<string, SharedAbortable<OAuthToken>>();
  private readonly sessions = new Map<string, string>();
  /** The token this process last saw per bucket: what a renewal starts from. */
  private readonly known = new Map<string, OAuthToken>();
  /** Store reads of the last moments, reused once by the lookup that follows (see takeRecentRead). */
  private readonly recentReads = new Map<string, { token: OAuthToken; at: number }>();
  /** Refresh tokens the server rejected (invalid_grant): never sent again (BEHAVIOR §8.4). */
  private readonly deadGrants = new Map<string, string>();

  constructor(private readonly options: OAuthManagerOptions) {
    this.store = options.store;
    this.ledger = options.ledger;
    this.clock = options.clock ?? systemClock;
    const random = options.random ?? systemRandom;
    this.log = options.log ?? (() => undefined);
    this.refreshLockWaitMs = options.refreshLockWaitMs ?? DEFAULT_REFRESH_LOCK_WAIT_MS;
    this.lock = new FileLock({ dir: options.locksDir, clock: this.clock, random });
    this.renewal =
      options.renewal === false
        ? undefined
        : new ProactiveRenewalScheduler({
            clock: this.clock,
            random,
            renew: (provider, bucket, signal) => this.renew(provider, bucket, signal),
            ...(options.renewalTimers ? { timers: options.renewalTimers } : {}),
            onEvent: (event) => {
              this.log(`renewal ${event.provider}/${event.bucket}: ${event.type}`);
              options.onRenewalEvent?.(event);
            },
          });
  }

  // ---------------------------------------------------------------------------------------------
  // Reading and refreshing

  /**
   * The stored credential, read only: never refreshes, never schedules, never touches failover state.
   * @plan PLAN-20260223-ISSUE1598.P12
   * @requirement REQ-1598-FL09
   */
  async peekToken(provider: string, bucket: string): Promise<OAuthToken | null> {
    const token = await this.store.get(validateProviderName(provider), validateBucketName(bucket));
    const key = tokenKey(provider, bucket);
    if (token === null) this.recentReads.delete(key);
    else this.recentReads.set(key, { token, at: this.clock.now() });
    return token;
  }

  /**
   * A read made moments ago (the failover pass that chose this bucket), used once: the request
   * that follows a switch does not read the store a second time (one store read per failover).
   */
  private takeRecentRead(provider: string, bucket: string): OAuthToken | undefined {
    const key = tokenKey(provider, bucket);
    const recent = this.recentReads.get(key);
    this.recentReads.delete(key);
    if (!recent) return undefined;
    const age = this.clock.now() - recent.at;
    return age >= 0 && age <= RECENT_READ_REUSE_MS ? recent.token : undefined;
  }

  /**
   * A usable credential for the bucket, or null when none is stored. A token near expiry is
   * refreshed first (once per bucket across processes); store outages throw, they are not "null".
   * @plan PLAN-20260223-ISSUE1598.P12
   * @requirement REQ-1598-LK04, REQ-1598-FL09
   */
  async getOAuthToken(
    provider: string,
    bucket: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<OAuthToken | null> {
    const token = this.takeRecentRead(provider, bucket) ?? (await this.peekToken(provider, bucket));
    this.recentReads.delete(tokenKey(provider, bucket));
    if (token === null || isApiKeyToken(token)) return token;
    if (!needsRefresh(token, this.clock)) {
      this.remember(provider, bucket, token);
      return token;
    }
    return (await this.refreshShared(provider, bucket, token, false, options.signal)).token;
  }

  /**
   * After a 401/403: refreshes the bucket unless the stored token already differs from the one
   * that failed (another process or request refreshed it), in which case that token is returned.
   * @plan PLAN-20260223-ISSUE1598.P12
   * @requirement REQ-1598-LK03, REQ-1598-RO04
   */
  async forceRefresh(
    provider: string,
    bucket: string,
    failedAccessToken?: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<OAuthToken> {
    const stored = await this.peekToken(provider, bucket);
    if (stored === null) throw new NoCredentialError(provider, bucket);
    if (isApiKeyToken(stored)) throw new ApiKeyRejectedError(provider, bucket);
    if (failedAccessToken !== undefined && stored.access_token !== failedAccessToken) {
      this.log(`force-refresh ${provider}/${bucket}: the stored token already changed, using it`);
      return stored;
    }
    return (await this.refreshShared(provider, bucket, stored, true, options.signal)).token;
  }

  /** Refreshes an expired token (failover passes 1 and 2). */
  async refreshExpired(
    provider: string,
    bucket: string,
    token: OAuthToken,
    options: { signal?: AbortSignal } = {},
  ): Promise<OAuthToken> {
    if (isApiKeyToken(token)) return token;
    return (await this.refreshShared(provider, bucket, token, false, options.signal)).token;
  }

  /**
   * @plan PLAN-20260223-ISSUE1598.P12
   * @requirement REQ-1598-LK04
   */
  private refreshShared(
    provider: string,
    bucket: string,
    startedFrom: OAuthToken,
    force: boolean,
    signal: AbortSignal | undefined,
  ): Promise<Refreshed> {
    // A caller that already gave up starts nothing (one already running goes on for others).
    throwIfAborted(signal);
    const key = tokenKey(provider, bucket);
    let shared = this.refreshing.get(key);
    if (!shared) {
      shared = this.refreshUnderLock(provider, bucket, startedFrom, force).finally(() => {
        this.refreshing.delete(key);
      });
      shared.catch(() => undefined);
      this.refreshing.set(key, shared);
    }
    return untilAborted(shared, signal);
  }

  /**
   * One transaction under the bucket's cross-process lock: re-read, use another process's newer
   * token if there is one, else call the token endpoint and persist. Not abortable once the token
   * endpoint has answered: a rotated refresh token must reach the store.
   * @plan PLAN-20260223-ISSUE1598.P12
   * @requirement REQ-1598-LK01, REQ-1598-LK03
   */
  private refreshUnderLock(
    provider: string,
    bucket: string,
    startedFrom: OAuthToken,
    force: boolean,
  ): Promise<Refreshed> {
    return this.lock.withLock(
      tokenKey(provider, bucket),
      async () => {
        const key = tokenKey(provider, bucket);
        // Whatever comes out of this transaction is newer than any read made before it: a lookup
        // right after must not reuse a read of the token that was just refreshed or replaced.
        this.recentReads.delete(key);
        const current = await this.store.get(provider, bucket);
        if (current === null) throw new NoCredentialError(provider, bucket);
        if (isApiKeyToken(current)) throw new ApiKeyRejectedError(provider, bucket);
        const changed = !sameTokens(current, startedFrom);
        if (changed && (force || !needsRefresh(current, this.clock))) {
          this.log(`refresh ${provider}/${bucket}: another process already refreshed`);
          this.remember(provider, bucket, current, true);
          return { token: current, refreshedBy: 'another-process' as const };
        }
        if (
          current.refresh_token !== undefined &&
          this.deadGrants.get(key) === current.refresh_token
        ) {
          throw new RefreshTokenRevokedError(
            `the refresh token of ${provider}/${bucket} was rejected earlier; log in again`,
          );
        }
        const resolved = await this.resolve(provider);
        let refreshed: OAuthToken;
        try {
          refreshed = await refreshToken(resolved, current, {
            clock: this.clock,
            ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
          });
        } catch (error) {
          if (error instanceof RefreshTokenRevokedError) {
            if (current.refresh_token !== undefined)
              this.deadGrants.set(key, current.refresh_token);
            await this.markNeedsLogin(provider, bucket);
          }
          this.log(`refresh ${provider}/${bucket} failed: ${(error as Error).message}`);
          throw error;
        }
        await this.store.save(provider, bucket, refreshed);
        this.log(
          `refreshed ${provider}/${bucket}: ${redactSecret(refreshed.access_token)}, ${Math.round(secondsUntilExpiry(refreshed, this.clock))} s left`,
        );
        await this.clearLoginMark(provider, bucket);
        this.remember(provider, bucket, refreshed, true);
        return { token: refreshed, refreshedBy: 'this-process' as const };
      },
      { verb: 'refreshing', waitMs: this.refreshLockWaitMs },
    );
  }

  /** The scheduler's renewal: starts from the token this process last saw for the bucket. */
  private async renew(
    provider: string,
    bucket: string,
    signal: AbortSignal,
  ): Promise<RenewalResult> {
    const startedFrom =
      this.known.get(tokenKey(provider, bucket)) ?? (await this.peekToken(provider, bucket));
    if (startedFrom === null) throw new NoCredentialError(provider, bucket);
    throwIfAborted(signal);
    // force: the token is not near expiry yet, but renewing early is the point.
    return this.refreshShared(provider, bucket, startedFrom, true, signal);
  }

  /**
   * Keeps a provider field found during a request (the Code Assist project) with the bucket's token,
   * so later processes need not look it up again. Under the bucket's lock the stored token is read
   * again and the field written onto it only while it is still the grant the request used (same
   * access token, or same refresh token): a token another process rotated in, or a new login's, is
   * never overwritten nor given a value found for another credential. A lock or store failure is
   * logged, not thrown: the request goes on and the field is looked up again next time.
   * Returns whether the field is now stored.
   */
  rememberTokenField(
    provider: string,
    bucket: string,
    used: Pick<OAuthToken, 'access_token' | 'refresh_token'>,
    field: string,
    value: string,
  ): Promise<boolean> {
    return this.updateTokenField(provider, bucket, used, field, () => value);
  }

  /**
   * Drops a provider field the provider refused (a stored project no longer the account's), on the
   * same terms as rememberTokenField, and only while the stored token still holds that very value.
   */
  forgetTokenField(
    provider: string,
    bucket: string,
    used: Pick<OAuthToken, 'access_token' | 'refresh_token'>,
    field: string,
    value: string,
  ): Promise<boolean> {
    return this.updateTokenField(provider, bucket, used, field, (current) =>
      current === value ? undefined : current,
    );
  }

  /** `next` maps the stored value to the wanted one (undefined: no such field). */
  private async updateTokenField(
    provider: string,
    bucket: string,
    used: Pick<OAuthToken, 'access_token' | 'refresh_token'>,
    field: string,
    next: (current: unknown) => unknown,
  ): Promise<boolean> {
    if (!isProviderField(field)) throw new RangeError(`${field} is not a provider field`);
    const key = tokenKey(provider, bucket);
    try {
      return await this.lock.withLock(
        key,
        async () => {
          const stored = await this.store.get(provider, bucket);
          const sameGrant =
            stored !== null &&
            (stored.access_token === used.access_token ||
              (used.refresh_token !== undefined && stored.refresh_token === used.refresh_token));
          if (!sameGrant) {
            this.log(`${provider}/${bucket}: the token changed meanwhile, ${field} left as is`);
            return false;
          }
          const value = next(stored[field]);
          if (value === stored[field]) return true;
          const updated: OAuthToken = { ...stored, [field]: value };
          if (value === undefined) delete updated[field];
          this.recentReads.delete(key);
          await this.store.save(provider, bucket, updated);
          const known = this.known.get(key);
          if (known && sameTokens(known, updated)) this.known.set(key, updated);
          this.log(`${provider}/${bucket}: ${value === undefined ? 'dropped' : 'stored'} ${field}`);
          return true;
        },
        {
          verb: 'updating',
          waitMs: this.options.tokenFieldLockWaitMs ?? TOKEN_FIELD_LOCK_WAIT_MS,
        },
      );
    } catch (error) {
      this.log(`${provider}/${bucket}: could not update ${field}: ${(error as Error).message}`);
      return false;
    }
  }

  private remember(provider: string, bucket: string, token: OAuthToken, fresh = false): void {
    const key = tokenKey(provider, bucket);
    const previous = this.known.get(key);
    this.known.set(key, token);
    if (!this.renewal || isApiKeyToken(token)) return;
    if (fresh) this.renewal.notifyRefreshed(provider, bucket, token);
    else if (!previous || !sameTokens(previous, token))
      this.renewal.schedule(provider, bucket, token);
  }

  private resolve(provider: string, signal?: AbortSignal): Promise<ResolvedProvider> {
    let resolved = this.resolved.get(provider);
    if (!resolved) {
      const config = this.options.providers(provider);
      resolved = resolveProvider(config, {
        ...(signal ? { signal } : {}),
        ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      });
      // A failed discovery is not cached: the next call tries again.
      resolved.catch(() => this.resolved.delete(provider));
      this.resolved.set(provider, resolved);
    }
    return resolved;
  }

  // ---------------------------------------------------------------------------------------------
  // Logging in and out

  /**
   * Runs the provider's login for the bucket and persists the token to that bucket only. One login
   * per bucket at a time, in this process and (through the lock) across processes; the store is
   * checked once more right before prompting, so a bucket logged in meanwhile is not prompted again.
   * `force` (an explicit `baton auth login`) prompts even when a usable token is stored.
   * `rejectedAccessToken`: a stored token equal to it does not count as usable (it was just refused).
   */
  authenticate(
    provider: string,
    bucket: string,
    options: AuthenticateOptions = {},
  ): Promise<OAuthToken> {
    validateProviderName(provider);
    validateBucketName(bucket);
    const key = tokenKey(provider, bucket);
    // One login per bucket: callers share it, and it is cancelled only when all of them gave up.
    let shared = this.loggingIn.get(key);
    if (!shared || shared.abandoned) {
      const created: SharedAbortable<OAuthToken> = new SharedAbortable((signal) =>
        this.loginUnderLock(provider, bucket, { ...options, signal }).finally(() => {
          if (this.loggingIn.get(key) === created) this.loggingIn.delete(key);
        }),
      );
      shared = created;
      this.loggingIn.set(key, created);
    }
    return shared.join(options.signal);
  }

  private async loginUnderLock(
    provider: string,
    bucket: string,
    options: AuthenticateOptions,
  ): Promise<OAuthToken> {
    const login = this.options.login;
    if (!login) throw new Error('this baton session cannot show a login');
    const timeoutMs = options.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS;
    const controller = new AbortController();
    const stopTimer = new AbortController();
    const onAbort = (): void => controller.abort(options.signal?.reason);
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    this.clock.sleep(timeoutMs, stopTimer.signal).then(
      () => controller.abort(new AuthorizationTimeoutError(timeoutMs)),
      () => undefined,
    );
    const signal = controller.signal;
    try {
      return await this.lock.withLock(
        tokenKey(provider, bucket),
        async () => {
          if (!options.force) {
            const existing = await this.readBeforeLogin(provider, bucket);
            if (
              existing !== null &&
              !isTokenExpired(existing, this.clock) &&
              existing.access_token !== options.rejectedAccessToken
            ) {
              this.log(
                `login ${provider}/${bucket}: already logged in (another process), no prompt`,
              );
              this.remember(provider, bucket, existing);
              return existing;
            }
          }
          throwIfAborted(signal);
          const resolved = await this.resolve(provider, signal);
          const outcome = await login({
            providerName: provider,
            provider: resolved,
            bucket,
            signal,
            timeoutMs,
          });
          // A login that finished after its caller gave up is not stored anywhere.
          throwIfAborted(signal);
          const token = parseOAuthToken('via' in outcome ? outcome.token : outcome);
          this.recentReads.delete(tokenKey(provider, bucket));
          await this.store.save(provider, bucket, token);
          this.log(`logged in ${provider}/${bucket}: ${redactSecret(token.access_token)}`);
          await this.clearLoginMark(provider, bucket);
          this.remember(provider, bucket, token, true);
          return token;
        },
        { signal, waitMs: timeoutMs, verb: 'logging in to' },
      );
    } catch (error) {
      if (signal.aborted && !(options.signal?.aborted ?? false)) throw abortReason(signal);
      throw error;
    } finally {
      stopTimer.abort();
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The stored token before a login: a corrupt entry may be replaced, an outage may not. */
  private async readBeforeLogin(provider: string, bucket: string): Promise<OAuthToken | null> {
    try {
      return await this.store.get(provider, bucket);
    } catch (error) {
      if (isTokenStoreError(error) && error.reauthEligible) return null;
      throw error;
    }
  }

  /** Stores an API key for the bucket (it replaces whatever the bucket held). */
  async saveApiKey(provider: string, bucket: string, key: string): Promise<void> {
    validateProviderName(provider);
    validateBucketName(bucket);
    const token = apiKeyToken(key);
    await this.lock.withLock(
      tokenKey(provider, bucket),
      () => {
        this.recentReads.delete(tokenKey(provider, bucket));
        return this.store.save(provider, bucket, token);
      },
      {
        verb: 'logging in to',
      },
    );
    this.renewal?.cancel(provider, bucket);
    this.known.delete(tokenKey(provider, bucket));
    await this.clearLoginMark(provider, bucket, true);
    this.log(`stored an API key for ${provider}/${bucket}: ${redactSecret(key)}`);
  }

  /**
   * Logs out one bucket or all of a provider's: revokes remotely when the provider supports it
   * (best effort), always removes the local credential, cancels renewal and forgets cooldowns.
   * @plan PLAN-20260223-ISSUE1598.P13
   * @requirement REQ-1598-CLI06, REQ-1598-PR08
   */
  async logout(
    provider: string,
    target: string | { all: true },
    options: { signal?: AbortSignal; revokeTimeoutMs?: number } = {},
  ): Promise<{ removed: string[]; revoked: string[] }> {
    validateProviderName(provider);
    const buckets =
      typeof target === 'string'
        ? [validateBucketName(target)]
        : await this.store.listBuckets(provider);
    const removed: string[] = [];
    const revoked: string[] = [];
    for (const bucket of buckets) {
      const token = await this.store.get(provider, bucket).catch(() => null);
      if (token && !isApiKeyToken(token) && (await this.revoke(provider, token, options))) {
        revoked.push(bucket);
      }
      this.recentReads.delete(tokenKey(provider, bucket));
      if (await this.store.remove(provider, bucket)) removed.push(bucket);
      this.renewal?.cancel(provider, bucket);
      this.known.delete(tokenKey(provider, bucket));
      await this.ledger.clear(provider, bucket).catch(() => undefined);
      for (const [key, active] of this.sessions) {
        if (key.startsWith(`${provider}\u0000`) && active === bucket) this.sessions.delete(key);
      }
    }
    return { removed, revoked };
  }

  private async revoke(
    provider: string,
    token: OAuthToken,
    options: { signal?: AbortSignal; revokeTimeoutMs?: number },
  ): Promise<boolean> {
    try {
      const resolved = await this.resolve(provider, options.signal);
      if (!resolved.serverMetadata.revocation_endpoint) return false;
      const timeout = AbortSignal.timeout(options.revokeTimeoutMs ?? 5_000);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      const configuration = openidConfiguration(resolved, {
        signal,
        ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      });
      // The refresh token carries the grant: revoking it ends the access tokens too (RFC 7009 §2.1).
      if (token.refresh_token) {
        await client.tokenRevocation(configuration, token.refresh_token, {
          token_type_hint: 'refresh_token',
        });
      }
      await client.tokenRevocation(configuration, token.access_token, {
        token_type_hint: 'access_token',
      });
      return true;
    } catch (error) {
      this.log(
        `revocation for ${provider} failed (removed locally anyway): ${(error as Error).message}`,
      );
      return false;
    }
  }

  /**
   * @plan PLAN-20260223-ISSUE1598.P11
   * @requirement REQ-1598-PR07
   */
  private async markNeedsLogin(provider: string, bucket: string): Promise<void> {
    await this.ledger
      .record(provider, bucket, {
        reason: 'expired-refresh-failed',
        source: 'until-login',
        until: this.clock.now() + UNTIL_LOGIN_MS,
      })
      .catch((error: unknown) =>
        this.log(`could not record that ${provider}/${bucket} needs a login: ${String(error)}`),
      );
  }

  /** A successful login or refresh ends a "needs login" mark (and, for a new login, a refusal). */
  private async clearLoginMark(provider: string, bucket: string, anyMark = false): Promise<void> {
    try {
      const entry = await this.ledger.get(provider, bucket);
      if (entry && (anyMark || entry.source === 'until-login'))
        await this.ledger.clear(provider, bucket);
    } catch (error) {
      this.log(`could not update the cooldown ledger for ${provider}/${bucket}: ${String(error)}`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The session bucket: the one source of truth for which bucket a provider+profile uses.

  getSessionBucket(provider: string, profile: string): string | undefined {
    return this.sessions.get(sessionKey(provider, profile));
  }

  /**
   * @plan PLAN-20260223-ISSUE1598.P13
   * @requirement REQ-1598-SM05
   */
  setSessionBucket(provider: string, profile: string, bucket: string): void {
    this.sessions.set(sessionKey(provider, profile), validateBucketName(bucket));
  }

  clearSessionBucket(provider: string, profile: string): void {
    this.sessions.delete(sessionKey(provider, profile));
  }

  private isActive(provider: string, bucket: string): boolean {
    for (const [key, active] of this.sessions) {
      if (key.startsWith(`${provider}\u0000`) && active === bucket) return true;
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // Status

  /**
   * What is known per bucket; unknown stays unknown (no figure is invented).
   * @plan PLAN-20260223-ISSUE1598.P17
   * @requirement REQ-1598-CLI01
   */
  async status(
    provider?: string,
    options: { buckets?: readonly string[] } = {},
  ): Promise<StatusReport> {
    const store = this.store.describe();
    let providers: string[];
    try {
      providers =
        provider === undefined
          ? await this.store.listProviders()
          : [validateProviderName(provider)];
    } catch (error) {
      return { store, buckets: [], error: describeStoreError(error) };
    }
    const buckets: BucketStatus[] = [];
    for (const p of providers) {
      let names: string[];
      try {
        names = await this.store.listBuckets(p);
      } catch (error) {
        return { store, buckets, error: describeStoreError(error) };
      }
      const all = [...new Set([...(p === provider ? (options.buckets ?? []) : []), ...names])];
      const cooling = new Map((await this.ledger.list(p)).map((entry) => [entry.bucket, entry]));
      for (const bucket of all)
        buckets.push(await this.bucketStatus(p, bucket, cooling.get(bucket)));
    }
    return { store, buckets };
  }

  private async bucketStatus(
    provider: string,
    bucket: string,
    cooldown: { until: number; reason: string; source: string } | undefined,
  ): Promise<BucketStatus> {
    const base = {
      provider,
      bucket,
      active: this.isActive(provider, bucket),
      renewal: this.renewal?.state(provider, bucket) ?? { status: 'idle' as const, failures: 0 },
      ...(cooldown ? { coolingUntil: cooldown.until, coolingReason: cooldown.reason } : {}),
    };
    const markedForLogin =
      cooldown?.source === 'until-login' && cooldown.reason === 'expired-refresh-failed';
    let token: OAuthToken | null;
    try {
      token = await this.store.get(provider, bucket);
    } catch (error) {
      return {
        ...base,
        authenticated: false,
        needsLogin: isTokenStoreError(error, 'CORRUPT'),
        error: describeStoreError(error),
      };
    }
    if (token === null) return { ...base, authenticated: false, needsLogin: true };
    if (isApiKeyToken(token))
      return { ...base, kind: 'api-key', authenticated: true, needsLogin: false };
    const expiry = token.expiry;
    const dead = isTokenExpired(token, this.clock) && !token.refresh_token;
    return {
      ...base,
      kind: 'oauth',
      authenticated: true,
      ...(typeof expiry === 'number' && Number.isFinite(expiry)
        ? { expiresAt: expiry * 1000 }
        : {}),
      needsLogin: dead || markedForLogin,
    };
  }

  /** Cancels every renewal timer (and an in-flight renewal). */
  dispose(): void {
    this.renewal?.dispose();
  }
}

function describeStoreError(error: unknown): {
  code: string;
  message: string;
  remediation: string;
} {
  if (isTokenStoreError(error)) {
    return { code: error.code, message: error.message, remediation: error.remediation };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'ERROR', message, remediation: 'run `baton doctor` for details' };
}
