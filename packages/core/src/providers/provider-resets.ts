// The reset times that only some providers send (BEHAVIOR §6): Anthropic's subscription ("unified")
// windows, Codex's x-codex-* headers and usage-limit body, Google's RetryInfo / ErrorInfo details and
// the "retry in 47s" wording. Pure: `now` is explicit; nonsense values count as no information.
import { getHeader, parseOpenAIDuration, parseRfc3339, type HeaderSource } from './retry-after.js';

const MS_PER_SECOND = 1000;
/** A reset further away than this is not believed (a unit mix-up, a bogus header): no information. */
export const MAX_BELIEVABLE_RESET_MS = 30 * 24 * 60 * 60 * MS_PER_SECOND;
const FULL_PERCENT = 100;

/** A wait in ms that is finite, not negative and at most 30 days; anything else is undefined. */
export function believable(ms: number | undefined): number | undefined {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0 || ms > MAX_BELIEVABLE_RESET_MS)
    return undefined;
  return Math.round(ms);
}

const DECIMAL = /^\d+(?:\.\d+)?$/;
function decimal(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const s = value.trim();
  return DECIMAL.test(s) ? Number(s) : undefined;
}

/** Unix seconds (Anthropic unified resets, Codex `resets_at`) as ms from now; a past instant is 0. */
function untilEpochSeconds(seconds: number | undefined, now: number): number | undefined {
  if (seconds === undefined) return undefined;
  return believable(Math.max(0, seconds * MS_PER_SECOND - now));
}

export interface UnifiedLimit {
  /** `anthropic-ratelimit-unified-status: rejected`: the subscription window is spent. */
  rejected: boolean;
  /** Until the window that rejected us resets, in ms. */
  resetAfterMs?: number;
}

const UNIFIED = 'anthropic-ratelimit-unified';
const UNIFIED_WINDOWS = ['5h', '7d', '7d_opus', '7d_sonnet', 'overage'] as const;

/**
 * Anthropic subscription limits. The overall `-unified-reset` is the one Claude Code trusts; without
 * it, the latest reset among the windows whose own status is `rejected` (or, failing that, any window).
 */
export function readUnifiedLimit(headers: HeaderSource, now: number): UnifiedLimit | undefined {
  const status = getHeader(headers, `${UNIFIED}-status`)?.trim().toLowerCase();
  const overall = untilEpochSeconds(decimal(getHeader(headers, `${UNIFIED}-reset`)), now);
  const windows = UNIFIED_WINDOWS.map((w) => ({
    rejected: getHeader(headers, `${UNIFIED}-${w}-status`)?.trim().toLowerCase() === 'rejected',
    ms: untilEpochSeconds(decimal(getHeader(headers, `${UNIFIED}-${w}-reset`)), now),
  })).filter((w): w is { rejected: boolean; ms: number } => w.ms !== undefined);
  if (status === undefined && overall === undefined && windows.length === 0) return undefined;
  const rejected = status === 'rejected' || windows.some((w) => w.rejected);
  const pool = windows.some((w) => w.rejected) ? windows.filter((w) => w.rejected) : windows;
  const resetAfterMs =
    overall ?? (pool.length > 0 ? Math.max(...pool.map((w) => w.ms)) : undefined);
  return resetAfterMs === undefined ? { rejected } : { rejected, resetAfterMs };
}

/**
 * Codex `x-codex-{primary,secondary}-reset-after-seconds` (or `-reset-at`, Unix seconds): the window
 * at 100 % used is the one that blocks; when none says so, the later reset.
 */
export function readCodexHeaders(headers: HeaderSource, now: number): number | undefined {
  const windows: Array<{ ms: number; full: boolean }> = [];
  for (const w of ['primary', 'secondary']) {
    const after = decimal(getHeader(headers, `x-codex-${w}-reset-after-seconds`));
    const ms =
      believable(after === undefined ? undefined : after * MS_PER_SECOND) ??
      untilEpochSeconds(decimal(getHeader(headers, `x-codex-${w}-reset-at`)), now);
    if (ms === undefined) continue;
    const used = decimal(getHeader(headers, `x-codex-${w}-used-percent`));
    windows.push({ ms, full: used !== undefined && used >= FULL_PERCENT });
  }
  const pool = windows.some((w) => w.full) ? windows.filter((w) => w.full) : windows;
  return pool.length === 0 ? undefined : Math.max(...pool.map((w) => w.ms));
}

type Bag = Record<string, unknown>;
const isObject = (v: unknown): v is Bag => typeof v === 'object' && v !== null;
const num = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'string' ? decimal(v) : undefined;

/** A protobuf Duration as JSON renders it (`"47s"`, `"45.837906927s"`) or a Go duration (`"2h13m43s"`). */
function googleDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  return believable(parseOpenAIDuration(value));
}

/** The error objects of a body: `{error}`, `[{error}]` (Google's OpenAI-compatible endpoint) or a bare object. */
function errorObjects(parsed: unknown): Bag[] {
  const roots = Array.isArray(parsed) ? (parsed as unknown[]) : [parsed];
  const out: Bag[] = [];
  for (const root of roots) {
    if (!isObject(root)) continue;
    if (isObject(root.error)) out.push(root.error);
    out.push(root);
  }
  return out;
}

/** Google `details[]`: RetryInfo.retryDelay, ErrorInfo.metadata.quotaResetDelay / quotaResetTimeStamp. */
function googleDetails(error: Bag, now: number): number[] {
  const found: number[] = [];
  const details = Array.isArray(error.details) ? (error.details as unknown[]) : [];
  for (const d of details) {
    if (!isObject(d)) continue;
    const type = typeof d['@type'] === 'string' ? d['@type'] : '';
    if (type.endsWith('google.rpc.RetryInfo')) {
      const ms = googleDuration(d.retryDelay);
      if (ms !== undefined) found.push(ms);
    }
    const metadata = isObject(d.metadata) ? d.metadata : undefined;
    if (metadata) {
      const delay = googleDuration(metadata.quotaResetDelay);
      if (delay !== undefined) found.push(delay);
      const stamp = metadata.quotaResetTimeStamp;
      const at = typeof stamp === 'string' ? parseRfc3339(stamp) : undefined;
      const ms = at === undefined ? undefined : believable(Math.max(0, at - now));
      if (ms !== undefined) found.push(ms);
    }
  }
  return found;
}

/** Codex usage-limit body: `resets_in_seconds`, else `resets_at` (Unix seconds). */
function codexBody(error: Bag, now: number): number | undefined {
  const inSeconds = num(error.resets_in_seconds);
  return (
    believable(inSeconds === undefined ? undefined : inSeconds * MS_PER_SECOND) ??
    untilEpochSeconds(num(error.resets_at), now)
  );
}

/** "Please retry in 47.43s." (Gemini) and "Your quota will reset after 2h13m43s." (Code Assist). */
const RETRY_WORDING = /(?:retry in|reset after|try again in)\s+((?:\d+(?:\.\d+)?(?:h|ms|m|s))+)/i;

function wordingReset(text: string): number | undefined {
  const m = RETRY_WORDING.exec(text);
  return m ? believable(parseOpenAIDuration(m[1])) : undefined;
}

/**
 * The reset a response body states, in ms from now: Codex fields, Google details, then the wording.
 * The latest of the structured values wins (a request needs every window it hit to reopen).
 */
export function readBodyReset(body: string | undefined, now: number): number | undefined {
  if (body === undefined || body === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return wordingReset(body);
  }
  const found: number[] = [];
  for (const error of errorObjects(parsed)) {
    const codex = codexBody(error, now);
    if (codex !== undefined) found.push(codex);
    found.push(...googleDetails(error, now));
  }
  if (found.length > 0) return Math.max(...found);
  for (const error of errorObjects(parsed)) {
    if (typeof error.message === 'string') {
      const ms = wordingReset(error.message);
      if (ms !== undefined) return ms;
    }
  }
  return undefined;
}
