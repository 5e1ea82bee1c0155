// The wording and status rules of classification (BEHAVIOR §5-§6): which words mean quota, billing
// or a policy refusal, and which kind a status or a stream error code maps to.
import type { ClassifiedKind } from './classify.js';

/**
 * `usage limit`, `quota` (which also covers OpenAI's `insufficient_quota`), `credit balance`,
 * billing and spend limits: the account (not the request) is out.
 */
export const QUOTA_WORDING =
  /usage[ _]limit|quota|credit balance|billing|spend limit|arrearage|account is in good standing/i;
/**
 * Credit and billing limits: no timer resets them (a guessed cooldown is long). DashScope's
 * `Arrearage` ("make sure your account is in good standing") is an unpaid balance.
 */
export const BILLING_WORDING =
  /credit balance|billing|spend limit|arrearage|account is in good standing/i;
/** Vertex's shared-capacity 429 ("Resource has been exhausted (e.g. check quota).") names no spent quota. */
export const GENERIC_QUOTA_HINT = /\(e\.g\. check quota\)/gi;
/**
 * A provider refusing this kind of credential by policy (PROVIDERS.md, Anthropic "Policy"): "This
 * credential is only authorized for use with Claude Code and cannot be used for other API requests."
 */
export const REFUSAL_WORDING =
  /only authorized for use with|cannot be used for other api requests/i;
const STATUS_BAD_REQUEST = 400;
export const OVERLOADED_WORDING = /overloaded_error/i;
const STATUS_PAYMENT_REQUIRED = 402;
export const STATUS_TOO_MANY_REQUESTS = 429;
const STATUS_UNAUTHORIZED = 401;
const STATUS_FORBIDDEN = 403;
export const STATUS_OVERLOADED = 529;
const CLIENT_ERROR_MIN = 400;
const SERVER_ERROR_MIN = 500;
const SERVER_ERROR_MAX = 599;
/**
 * What an error event inside a 200 stream means, by its `error.type` / `code` (no HTTP status):
 * BEHAVIOR §6 sends overload and server errors to the 5xx row and rate limits to the 429 row.
 */
const KIND_BY_CODE: Readonly<Record<string, ClassifiedKind>> = {
  overloaded_error: 'server',
  api_error: 'server',
  server_error: 'server',
  internal_server_error: 'server',
  internal_error: 'server',
  service_unavailable: 'server',
  rate_limit_error: 'rate-limit',
  rate_limit_exceeded: 'rate-limit',
  insufficient_quota: 'quota',
  usage_limit_reached: 'quota',
  billing_error: 'quota',
  authentication_error: 'auth',
  permission_error: 'auth',
  invalid_request_error: 'client',
  not_found_error: 'client',
  request_too_large: 'client',
};

/** A status-less provider error (a stream's error event): typed by its code, else a server failure. */
export function kindFromCode(
  code: string | undefined,
  quotaWording: boolean,
  refusalWording: boolean,
): ClassifiedKind | undefined {
  if (code === undefined) return undefined;
  if (refusalWording) return 'refused';
  const kind = Object.hasOwn(KIND_BY_CODE, code) ? KIND_BY_CODE[code] : undefined;
  if (kind === 'rate-limit' && quotaWording) return 'quota';
  return kind ?? 'server';
}

export function kindFromStatus(
  status: number | undefined,
  quotaWording: boolean,
  refusalWording: boolean,
): ClassifiedKind {
  if (status === undefined) return 'unknown';
  if (status === STATUS_PAYMENT_REQUIRED) return 'quota';
  if (status === STATUS_TOO_MANY_REQUESTS) return quotaWording ? 'quota' : 'rate-limit';
  const refusable =
    status === STATUS_BAD_REQUEST || status === STATUS_UNAUTHORIZED || status === STATUS_FORBIDDEN;
  if (refusable && refusalWording) return 'refused';
  // A 400/403 about credit, billing or quota is the account running out, not a bad request or credential.
  if ((status === STATUS_BAD_REQUEST || status === STATUS_FORBIDDEN) && quotaWording)
    return 'quota';
  if (status === STATUS_UNAUTHORIZED || status === STATUS_FORBIDDEN) return 'auth';
  if (status >= SERVER_ERROR_MIN && status <= SERVER_ERROR_MAX) return 'server';
  if (status >= CLIENT_ERROR_MIN && status < SERVER_ERROR_MIN) return 'client';
  return 'unknown';
}
