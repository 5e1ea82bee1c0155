// Turns any failure of a provider call (SDK error, fetch error, our own typed errors) into one
// classification the retry engine decides on. Status, headers and body wording all survive.
import { isAbortError } from '../util/clock.js';
import {
  AllBucketsExhaustedError,
  AuthenticationError,
  ClientError,
  CredentialRefusedError,
  NetworkError,
  ProviderError,
  QuotaError,
  RateLimitError,
  ServerError,
  type ProviderErrorInit,
} from './errors.js';
import {
  believable,
  readBodyReset,
  readCodexHeaders,
  readUnifiedLimit,
} from './provider-resets.js';
import {
  BILLING_WORDING,
  GENERIC_QUOTA_HINT,
  kindFromCode,
  kindFromStatus,
  OVERLOADED_WORDING,
  QUOTA_WORDING,
  REFUSAL_WORDING,
  STATUS_OVERLOADED,
  STATUS_TOO_MANY_REQUESTS,
} from './classify-kinds.js';
import { headersToRecord, readRateLimitTiming, type HeaderSource } from './retry-after.js';

export const CLASSIFIED_KINDS = [
  'rate-limit',
  'quota',
  'auth',
  'refused',
  'server',
  'network',
  'client',
  'abort',
  'exhausted',
  'stream-interrupted',
  'unknown',
] as const;

export type ClassifiedKind = (typeof CLASSIFIED_KINDS)[number];

export interface ClassifiedProviderError {
  kind: ClassifiedKind;
  status?: number;
  /** Wait the provider asked for (Retry-After in seconds or HTTP date, retry-after-ms), in ms. */
  retryAfterMs?: number;
  /** Time until the exhausted rate-limit window resets (anthropic-ratelimit-*-reset, x-ratelimit-reset-*), in ms. */
  resetAfterMs?: number;
  /** The body or message says the account's quota / usage limit is spent. */
  quotaWording: boolean;
  /** Credit balance, billing or spend-limit wording (a subset of quotaWording). */
  billingWording?: boolean;
  /** `anthropic-ratelimit-unified-status: rejected`: the subscription window is spent. */
  windowRejected?: boolean;
  /** 529 or Anthropic `overloaded_error`. */
  overloaded: boolean;
  /** ECONNRESET, ETIMEDOUT, EAI_AGAIN, UND_ERR_SOCKET, ... */
  networkCode?: string;
  /** The provider's error code or type (`overloaded_error`, `insufficient_quota`, ...). */
  code?: string;
  /** The response body (SDK-parsed JSON re-serialised, or text), capped at MAX_BODY_CHARS. */
  body?: string;
  message: string;
  error: unknown;
}

export interface ClassifyOptions {
  /** Epoch ms used to turn HTTP dates and timestamps into waits. Defaults to Date.now(). */
  now?: number;
}

/** Body text kept for wording checks and error reports; provider bodies are short, streams are not. */
export const MAX_BODY_CHARS = 4096;
/** How deep the `cause` chain is followed (real chains are 2-3 deep: SDK → fetch → socket). */
export const MAX_CAUSE_DEPTH = 8;

export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EPIPE',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);
/** Whole messages (lower-cased) of Node/undici errors that mean the connection failed. */
const NETWORK_MESSAGES: ReadonlySet<string> = new Set([
  'fetch failed',
  'socket hang up',
  'terminated',
]);
/** SDK error classes (Anthropic and OpenAI share the names) meaning no HTTP answer arrived. */
const CONNECTION_ERROR_NAMES: ReadonlySet<string> = new Set([
  'APIConnectionError',
  'APIConnectionTimeoutError',
]);
/** Response headers never copied into a ProviderError (they could carry session secrets). */
const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'set-cookie',
  'cookie',
  'authorization',
  'proxy-authorization',
  'x-api-key',
]);

/** The message of a value whose properties could not even be read. */
export const UNREADABLE = 'unreadable error';

type Bag = Record<string, unknown>;
const isObject = (value: unknown): value is Bag => typeof value === 'object' && value !== null;
const prop = (value: unknown, key: string): unknown => (isObject(value) ? value[key] : undefined);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The class name an error was built with: OpenAI's SDK errors keep `name === 'Error'`. */
function errorNames(value: unknown): string[] {
  if (!isObject(value)) return [];
  const names: string[] = [];
  const name = str(value.name);
  if (name !== undefined) names.push(name);
  const ctor = prop(value, 'constructor');
  const ctorName = typeof ctor === 'function' ? ctor.name : undefined;
  if (ctorName) names.push(ctorName);
  return names;
}

/** JSON (or text) of a value, cycle-safe, never throwing, capped. */
export function safeStringify(value: unknown, maxChars = MAX_BODY_CHARS): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      const seen = new WeakSet<object>();
      text =
        JSON.stringify(value, (_key, v: unknown) => {
          if (typeof v === 'bigint') return v.toString();
          if (isObject(v)) {
            if (seen.has(v)) return '[Circular]';
            seen.add(v);
          }
          return v;
        }) ?? String(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
  }
  return text.length > maxChars ? text.slice(0, maxChars) : text;
}

function readMessage(error: unknown): string {
  if (error instanceof Error) return String(error.message);
  if (typeof error === 'string') return error;
  const message = str(prop(error, 'message'));
  return message ?? safeStringify(error);
}

function readStatus(error: unknown): number | undefined {
  for (const candidate of [
    prop(error, 'status'),
    prop(error, 'statusCode'),
    prop(prop(error, 'response'), 'status'),
  ]) {
    if (typeof candidate === 'number' && Number.isInteger(candidate)) return candidate;
  }
  return undefined;
}

function readHeaders(error: unknown): HeaderSource {
  for (const candidate of [prop(error, 'headers'), prop(prop(error, 'response'), 'headers')]) {
    if (isObject(candidate)) return candidate;
  }
  return undefined;
}

/** The response body: our own `body` text, a fetch-style `body`, or the SDK's parsed `error`. */
function readBody(error: unknown): string | undefined {
  for (const candidate of [prop(error, 'body'), prop(error, 'error')]) {
    if (typeof candidate === 'string' || isObject(candidate)) return safeStringify(candidate);
  }
  return undefined;
}

/**
 * The provider's error code. Anthropic: `{type:'error', error:{type:'overloaded_error'}}` (the SDK
 * also exposes `.type`); OpenAI: `{code:'insufficient_quota', type}` (the SDK exposes `.code`).
 */
function readProviderCode(error: unknown): string | undefined {
  const body = prop(error, 'error');
  const candidates = [
    prop(error, 'code'),
    prop(prop(body, 'error'), 'code'),
    prop(prop(body, 'error'), 'type'),
    prop(body, 'code'),
    prop(body, 'type'),
    prop(error, 'type'),
  ];
  for (const c of candidates) {
    if (typeof c === 'string' && c !== '' && c !== 'error') return c;
  }
  return undefined;
}

/** Every error reachable through `cause` (and AggregateError's `errors`), bounded and cycle-safe. */
function causeChain(error: unknown): unknown[] {
  const out: unknown[] = [];
  const seen = new Set<unknown>();
  let level: unknown[] = [error];
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && level.length > 0; depth++) {
    const next: unknown[] = [];
    for (const e of level) {
      if (!isObject(e) || seen.has(e)) continue;
      seen.add(e);
      out.push(e);
      next.push(e.cause);
      const errors = e.errors;
      if (Array.isArray(errors)) next.push(...(errors as unknown[]));
    }
    level = next;
  }
  return out;
}

interface NetworkSignal {
  network: boolean;
  code?: string;
}

/**
 * @plan PLAN-20260223-ISSUE1598.P04
 * @requirement REQ-1598-CL10
 */
function readNetwork(error: unknown): NetworkSignal {
  let network = false;
  let code: string | undefined;
  for (const e of causeChain(error)) {
    const c = str(prop(e, 'code'));
    if (c !== undefined && NETWORK_ERROR_CODES.has(c)) {
      network = true;
      code ??= c;
    }
    const message = str(prop(e, 'message'))?.trim().toLowerCase();
    if (message !== undefined && NETWORK_MESSAGES.has(message)) network = true;
    if (errorNames(e).some((n) => CONNECTION_ERROR_NAMES.has(n))) network = true;
  }
  return code === undefined ? { network } : { network, code };
}

/** An SDK error carrying a provider's error body (not our own typed errors, not a bare Error). */
function isProviderBody(error: unknown): boolean {
  if (error instanceof ProviderError) return false;
  return isObject(prop(error, 'error')) || errorNames(error).some((n) => n.endsWith('APIError'));
}

function isAbort(error: unknown): boolean {
  if (isAbortError(error)) return true;
  if (errorNames(error).some((n) => n === 'APIUserAbortError' || n === 'AbortError')) return true;
  return prop(error, 'code') === 'ABORT_ERR';
}

function classifyUnsafe(error: unknown, now: number): ClassifiedProviderError {
  const message = readMessage(error);
  const base = { quotaWording: false, overloaded: false, message, error };
  if (error instanceof AllBucketsExhaustedError) return { ...base, kind: 'exhausted' };
  if (isAbort(error)) return { ...base, kind: 'abort' };

  const status = readStatus(error);
  const headers = readHeaders(error);
  const timing = readRateLimitTiming(headers, now);
  const body = readBody(error);
  const unified = readUnifiedLimit(headers, now);
  const resets = [
    timing.resetAfterMs,
    unified?.resetAfterMs,
    readCodexHeaders(headers, now),
    readBodyReset(body, now),
  ].filter((ms): ms is number => believable(ms) !== undefined);
  const resetAfterMs = resets.length > 0 ? Math.max(...resets) : undefined;
  const windowRejected = status === STATUS_TOO_MANY_REQUESTS && unified?.rejected === true;
  const providerCode = readProviderCode(error);
  // Google's generic shared-capacity 429 says "(e.g. check quota)" without any quota being spent.
  const wording = [message, body ?? '', providerCode ?? '']
    .join('\n')
    .replace(GENERIC_QUOTA_HINT, '');
  const quotaWording = QUOTA_WORDING.test(wording);
  const billingWording = BILLING_WORDING.test(wording);
  const refusalWording = REFUSAL_WORDING.test(wording);
  const overloaded = status === STATUS_OVERLOADED || OVERLOADED_WORDING.test(wording);
  const net = readNetwork(error);

  let retryAfterMs = believable(timing.retryAfterMs);
  if (retryAfterMs === undefined && error instanceof ProviderError)
    retryAfterMs = believable(error.retryAfterMs);

  let kind: ClassifiedKind;
  if (error instanceof ProviderError) kind = error.kind;
  else if (overloaded) kind = 'server';
  else if (windowRejected) kind = 'quota';
  else if (status === undefined && isProviderBody(error) && !net.network)
    kind = kindFromCode(providerCode, quotaWording, refusalWording) ?? 'unknown';
  else {
    kind = kindFromStatus(status, quotaWording, refusalWording);
    if (kind === 'unknown' && net.network) kind = 'network';
  }

  const networkCode = kind === 'network' ? net.code : undefined;
  const code = networkCode ?? providerCode;
  return {
    ...base,
    kind,
    quotaWording,
    ...(billingWording ? { billingWording } : {}),
    ...(windowRejected ? { windowRejected } : {}),
    overloaded,
    ...(status !== undefined ? { status } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(resetAfterMs !== undefined ? { resetAfterMs } : {}),
    ...(networkCode !== undefined ? { networkCode } : {}),
    ...(code !== undefined ? { code } : {}),
    ...(body !== undefined ? { body } : {}),
  };
}

/**
 * @plan PLAN-20260223-ISSUE1598.P04
 * @requirement REQ-1598-CL10, REQ-1598-CL11, REQ-1598-CL12
 */
export function classifyProviderError(
  error: unknown,
  options: ClassifyOptions = {},
): ClassifiedProviderError {
  const now = options.now ?? Date.now();
  try {
    return classifyUnsafe(error, now);
  } catch {
    // A hostile value (throwing getters, revoked proxies) must not break the retry loop.
    return { kind: 'unknown', quotaWording: false, overloaded: false, message: UNREADABLE, error };
  }
}

export interface ToProviderErrorOptions extends ClassifyOptions {
  /** Provider name recorded on the error (e.g. `anthropic`). */
  provider?: string;
}

type ProviderErrorClass = new (message: string, init?: ProviderErrorInit) => ProviderError;
const PROVIDER_ERROR_CLASSES: Partial<Record<ClassifiedKind, ProviderErrorClass>> = {
  'rate-limit': RateLimitError,
  quota: QuotaError,
  auth: AuthenticationError,
  refused: CredentialRefusedError,
  server: ServerError,
  network: NetworkError,
  client: ClientError,
};

function safeHeaders(headers: HeaderSource): Record<string, string> {
  const record = headersToRecord(headers);
  for (const key of SECRET_HEADERS) delete record[key];
  return record;
}

/**
 * The typed ProviderError for a classified HTTP or network failure. Aborts, exhausted errors,
 * already-typed ProviderErrors and anything unclassifiable come back unchanged (a non-Error value
 * is wrapped in a plain Error with it as `cause`, so callers can always throw the result).
 */
export function toProviderError(error: unknown, options: ToProviderErrorOptions = {}): Error {
  if (error instanceof ProviderError) return error;
  const c = classifyProviderError(error, options);
  // An SDK error the table has no row for is still the provider's answer: typed, never the raw SDK error.
  const sdkAnswer = c.kind === 'unknown' && (c.status !== undefined || isProviderBody(error));
  const ErrorClass = PROVIDER_ERROR_CLASSES[c.kind] ?? (sdkAnswer ? ClientError : undefined);
  if (ErrorClass === undefined) {
    return error instanceof Error ? error : new Error(c.message, { cause: error });
  }
  const retryAfterMs = c.retryAfterMs ?? c.resetAfterMs;
  const init: ProviderErrorInit = {
    headers: safeHeaders(readHeaders(error)),
    cause: error,
    ...(c.status !== undefined ? { status: c.status } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(c.body !== undefined ? { body: c.body } : {}),
    ...(c.code !== undefined ? { code: c.code } : {}),
    ...(options.provider !== undefined ? { provider: options.provider } : {}),
  };
  return new ErrorClass(c.message, init);
}

export { MAX_PROVIDER_MESSAGE_CHARS, providerMessage } from './provider-message.js';
