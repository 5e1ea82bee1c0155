// The OAuthToken model: validation, normalisation of token-endpoint responses, expiry arithmetic with
// an injected clock, merge-on-refresh, and redaction of secrets for anything a person can see.
import { z } from 'zod';
import { nowSeconds, type Clock } from '../util/clock.js';

/**
 * Lifetime assumed when a token endpoint omits `expires_in` (seconds).
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-ST03
 */
export const DEFAULT_EXPIRES_IN_SECONDS = 3600;
/** A token with this many seconds or fewer left is "near expiry" and gets refreshed on lookup. */
export const NEAR_EXPIRY_SECONDS = 30;

const normaliseTokenType = (value: string | undefined): string =>
  value === undefined || value.trim() === '' || value.trim().toLowerCase() === 'bearer'
    ? 'Bearer'
    : value.trim();

/**
 * A stored token. `expiry` is Unix seconds; a token without a finite expiry counts as expired.
 * Unknown provider fields (account_id, id_token, ...) are kept on a round trip.
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-ST02
 */
export const OAuthTokenSchema = z.looseObject({
  access_token: z.string().min(1, 'access_token must be a non-empty string'),
  refresh_token: z.string().optional(),
  expiry: z.number().optional(),
  token_type: z.string().optional().transform(normaliseTokenType),
  scope: z.string().optional(),
  resource_url: z.string().optional(),
});

export type OAuthToken = z.output<typeof OAuthTokenSchema>;

/** What a token endpoint sends back (RFC 6749 §5.1), before normalisation. */
export const TokenEndpointResponseSchema = z.looseObject({
  access_token: z.string().min(1, 'access_token must be a non-empty string'),
  token_type: z.string().optional(),
  // Anything: a missing, null or nonsense lifetime falls back to the default rather than failing.
  expires_in: z.unknown().optional(),
  refresh_token: z.string().nullable().optional(),
  scope: z.string().optional(),
});

export class TokenParseError extends Error {
  override readonly name = 'TokenParseError';
  constructor(
    message: string,
    readonly issues: readonly string[],
  ) {
    super(message);
  }
}

function describeIssues(error: z.ZodError): string[] {
  // Stryker disable next-line StringLiteral: both schemas are flat, so a path has one key and no separator shows
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}

/**
 * Validates a stored or received token object; throws TokenParseError naming the bad fields.
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-ST02
 */
export function parseOAuthToken(raw: unknown): OAuthToken {
  const result = OAuthTokenSchema.safeParse(raw);
  if (!result.success) {
    const issues = describeIssues(result.error);
    throw new TokenParseError(`invalid token: ${issues.join('; ')}`, issues);
  }
  const token = result.data;
  if (token.refresh_token === '') delete token.refresh_token;
  return token;
}

function expiresInSeconds(value: unknown): number {
  // A blank string is Number 0, which the `n > 0` below already turns into the default.
  const n = typeof value === 'string' ? Number(value) : value;
  // Stryker disable next-line ConditionalExpression: Number.isFinite is false for a non-number; the test narrows the type
  return typeof n === 'number' && Number.isFinite(n) && n > 0
    ? Math.ceil(n)
    : DEFAULT_EXPIRES_IN_SECONDS;
}

/**
 * Turns a token-endpoint response into an OAuthToken: expiry = now + expires_in (default 3600 s),
 * token_type normalised to `Bearer`, an empty or null refresh_token dropped, other fields kept.
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-ST02, REQ-1598-ST03
 */
export function tokenFromResponse(raw: unknown, clock: Pick<Clock, 'now'>): OAuthToken {
  const result = TokenEndpointResponseSchema.safeParse(raw);
  if (!result.success) {
    const issues = describeIssues(result.error);
    throw new TokenParseError(`invalid token response: ${issues.join('; ')}`, issues);
  }
  const { expires_in, refresh_token, ...rest } = result.data;
  return parseOAuthToken({
    ...rest,
    ...(refresh_token ? { refresh_token } : {}),
    expiry: nowSeconds(clock) + expiresInSeconds(expires_in),
  });
}

function hasFiniteExpiry(token: Pick<OAuthToken, 'expiry'>): token is { expiry: number } {
  // Stryker disable next-line ConditionalExpression: Number.isFinite is false for a non-number; the test narrows the type
  return typeof token.expiry === 'number' && Number.isFinite(token.expiry);
}

/** Seconds left before expiry; -Infinity when the expiry is missing or not finite. */
export function secondsUntilExpiry(
  token: Pick<OAuthToken, 'expiry'>,
  clock: Pick<Clock, 'now'>,
): number {
  return hasFiniteExpiry(token) ? token.expiry - clock.now() / 1000 : Number.NEGATIVE_INFINITY;
}

/**
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-ST03
 */
export function isExpired(token: Pick<OAuthToken, 'expiry'>, clock: Pick<Clock, 'now'>): boolean {
  return !(secondsUntilExpiry(token, clock) > 0);
}

/**
 * True when the token has NEAR_EXPIRY_SECONDS or less left (expired tokens are near expiry too).
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-ST03
 */
export function isNearExpiry(
  token: Pick<OAuthToken, 'expiry'>,
  clock: Pick<Clock, 'now'>,
  thresholdSeconds = NEAR_EXPIRY_SECONDS,
): boolean {
  return !(secondsUntilExpiry(token, clock) > thresholdSeconds);
}

/**
 * Merges a refresh response over the old token; keeps the old refresh token when none came back.
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-ST05
 */
export function mergeRefreshedToken(previous: OAuthToken, refreshed: OAuthToken): OAuthToken {
  const merged: OAuthToken = { ...previous, ...refreshed };
  if (!refreshed.refresh_token) {
    if (previous.refresh_token) merged.refresh_token = previous.refresh_token;
    else delete merged.refresh_token;
  }
  return merged;
}

/**
 * `abcd…(len 123)`: enough to tell two secrets apart in a log, never enough to use one.
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-SE01
 */
export function redactSecret(secret: string | undefined | null): string {
  if (secret === undefined || secret === null) return '(none)';
  if (secret.length < 12) return `…(len ${secret.length})`;
  return `${secret.slice(0, 4)}…(len ${secret.length})`;
}

/**
 * A copy of the token safe to log or print: every secret-bearing field redacted.
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-SE01
 */
export function redactToken(token: OAuthToken): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(token)) {
    out[key] =
      typeof value === 'string' && /token|secret|code|password|assertion/i.test(key)
        ? redactSecret(value)
        : value;
  }
  return out;
}
