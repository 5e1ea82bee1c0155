// Reads how long a provider asked us to wait: Retry-After (seconds or HTTP date), retry-after-ms,
// and the per-dimension rate-limit reset headers of Anthropic and OpenAI. Pure: `now` is explicit.

/** Response headers as the SDKs (`Headers`), Node (`Map`) or our own errors (plain record) carry them. */
export type HeaderSource =
  Headers | ReadonlyMap<unknown, unknown> | Readonly<Record<string, unknown>> | null | undefined;

export interface RateLimitTiming {
  /** From `retry-after-ms` (preferred, it is more precise) or `retry-after`, in ms. */
  retryAfterMs?: number;
  /** Until the relevant rate-limit window resets, from the provider's reset headers, in ms. */
  resetAfterMs?: number;
}

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
/** RFC 9110 §5.6.7: a two-digit year more than this far in the future means the previous century. */
const TWO_DIGIT_YEAR_FUTURE_LIMIT = 50;
const YEARS_PER_CENTURY = 100;

const DECIMAL = /^\d+(?:\.\d+)?$/;

function decimal(value: string): number | undefined {
  if (!DECIMAL.test(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** A non-negative, finite number of ms (rounded to whole ms), or undefined. */
function wholeMs(ms: number): number | undefined {
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

// ---------------------------------------------------------------------------------------------
// HTTP dates (RFC 9110 §5.6.7). Parsed by hand: V8's Date.parse accepts almost anything
// ("1", "foo 12"), which would turn garbage into a wait.

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const SHORT_DAY = '(?:mon|tue|wed|thu|fri|sat|sun)';
const LONG_DAY = '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)';
const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
/** `Sun, 06 Nov 1994 08:49:37 GMT` */
const IMF_FIXDATE = new RegExp(
  `^${SHORT_DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} (?:GMT|UTC)$`,
  'i',
);
/** `Sunday, 06-Nov-94 08:49:37 GMT` */
const RFC850_DATE = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, 'i');
/** `Sun Nov  6 08:49:37 1994` */
const ASCTIME_DATE = new RegExp(`^${SHORT_DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`, 'i');

interface DateParts {
  year: number;
  month: number; // 0-based
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

/** Epoch ms of the parts, or undefined when a field is out of range (e.g. 31 Feb, 25:00). */
function utcFromParts(p: DateParts): number | undefined {
  if (p.hour > 23 || p.minute > 59 || p.second > 60) return undefined;
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  const d = new Date(0);
  d.setUTCFullYear(p.year, p.month, p.day);
  if (d.getUTCMonth() !== p.month || d.getUTCDate() !== p.day) return undefined;
  // A leap second (:60) is read as the first instant of the next minute.
  d.setUTCHours(p.hour, p.minute, p.second, p.ms);
  return d.getTime();
}

function monthIndex(name: string): number {
  return MONTHS.indexOf(name.toLowerCase());
}

function twoDigitYear(yy: number, now: number): number {
  const currentYear = new Date(now).getUTCFullYear();
  const century = currentYear - (currentYear % YEARS_PER_CENTURY);
  const year = century + yy;
  return year > currentYear + TWO_DIGIT_YEAR_FUTURE_LIMIT ? year - YEARS_PER_CENTURY : year;
}

/** Epoch ms of an HTTP date in any of the three RFC 9110 forms, or undefined. */
export function parseHttpDate(value: string, now: number): number | undefined {
  const s = value.trim();
  let m = IMF_FIXDATE.exec(s);
  if (m) return fromMatch(Number(m[3]), m[2]!, m[1]!, m[4]!, m[5]!, m[6]!);
  m = RFC850_DATE.exec(s);
  if (m) return fromMatch(twoDigitYear(Number(m[3]), now), m[2]!, m[1]!, m[4]!, m[5]!, m[6]!);
  m = ASCTIME_DATE.exec(s);
  if (m) return fromMatch(Number(m[6]), m[1]!, m[2]!, m[3]!, m[4]!, m[5]!);
  return undefined;
}

function fromMatch(
  year: number,
  month: string,
  day: string,
  hour: string,
  minute: string,
  second: string,
): number | undefined {
  return utcFromParts({
    year,
    month: monthIndex(month),
    day: Number(day.trim()),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second),
    ms: 0,
  });
}

// ---------------------------------------------------------------------------------------------
// RFC 3339 timestamps (anthropic-ratelimit-*-reset), parsed strictly for the same reason.

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const MAX_OFFSET_HOURS = 23;

/** Epoch ms of an RFC 3339 timestamp, or undefined. */
export function parseRfc3339(value: string): number | undefined {
  const m = RFC3339.exec(value.trim());
  if (!m) return undefined;
  const fraction = m[7] ?? '';
  const t = utcFromParts({
    year: Number(m[1]),
    month: Number(m[2]) - 1,
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
    ms: fraction === '' ? 0 : Math.floor(Number(`0.${fraction}`) * MS_PER_SECOND),
  });
  if (t === undefined) return undefined;
  if (m[8] !== undefined) return t;
  const offsetHours = Number(m[10]);
  const offsetMinutes = Number(m[11]);
  if (offsetHours > MAX_OFFSET_HOURS || offsetMinutes > 59) return undefined;
  const offsetMs = offsetHours * MS_PER_HOUR + offsetMinutes * MS_PER_MINUTE;
  // 12:00+02:00 is 10:00Z: subtract a positive offset.
  return m[9] === '-' ? t + offsetMs : t - offsetMs;
}

// ---------------------------------------------------------------------------------------------
// Public parsers.

/**
 * `Retry-After`: seconds (integer, or decimal as some proxies send) or an HTTP date.
 * Returns ms ≥ 0 (a date in the past is 0); garbage, negative or non-finite values are undefined.
 * @plan PLAN-20260223-ISSUE1598.P04
 * @requirement REQ-1598-CL09
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const s = value.trim();
  const seconds = decimal(s);
  if (seconds !== undefined) return wholeMs(seconds * MS_PER_SECOND);
  const at = parseHttpDate(s, now);
  return at === undefined ? undefined : Math.max(0, at - now);
}

/** `retry-after-ms`: milliseconds, decimal allowed. */
export function parseRetryAfterMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = decimal(value.trim());
  return ms === undefined ? undefined : wholeMs(ms);
}

/** Go-style duration units as OpenAI sends them: ms per unit, and rank (each unit once, largest first). */
const DURATION_UNITS: ReadonlyMap<string, readonly [ms: number, rank: number]> = new Map([
  ['h', [MS_PER_HOUR, 0]],
  ['m', [MS_PER_MINUTE, 1]],
  ['s', [MS_PER_SECOND, 2]],
  ['ms', [1, 3]],
  ['us', [1e-3, 4]],
  ['µs', [1e-3, 4]],
  ['ns', [1e-6, 5]],
]);
// 'ms' comes before 'm' in the alternation so that "20ms" is not read as 20 minutes and an "s".
const DURATION_PART = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/y;

/** OpenAI's `x-ratelimit-reset-*` value: a Go duration (`6m0s`, `20ms`, `1h2m3.5s`) or plain seconds. */
export function parseOpenAIDuration(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const s = value.trim();
  if (s === '') return undefined;
  const seconds = decimal(s);
  if (seconds !== undefined) return wholeMs(seconds * MS_PER_SECOND);
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let lastRank = -1;
  while (DURATION_PART.lastIndex < s.length) {
    const m = DURATION_PART.exec(s);
    if (!m) return undefined;
    const [unitMs, rank] = DURATION_UNITS.get(m[2]!)!;
    if (rank <= lastRank) return undefined;
    lastRank = rank;
    total += Number(m[1]) * unitMs;
  }
  return wholeMs(total);
}

/** `anthropic-ratelimit-*-reset`: an RFC 3339 instant; returns ms from now, ≥ 0. */
export function parseResetTimestamp(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const at = parseRfc3339(value);
  return at === undefined ? undefined : Math.max(0, at - now);
}

// ---------------------------------------------------------------------------------------------
// Header access.

function headerValueToString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  // Node's IncomingHttpHeaders carries repeated headers as arrays: the first one counts.
  if (Array.isArray(value)) return headerValueToString(value[0] as unknown);
  return undefined;
}

/** Name/value pairs of any supported shape. Headers and Maps (from any realm) have entries(). */
function headerEntries(headers: HeaderSource): Iterable<readonly [unknown, unknown]> {
  if (headers === null || headers === undefined) return [];
  if (typeof (headers as { entries?: unknown }).entries === 'function')
    return (headers as ReadonlyMap<unknown, unknown>).entries();
  return Object.entries(headers);
}

/** The value of one header, looked up case-insensitively in any of the supported shapes. */
export function getHeader(headers: HeaderSource, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of headerEntries(headers)) {
    if (typeof key === 'string' && key.toLowerCase() === wanted) return headerValueToString(value);
  }
  return undefined;
}

/** Every header as a lower-cased record (first value of repeated headers). */
export function headersToRecord(headers: HeaderSource): Record<string, string> {
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of headerEntries(headers)) {
    const v = headerValueToString(value);
    if (typeof key === 'string' && v !== undefined) pairs.push([key.toLowerCase(), v]);
  }
  // fromEntries defines keys as data, so even a `__proto__` header stays a plain entry.
  return Object.fromEntries(pairs);
}

// ---------------------------------------------------------------------------------------------
// Rate-limit reset selection.

const ANTHROPIC_DIMENSIONS = ['requests', 'tokens', 'input-tokens', 'output-tokens'] as const;
const OPENAI_DIMENSIONS = ['requests', 'tokens'] as const;

interface ResetCandidate {
  ms: number;
  exhausted: boolean;
}

function isZero(value: string | undefined): boolean {
  if (value === undefined) return false;
  const n = decimal(value.trim());
  return n === 0;
}

function resetCandidates(headers: HeaderSource, now: number): ResetCandidate[] {
  const out: ResetCandidate[] = [];
  for (const dim of ANTHROPIC_DIMENSIONS) {
    const ms = parseResetTimestamp(getHeader(headers, `anthropic-ratelimit-${dim}-reset`), now);
    if (ms === undefined) continue;
    out.push({ ms, exhausted: isZero(getHeader(headers, `anthropic-ratelimit-${dim}-remaining`)) });
  }
  for (const dim of OPENAI_DIMENSIONS) {
    const ms = parseOpenAIDuration(getHeader(headers, `x-ratelimit-reset-${dim}`));
    if (ms === undefined) continue;
    out.push({ ms, exhausted: isZero(getHeader(headers, `x-ratelimit-remaining-${dim}`)) });
  }
  return out;
}

/**
 * How long until the rate-limit window that blocked us resets.
 *
 * The dimensions whose `*-remaining` header is `0` are the ones that blocked the request, so only
 * they count; if several are at 0 the request needs all of them, hence the latest reset. When no
 * header says 0 (remaining headers missing, or the limit was some other dimension) we cannot tell
 * which window matters, so we take the latest reset too: waiting a little long beats hammering a
 * window that is still closed.
 */
export function selectResetAfterMs(headers: HeaderSource, now: number): number | undefined {
  const candidates = resetCandidates(headers, now);
  const exhausted = candidates.filter((c) => c.exhausted);
  const pool = exhausted.length > 0 ? exhausted : candidates;
  if (pool.length === 0) return undefined;
  return Math.max(...pool.map((c) => c.ms));
}

/**
 * Everything the headers say about when to try again.
 * @plan PLAN-20260223-ISSUE1598.P04
 * @requirement REQ-1598-CL09
 */
export function readRateLimitTiming(headers: HeaderSource, now: number): RateLimitTiming {
  const out: RateLimitTiming = {};
  const retryAfterMs =
    parseRetryAfterMs(getHeader(headers, 'retry-after-ms')) ??
    parseRetryAfter(getHeader(headers, 'retry-after'), now);
  if (retryAfterMs !== undefined) out.retryAfterMs = retryAfterMs;
  const resetAfterMs = selectResetAfterMs(headers, now);
  if (resetAfterMs !== undefined) out.resetAfterMs = resetAfterMs;
  return out;
}
