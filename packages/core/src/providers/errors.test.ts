// Tests of the failure vocabulary: AllBucketsExhaustedError's message, copies and JSON, and the
// typed provider errors.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  AllBucketsExhaustedError,
  BUCKET_FAILURE_REASONS,
  type BucketFailureDetail,
  type BucketFailureReason,
  NetworkError,
  QuotaError,
  RateLimitError,
  StreamInterruptedError,
  formatRetryTime,
  ownWords,
} from './errors.js';

const AT_1405 = Date.UTC(2026, 0, 1, 14, 5, 0);
const formatTime = (ms: number): string => {
  const d = new Date(ms);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
};
const SECRET = 'sk-ant-oat01-supersecretvalue';

function example(lastError: unknown = new RateLimitError('429 rate limited', { status: 429 })) {
  const buckets = ['default', 'claudius', 'vybestack'];
  const reasons: Record<string, BucketFailureReason> = {
    default: 'quota-exhausted',
    claudius: 'expired-refresh-failed',
    vybestack: 'no-token',
  };
  const details: Record<string, BucketFailureDetail> = {
    default: { reason: 'quota-exhausted', status: 429, retryAt: AT_1405 },
    claudius: { reason: 'expired-refresh-failed', message: 'refresh token rejected' },
    vybestack: { reason: 'no-token' },
  };
  const error = new AllBucketsExhaustedError('anthropic', buckets, lastError, reasons, details, {
    formatTime,
  });
  return { error, buckets, reasons, details, lastError };
}

describe('AllBucketsExhaustedError', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P06
   * @requirement REQ-1598-ER03
   */
  it('prints the exact §7 message for the three-bucket example', () => {
    expect(example().error.message).toBe(
      [
        'All 3 buckets for anthropic are unavailable:',
        '  - default: quota-exhausted (429, retry after 14:05)',
        '  - claudius: expired-refresh-failed (refresh token rejected)',
        '  - vybestack: no-token',
        'Next: wait until 14:05, or run `baton auth login anthropic --bucket claudius`.',
      ].join('\n'),
    );
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P06
   * @requirement REQ-1598-ER01, REQ-1598-IC01
   */
  it('keeps its fields: provider, buckets, reasons, details, earliest retry, not retryable', () => {
    const { error, lastError } = example();
    expect(error.name).toBe('AllBucketsExhaustedError');
    expect(error).toBeInstanceOf(Error);
    expect(error.providerName).toBe('anthropic');
    expect(error.attemptedBuckets).toEqual(['default', 'claudius', 'vybestack']);
    expect(error.bucketFailureReasons.claudius).toBe('expired-refresh-failed');
    expect(error.details.default?.retryAt).toBe(AT_1405);
    expect(error.earliestRetryAt).toBe(AT_1405);
    expect(error.isRetryable).toBe(false);
    expect(error.lastError).toBe(lastError);
    expect(error.cause).toBe(lastError);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P06
   * @requirement REQ-1598-ER01
   */
  it('copies its inputs: later changes by the caller change nothing', () => {
    const { error, buckets, reasons, details } = example();
    const before = error.toJSON();
    buckets.push('late');
    buckets[0] = 'renamed';
    reasons.default = 'skipped';
    reasons.extra = 'no-token';
    details.default!.retryAt = 0;
    details.vybestack!.reason = 'skipped';
    delete details.claudius;
    expect(error.attemptedBuckets).toEqual(['default', 'claudius', 'vybestack']);
    expect(error.bucketFailureReasons).toEqual({
      default: 'quota-exhausted',
      claudius: 'expired-refresh-failed',
      vybestack: 'no-token',
    });
    expect(error.details.default?.retryAt).toBe(AT_1405);
    expect(error.details.vybestack?.reason).toBe('no-token');
    expect(error.details.claudius?.message).toBe('refresh token rejected');
    expect(error.toJSON()).toEqual(before);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P06
   * @requirement REQ-1598-ER02
   */
  it('reasons default to {}; the message still names the provider and every bucket', () => {
    const error = new AllBucketsExhaustedError('openai', ['work', 'home']);
    expect(error.bucketFailureReasons).toEqual({});
    expect(error.details).toEqual({});
    expect(error.earliestRetryAt).toBeUndefined();
    expect(error.lastError).toBeUndefined();
    expect(error.message).toBe(
      [
        'All 2 buckets for openai are unavailable:',
        '  - work',
        '  - home',
        'Next: try again later, or run `baton auth status openai`.',
      ].join('\n'),
    );
  });

  it('a single bucket reads as "the only bucket"', () => {
    const error = new AllBucketsExhaustedError('openai', ['solo'], undefined, { solo: 'no-token' });
    expect(error.message).toBe(
      [
        'The only bucket for openai is unavailable:',
        '  - solo: no-token',
        'Next: run `baton auth login openai --bucket solo`.',
      ].join('\n'),
    );
  });

  it('takes the reason from the details when the reasons record lacks it', () => {
    const error = new AllBucketsExhaustedError(
      'openai',
      ['a'],
      undefined,
      {},
      {
        a: { reason: 'reauth-failed', message: 'timed out' },
      },
    );
    expect(error.message).toContain('  - a: reauth-failed (timed out)');
    expect(error.message).toContain('--bucket a`');
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P06
   * @requirement REQ-1598-ER03
   */
  it('suggests a login for the first bucket that needs one, in bucket order', () => {
    const error = new AllBucketsExhaustedError('anthropic', ['q', 's', 'b', 'c'], undefined, {
      q: 'quota-exhausted',
      s: 'skipped',
      b: 'reauth-failed',
      c: 'no-token',
    });
    expect(error.message.split('\n').at(-1)).toBe(
      'Next: run `baton auth login anthropic --bucket b`.',
    );
  });

  it('a detail action replaces the login suggestion for that bucket', () => {
    const error = new AllBucketsExhaustedError(
      'anthropic',
      ['locked', 'other'],
      undefined,
      { locked: 'no-token', other: 'no-token' },
      { locked: { reason: 'no-token', action: 'unlock the keychain' } },
    );
    expect(error.message.split('\n').at(-1)).toBe(
      'Next: unlock the keychain, or run `baton auth login anthropic --bucket other`.',
    );
    const only = new AllBucketsExhaustedError(
      'anthropic',
      ['locked'],
      undefined,
      {},
      {
        locked: { reason: 'no-token', action: 'unlock the keychain' },
      },
    );
    expect(only.message.split('\n').at(-1)).toBe('Next: unlock the keychain.');
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P06
   * @requirement REQ-1598-ER07
   */
  it('earliestRetryAt is the smallest finite retryAt of any bucket (quota resets and long waits alike)', () => {
    const error = new AllBucketsExhaustedError(
      'anthropic',
      ['a', 'b', 'c', 'd'],
      undefined,
      {},
      {
        a: { reason: 'quota-exhausted', retryAt: 5000 },
        b: { reason: 'quota-exhausted', retryAt: 3000 },
        c: { reason: 'skipped', retryAt: 1000 },
        d: { reason: 'quota-exhausted', retryAt: Number.NaN },
        e: { reason: 'no-token' },
      },
    );
    expect(error.earliestRetryAt).toBe(1000);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P06
   * @requirement REQ-1598-ER07, REQ-1598-IC01
   */
  test.prop([
    fc.dictionary(
      fc.stringMatching(/^[a-z]{1,8}$/),
      fc.record(
        {
          reason: fc.constantFrom(...BUCKET_FAILURE_REASONS),
          retryAt: fc.integer({ min: 0, max: 4_000_000_000_000 }),
        },
        { requiredKeys: ['reason'] },
      ),
    ),
  ])('earliestRetryAt = min retryAt of all details (property)', (details) => {
    const error = new AllBucketsExhaustedError('p', Object.keys(details), undefined, {}, details);
    const retryAts = Object.values(details)
      .filter((d) => d.retryAt !== undefined)
      .map((d) => d.retryAt!);
    expect(error.earliestRetryAt).toBe(retryAts.length ? Math.min(...retryAts) : undefined);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P06
   * @requirement REQ-1598-ER05
   */
  it('toJSON has the same data, and nothing of lastError but its name and message', () => {
    const lastError = new QuotaError('usage limit reached', {
      status: 429,
      headers: { 'x-request-token': SECRET },
      body: `{"token":"${SECRET}"}`,
      cause: new Error(SECRET),
    });
    const { error } = example(lastError);
    const json = error.toJSON();
    expect(json).toEqual({
      name: 'AllBucketsExhaustedError',
      message: error.message,
      providerName: 'anthropic',
      attemptedBuckets: ['default', 'claudius', 'vybestack'],
      bucketFailureReasons: {
        default: 'quota-exhausted',
        claudius: 'expired-refresh-failed',
        vybestack: 'no-token',
      },
      details: {
        default: { reason: 'quota-exhausted', status: 429, retryAt: AT_1405 },
        claudius: { reason: 'expired-refresh-failed', message: 'refresh token rejected' },
        vybestack: { reason: 'no-token' },
      },
      earliestRetryAt: new Date(AT_1405).toISOString(),
      isRetryable: false,
      lastError: { name: 'QuotaError', message: 'usage limit reached' },
    });
    expect(JSON.stringify(error)).not.toContain(SECRET);
  });

  it('toJSON leaves out a lastError that is not an Error, and an unknown earliest time', () => {
    const error = new AllBucketsExhaustedError('openai', ['a'], { token: SECRET });
    const json = error.toJSON();
    expect(json).not.toHaveProperty('lastError');
    expect(json).not.toHaveProperty('earliestRetryAt');
    expect(JSON.stringify(error)).not.toContain(SECRET);
  });

  it('toJSON returns copies', () => {
    const { error } = example();
    const json = error.toJSON() as { attemptedBuckets: string[] };
    json.attemptedBuckets.push('x');
    expect(error.attemptedBuckets).toHaveLength(3);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P06
   * @requirement REQ-1598-ER04
   */
  it('the default time format is local HH:MM within 24 h of now', () => {
    const now = new Date(2026, 0, 1, 8, 0).getTime();
    const at = new Date(2026, 0, 1, 9, 7).getTime();
    const error = new AllBucketsExhaustedError(
      'p',
      ['a'],
      undefined,
      {},
      { a: { reason: 'quota-exhausted', retryAt: at } },
      { now },
    );
    expect(error.message).toContain('retry after 09:07');
    expect(error.message).toContain('Next: wait until 09:07.');
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P06
   * @requirement REQ-1598-ER04
   */
  it('a retry time more than 24 h away is shown with its date', () => {
    const now = new Date(2026, 11, 1, 8, 0).getTime();
    const at = new Date(2026, 11, 3, 14, 5).getTime();
    const error = new AllBucketsExhaustedError(
      'p',
      ['a'],
      undefined,
      {},
      { a: { reason: 'quota-exhausted', retryAt: at } },
      { now },
    );
    expect(error.message).toContain('retry after Dec 3 14:05');
    expect(error.message).toContain('Next: wait until Dec 3 14:05.');
    expect(formatRetryTime(at, at - 86_399_999)).toBe('14:05');
    expect(formatRetryTime(at, at - 86_400_000)).toBe('Dec 3 14:05');
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P06
   * @requirement REQ-1598-ER05
   */
  it('toJSON never throws: an impossible retry time and an unreadable lastError are left out', () => {
    const hostile = new Error('x');
    Object.defineProperty(hostile, 'message', {
      get() {
        throw new Error('no');
      },
    });
    const error = new AllBucketsExhaustedError(
      'p',
      ['a'],
      undefined,
      {},
      {
        a: { reason: 'quota-exhausted', retryAt: 9e15 },
      },
    );
    expect(error.earliestRetryAt).toBe(9e15);
    const json = error.toJSON();
    expect(json).not.toHaveProperty('earliestRetryAt');
    expect(json.providerName).toBe('p');
    const withHostile = Object.assign(Object.create(AllBucketsExhaustedError.prototype), error, {
      lastError: hostile,
    }) as AllBucketsExhaustedError;
    expect(() => withHostile.toJSON()).not.toThrow();
    expect(withHostile.toJSON()).not.toHaveProperty('lastError');
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P06
   * @requirement REQ-1598-ER06
   */
  it("messages use the provider's own words, not the SDK's `429 {…}` rendering", () => {
    const sdk = new Error(
      '429 {"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed your account\'s rate limit. Please try again later."}}',
    );
    const error = new AllBucketsExhaustedError(
      'anthropic',
      ['a'],
      sdk,
      {},
      {
        a: { reason: 'quota-exhausted', status: 429, message: sdk.message },
      },
    );
    expect(error.message).toContain("This request would exceed your account's rate limit.");
    expect(error.message).not.toContain('{"type"');
    expect(error.toJSON().lastError).toEqual({
      name: 'Error',
      message: "429 This request would exceed your account's rate limit. Please try again later.",
    });
    expect(ownWords(new Error('plain words'))).toBe('plain words');
    expect(ownWords(new Error('500 {not json'))).toBe('500 {not json');
  });

  it('bucket names that are also Object.prototype keys are plain buckets', () => {
    const error = new AllBucketsExhaustedError(
      'p',
      ['constructor', 'toString', '__proto__'],
      undefined,
      {},
      JSON.parse('{"__proto__": {"reason": "quota-exhausted", "retryAt": 1000}}') as Record<
        string,
        BucketFailureDetail
      >,
    );
    expect(error.message.split('\n').slice(1, 3)).toEqual(['  - constructor', '  - toString']);
    expect(error.message).toContain('  - __proto__: quota-exhausted');
    expect(error.earliestRetryAt).toBe(1000);
    expect(Object.keys(error.details)).toEqual(['__proto__']);
  });
});

describe('typed provider errors', () => {
  it('carry status, a copy of the headers, wait, body, code, provider and cause', () => {
    const headers = { 'retry-after': '3' };
    const cause = new Error('socket');
    const error = new RateLimitError('slow down', {
      status: 429,
      headers,
      retryAfterMs: 3000,
      body: 'b',
      code: 'rate_limit_error',
      provider: 'anthropic',
      cause,
    });
    headers['retry-after'] = '99';
    expect(error).toMatchObject({
      name: 'RateLimitError',
      kind: 'rate-limit',
      message: 'slow down',
      status: 429,
      retryAfterMs: 3000,
      body: 'b',
      code: 'rate_limit_error',
      provider: 'anthropic',
    });
    expect(error.headers).toEqual({ 'retry-after': '3' });
    expect(error.cause).toBe(cause);
  });

  it('without init: empty headers, no cause', () => {
    const error = new NetworkError('down');
    expect(error.headers).toEqual({});
    expect('cause' in error).toBe(false);
    expect(error.status).toBeUndefined();
  });

  it('StreamInterruptedError keeps the partial output, marked incomplete, and is never retried', () => {
    const chunks = [
      { type: 'text', text: 'Hel' },
      { type: 'text', text: 'lo' },
    ];
    const error = new StreamInterruptedError('stream cut after output', chunks, 'Hello', {
      status: 500,
      provider: 'openai',
    });
    expect(error.partialOutput).toEqual(chunks);
    expect(error.partialText).toBe('Hello');
    expect(error.incomplete).toBe(true);
    expect(error.kind).toBe('stream-interrupted');
    expect(error.name).toBe('StreamInterruptedError');
    expect(error.status).toBe(500);
  });
});
