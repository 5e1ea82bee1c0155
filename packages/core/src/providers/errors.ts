// Failure vocabulary shared by the whole system: why a bucket could not serve, the error that lists
// every bucket's reason, and the typed provider errors that classification produces.

export const BUCKET_FAILURE_REASONS = [
  'quota-exhausted',
  'expired-refresh-failed',
  'reauth-failed',
  'no-token',
  'skipped',
  'refused',
] as const;

export type BucketFailureReason = (typeof BUCKET_FAILURE_REASONS)[number];

/** Why one bucket could not serve, with what is known about it. `retryAt` is epoch milliseconds. */
export interface BucketFailureDetail {
  reason: BucketFailureReason;
  status?: number;
  retryAt?: number;
  message?: string;
  /** A next step only the user can take (e.g. "unlock the keychain"), shown in the error's Next line. */
  action?: string;
}

/** Reasons that a login could fix (when the store itself is healthy). */
export const REAUTH_ELIGIBLE_REASONS: ReadonlySet<BucketFailureReason> = new Set([
  'expired-refresh-failed',
  'no-token',
  'reauth-failed',
]);

export interface ExhaustedErrorFormatOptions {
  /** Formats a retry time for people; defaults to formatRetryTime (time of day, or date and time). */
  formatTime?: (epochMs: number) => string;
  /** Epoch ms the retry times are relative to (which of them are "today"); defaults to Date.now(). */
  now?: number;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');
export const formatClockTime = (epochMs: number): string => {
  const d = new Date(epochMs);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
};

const MS_PER_DAY = 24 * 60 * 60 * 1000;
const MONTH_NAMES = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
];

/** A retry time for people: `14:05` within 24 h of `now`, else with its date (`Dec 3 14:05`). */
export function formatRetryTime(epochMs: number, now: number): string {
  const d = new Date(epochMs);
  if (Number.isNaN(d.getTime())) return 'an unknown time';
  if (Math.abs(epochMs - now) < MS_PER_DAY) return formatClockTime(epochMs);
  return `${MONTH_NAMES[d.getMonth()]} ${d.getDate()} ${formatClockTime(epochMs)}`;
}

/** The SDKs render an error as `429 {"type":"error","error":{…}}`: the status, then the raw body. */
const SDK_RENDERING = /^(\d{3})\s+([[{][\s\S]*)$/;

/**
 * An error's message in the provider's own words: for the SDK's `429 {…}` rendering, the `message`
 * inside the body (with the status in front), otherwise the message as it is.
 */
export function ownWords(error: unknown): string {
  const message = error instanceof Error ? String(error.message) : String(error);
  const m = SDK_RENDERING.exec(message.trim());
  // Stryker disable next-line ConditionalExpression: without it, m[2] throws inside the try and the catch returns the same message
  if (!m) return message;
  try {
    const parsed: unknown = JSON.parse(m[2]!);
    const root: unknown = Array.isArray(parsed) ? (parsed as unknown[])[0] : parsed;
    const inner = (root as { error?: { message?: unknown }; message?: unknown } | null) ?? {};
    const words = inner.error?.message ?? inner.message;
    // Stryker disable next-line ConditionalExpression: a non-string has no trim(); the throw lands in the catch, which returns the same message
    return typeof words === 'string' && words.trim() !== '' ? `${m[1]} ${words.trim()}` : message;
  } catch {
    return message;
  }
}

/** An ISO string, or undefined for a time no Date can hold (toISOString would throw). */
function safeIso(epochMs: number): string | undefined {
  const d = new Date(epochMs);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/**
 * Every bucket of a provider failed. Never retryable: no outer layer may retry it.
 * Inputs are copied, so later changes to the caller's arrays or records do not leak in.
 * @plan PLAN-20260223-ISSUE1598.P06
 * @requirement REQ-1598-ER01, REQ-1598-ER02, REQ-1598-ER03, REQ-1598-ER04
 * @requirement REQ-1598-ER05, REQ-1598-ER06, REQ-1598-ER07
 */
export class AllBucketsExhaustedError extends Error {
  override readonly name = 'AllBucketsExhaustedError';
  readonly isRetryable = false as const;
  readonly providerName: string;
  readonly attemptedBuckets: readonly string[];
  readonly bucketFailureReasons: Readonly<Record<string, BucketFailureReason>>;
  readonly details: Readonly<Record<string, BucketFailureDetail>>;
  readonly earliestRetryAt?: number;
  readonly lastError: unknown;

  constructor(
    providerName: string,
    attemptedBuckets: readonly string[],
    lastError?: unknown,
    bucketFailureReasons: Record<string, BucketFailureReason> = {},
    details: Record<string, BucketFailureDetail> = {},
    format: ExhaustedErrorFormatOptions = {},
  ) {
    const buckets = [...attemptedBuckets];
    const reasons = { ...bucketFailureReasons };
    // fromEntries, not assignment: a bucket may be named `__proto__` (names allow it).
    const detailCopy: Record<string, BucketFailureDetail> = Object.fromEntries(
      Object.entries(details).map(([bucket, detail]) => [bucket, { ...detail }]),
    );
    const earliest = earliestRetry(detailCopy);
    super(formatExhaustedMessage(providerName, buckets, reasons, detailCopy, earliest, format), {
      cause: lastError,
    });
    this.providerName = providerName;
    this.attemptedBuckets = buckets;
    this.bucketFailureReasons = reasons;
    this.details = detailCopy;
    // The field is declared, so it is an own property (undefined) whether or not it is assigned.
    this.earliestRetryAt = earliest;
    this.lastError = lastError;
  }

  /** The same data as plain JSON; never throws (a bad date or an odd lastError is left out). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      name: this.name,
      message: this.message,
      providerName: this.providerName,
      attemptedBuckets: [...this.attemptedBuckets],
      bucketFailureReasons: { ...this.bucketFailureReasons },
      details: Object.fromEntries(Object.entries(this.details).map(([k, v]) => [k, { ...v }])),
      isRetryable: false,
    };
    // Stryker disable next-line ConditionalExpression: safeIso(undefined) is an invalid Date, so undefined too
    const earliest = this.earliestRetryAt === undefined ? undefined : safeIso(this.earliestRetryAt);
    if (earliest !== undefined) out.earliestRetryAt = earliest;
    try {
      if (this.lastError instanceof Error)
        out.lastError = { name: String(this.lastError.name), message: ownWords(this.lastError) };
    } catch {
      // A lastError whose name or message cannot be read is left out rather than breaking --json.
    }
    return out;
  }
}

/** The soonest stated retry time of any bucket (a quota reset or any long wait the provider asked for). */
function earliestRetry(details: Record<string, BucketFailureDetail>): number | undefined {
  let earliest: number | undefined;
  for (const d of Object.values(details)) {
    // Stryker disable next-line ConditionalExpression: Number.isFinite(undefined) is false; the test narrows the type
    if (d.retryAt === undefined || !Number.isFinite(d.retryAt)) continue;
    // Stryker disable next-line EqualityOperator: an equal time is the same earliest time
    if (earliest === undefined || d.retryAt < earliest) earliest = d.retryAt;
  }
  return earliest;
}

function formatExhaustedMessage(
  provider: string,
  buckets: string[],
  reasons: Record<string, BucketFailureReason>,
  details: Record<string, BucketFailureDetail>,
  earliest: number | undefined,
  format: ExhaustedErrorFormatOptions,
): string {
  const now = format.now ?? Date.now();
  const time = format.formatTime ?? ((epochMs: number) => formatRetryTime(epochMs, now));
  // Own keys only: bucket names such as `constructor` or `toString` are valid names.
  const detailOf = (b: string): BucketFailureDetail | undefined =>
    Object.hasOwn(details, b) ? details[b] : undefined;
  const reasonOf = (b: string): BucketFailureReason | undefined =>
    (Object.hasOwn(reasons, b) ? reasons[b] : undefined) ?? detailOf(b)?.reason;
  const head =
    buckets.length === 1
      ? `The only bucket for ${provider} is unavailable:`
      : `All ${buckets.length} buckets for ${provider} are unavailable:`;
  const lines = buckets.map((bucket) => {
    const reason = reasonOf(bucket);
    if (!reason) return `  - ${bucket}`;
    const d = detailOf(bucket);
    const parts: string[] = [];
    if (d?.status !== undefined) parts.push(String(d.status));
    if (d?.message) parts.push(ownWords(d.message));
    if (d?.retryAt !== undefined && Number.isFinite(d.retryAt))
      parts.push(`retry after ${time(d.retryAt)}`);
    return `  - ${bucket}: ${reason}${parts.length ? ` (${parts.join(', ')})` : ''}`;
  });

  const next: string[] = [];
  if (earliest !== undefined) next.push(`wait until ${time(earliest)}`);
  for (const bucket of buckets) {
    const action = detailOf(bucket)?.action;
    if (action && !next.includes(action)) next.push(action);
  }
  const loginBucket = buckets.find((b) => {
    const reason = reasonOf(b);
    // Stryker disable next-line ConditionalExpression: the set holds no undefined; the test narrows the type
    return reason !== undefined && REAUTH_ELIGIBLE_REASONS.has(reason) && !detailOf(b)?.action;
  });
  if (loginBucket !== undefined)
    next.push(`run \`baton auth login ${provider} --bucket ${loginBucket}\``);
  if (next.length === 0) next.push(`try again later, or run \`baton auth status ${provider}\``);
  return [head, ...lines, `Next: ${next.join(', or ')}.`].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Provider errors: what a failed provider call turns into after classification.

export interface ProviderErrorInit {
  status?: number;
  /** Lower-cased response headers, kept because Retry-After and reset headers drive cooldowns. */
  headers?: Record<string, string>;
  /** How long the provider asked us to wait, in ms, from Retry-After or a reset header. */
  retryAfterMs?: number;
  /** Response body text (or the provider's error message), without secrets. */
  body?: string;
  /** e.g. `invalid_request_error`, `overloaded_error`, `insufficient_quota`, `ECONNRESET`. */
  code?: string;
  provider?: string;
  cause?: unknown;
}

export abstract class ProviderError extends Error {
  abstract readonly kind: ProviderErrorKind;
  readonly status?: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly retryAfterMs?: number;
  readonly body?: string;
  readonly code?: string;
  readonly provider?: string;

  constructor(message: string, init: ProviderErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    // The fields are declared, so each is an own property (undefined when not given) either way.
    this.status = init.status;
    this.headers = { ...(init.headers ?? {}) };
    this.retryAfterMs = init.retryAfterMs;
    this.body = init.body;
    this.code = init.code;
    this.provider = init.provider;
  }
}

export type ProviderErrorKind =
  | 'rate-limit'
  | 'quota'
  | 'auth'
  | 'refused'
  | 'server'
  | 'network'
  | 'client'
  | 'stream-interrupted';

/** 429 that is a short, transient rate limit (no quota wording). */
export class RateLimitError extends ProviderError {
  override readonly name = 'RateLimitError';
  readonly kind = 'rate-limit' as const;
}

/** 402, or a 429/other response whose wording says the account's quota or usage limit is spent. */
export class QuotaError extends ProviderError {
  override readonly name = 'QuotaError';
  readonly kind = 'quota' as const;
}

/** 401 / 403: the credential was rejected. */
export class AuthenticationError extends ProviderError {
  override readonly name = 'AuthenticationError';
  readonly kind = 'auth' as const;
}

/**
 * The provider refuses this kind of credential for this use, by policy (e.g. a subscription token
 * outside the provider's own app). Refreshing or logging in again cannot help.
 */
export class CredentialRefusedError extends ProviderError {
  override readonly name = 'CredentialRefusedError';
  readonly kind = 'refused' as const;
}

/** 5xx, 529 and Anthropic `overloaded_error`. */
export class ServerError extends ProviderError {
  override readonly name = 'ServerError';
  readonly kind = 'server' as const;
}

/** The request never got an HTTP answer (reset, timeout, DNS, socket errors). */
export class NetworkError extends ProviderError {
  override readonly name = 'NetworkError';
  readonly kind = 'network' as const;
}

/** 400, 404, 422 and other 4xx: the request itself is wrong; never retried. */
export class ClientError extends ProviderError {
  override readonly name = 'ClientError';
  readonly kind = 'client' as const;
}

/**
 * A stream failed after output had reached the caller. Never retried; the partial output is kept
 * and marked incomplete.
 */
export class StreamInterruptedError extends ProviderError {
  override readonly name = 'StreamInterruptedError';
  readonly kind = 'stream-interrupted' as const;
  readonly incomplete = true as const;
  constructor(
    message: string,
    /** Everything the caller received before the failure, in order. */
    readonly partialOutput: readonly unknown[],
    /** The concatenated text deltas of partialOutput, when the chunks carry text. */
    readonly partialText: string,
    init: ProviderErrorInit = {},
  ) {
    super(message, init);
  }
}

/**
 * The whole request ran out of time (`deadlineMs`): the running attempt, wait or failover was stopped.
 * Never retryable; `lastError` is the failure before it, if there was one.
 */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
  readonly isRetryable = false as const;
  constructor(readonly deadlineMs: number) {
    super(`The request did not finish within its ${deadlineMs} ms deadline.`);
  }
}
