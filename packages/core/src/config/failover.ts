// The contract between the retry engine (core) and the bucket failover handler (cli).
import type { BucketFailureDetail, BucketFailureReason } from '../providers/errors.js';

/** What the engine knows about the failure that triggered a failover. */
export interface FailoverContext {
  triggeringStatus?: number;
  /** How long the provider asked to wait (Retry-After / reset header), in ms. */
  retryAfterMs?: number;
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
  /** The reasons recorded by the last tryFailover call (a copy). */
  getLastFailoverReasons?(): Record<string, BucketFailureReason>;
  getLastFailoverDetails?(): Record<string, BucketFailureDetail>;
}
