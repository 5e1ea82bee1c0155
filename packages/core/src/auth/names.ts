// Provider and bucket names: the rule every store, lock and command applies, and the
// `provider:bucket` account key built from them.

/**
 * Provider and bucket names: letters, digits and `._@-`, 1 to 64 characters.
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-ST01
 */
export const NAME_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;
export const NAME_RULE = 'letters, digits and . _ @ - only, 1 to 64 characters';
/** Bucket names that would read as a subcommand (compared case-insensitively). */
export const RESERVED_BUCKET_NAMES: readonly string[] = [
  'login',
  'logout',
  'status',
  'switch',
  'all',
];

export type NameKind = 'provider' | 'bucket';

export class InvalidNameError extends Error {
  override readonly name = 'InvalidNameError';
  constructor(
    readonly kind: NameKind,
    readonly value: string,
    readonly rule: string,
  ) {
    super(`invalid ${kind} name ${JSON.stringify(value.slice(0, 80))}: ${rule}`);
  }
}

function checkPattern(kind: NameKind, value: unknown): string {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    throw new InvalidNameError(
      kind,
      String(value),
      `must match ${NAME_PATTERN.source} (${NAME_RULE})`,
    );
  }
  return value;
}

export function validateProviderName(name: unknown): string {
  return checkPattern('provider', name);
}

export function validateBucketName(name: unknown): string {
  const bucket = checkPattern('bucket', name);
  if (RESERVED_BUCKET_NAMES.includes(bucket.toLowerCase())) {
    throw new InvalidNameError(
      'bucket',
      bucket,
      `"${bucket}" is reserved (reserved, any case: ${RESERVED_BUCKET_NAMES.join(', ')})`,
    );
  }
  return bucket;
}

export function isValidProviderName(name: unknown): boolean {
  return typeof name === 'string' && NAME_PATTERN.test(name);
}

export function isValidBucketName(name: unknown): boolean {
  return (
    typeof name === 'string' &&
    NAME_PATTERN.test(name) &&
    !RESERVED_BUCKET_NAMES.includes(name.toLowerCase())
  );
}

/**
 * The account key `provider:bucket`, after validating both names.
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-ST01
 */
export function tokenKey(provider: string, bucket: string): string {
  return `${validateProviderName(provider)}:${validateBucketName(bucket)}`;
}

/** Splits a `provider:bucket` key; undefined when it is not one (names cannot contain `:`). */
export function parseTokenKey(key: string): { provider: string; bucket: string } | undefined {
  const at = key.indexOf(':');
  if (at < 0) return undefined;
  const provider = key.slice(0, at);
  const bucket = key.slice(at + 1);
  return isValidProviderName(provider) && isValidBucketName(bucket)
    ? { provider, bucket }
    : undefined;
}
