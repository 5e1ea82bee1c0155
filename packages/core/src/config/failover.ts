// The contract between the retry engine (core) and the bucket failover handler (cli).
import type { BucketFailureDetail, BucketFailureReason } from '../providers/errors.js';
import type { FailoverTrigger } from '../providers/retry-decision.js';

/** What the engine knows about the failure that triggered a failover. */
export interface FailoverContext {
  /**
   * The bucket the failed attempt used. When it is no longer the session bucket, a concurrent
   * request already failed over from it: the handler does not classify it again.
   */
  failedBucket?: string;
  triggeringStatus?: number;
  /** How long the provider asked to wait (Retry-After / reset header), in ms. */
  retryAfterMs?: number;
  /** Epoch ms of the reset the response gave (now + retryAfterMs when it gave a wait). */
  retryAt?: number;
  /**
   * What the engine saw: `quota`, `rate-limit` and `long-wait` mean the account is out for now,
   * `refused` that the provider refuses this credential by policy, `auth` a rejected credential.
   */
  trigger?: FailoverTrigger;
  /** Credit or billing wording: no timer resets it, so a guessed cooldown is long. */
  billing?: boolean;
  /** The provider's own words about the failure (never a secret), for the reasons shown to people. */
  message?: string;
  signal?: AbortSignal;
  /** A person (TTY or UI) is there to complete a foreground login. */
  interactive?: boolean;
}

export interface BucketFailoverHandler {
  /** The profile's buckets, in priority order. */
  getBuckets(): string[];
  /** The bucket requests currently go to (the session bucket). */
  getCurrentBucket(): string | undefined;
  isEnabled(): boolean;
  /**
   * Classifies the current bucket and moves to the next usable one.
   * `true`: retry now, a bucket is ready. `false`: every bucket is exhausted.
   */
  tryFailover(context?: FailoverContext): Promise<boolean>;
  /** Clears the per-request tried set (start of every request and after success). */
  resetSession(): void;
  /** resetSession() and back to the first bucket (start of every user turn). */
  reset(): void;
  /**
   * A request succeeded on `bucket`: whatever cooldown was recorded for it is over. The engine awaits
   * it but ignores its failure (a success is never turned into an error).
   */
  bucketSucceeded?(bucket: string): Promise<void> | void;
  /** The reasons recorded by the last tryFailover call (a copy). */
  getLastFailoverReasons?(): Record<string, BucketFailureReason>;
  getLastFailoverDetails?(): Record<string, BucketFailureDetail>;
}
