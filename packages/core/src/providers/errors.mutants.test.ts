// Pins the failure vocabulary's edges that errors.test.ts leaves open (found by mutation testing):
// the reason lists, every month and the 24 h edge of retry times, the provider's own words, the
// exhausted error's Next line and JSON, and each typed error's name and kind.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  AllBucketsExhaustedError,
  AuthenticationError,
  BUCKET_FAILURE_REASONS,
  ClientError,
  CredentialRefusedError,
  DeadlineExceededError,
  type BucketFailureDetail,
  formatClockTime,
  formatRetryTime,
  NetworkError,
  ownWords,
  QuotaError,
  RateLimitError,
  REAUTH_ELIGIBLE_REASONS,
  ServerError,
  StreamInterruptedError,
} from './errors.js';

const DAY = 86_400_000;
const exhausted = (
  buckets: string[],
  details: Record<string, BucketFailureDetail>,
  lastError?: unknown,
): AllBucketsExhaustedError =>
  new AllBucketsExhaustedError('p', buckets, lastError, {}, details, {
    formatTime: (ms) => `T${ms}`,
  });
const nextLine = (error: Error): string | undefined => error.message.split('\n').at(-1);

describe('reason lists', () => {
  it('names every bucket failure reason, and which of them a login can fix', () => {
    expect(BUCKET_FAILURE_REASONS).toEqual([
      'quota-exhausted',
      'expired-refresh-failed',
      'reauth-failed',
      'no-token',
      'skipped',
      'refused',
    ]);
    expect([...REAUTH_ELIGIBLE_REASONS].sort()).toEqual([
      'expired-refresh-failed',
      'no-token',
      'reauth-failed',
    ]);
  });
});

describe('retry times for people', () => {
  it.each([
    [0, 'Jan'],
    [1, 'Feb'],
    [2, 'Mar'],
    [3, 'Apr'],
    [4, 'May'],
    [5, 'Jun'],
    [6, 'Jul'],
    [7, 'Aug'],
    [8, 'Sep'],
    [9, 'Oct'],
    [10, 'Nov'],
    [11, 'Dec'],
  ])('month %i reads %s', (month, name) => {
    const at = new Date(2026, month, 9, 7, 3).getTime();
    expect(formatRetryTime(at, at - 3 * DAY)).toBe(`${name} 9 07:03`);
  });

  it('hours and minutes are two digits', () => {
    expect(formatClockTime(new Date(2026, 0, 1, 0, 0).getTime())).toBe('00:00');
    expect(formatClockTime(new Date(2026, 0, 1, 23, 59).getTime())).toBe('23:59');
  });

  it('a time a day or more in the past also carries its date; under a day it does not', () => {
    const at = new Date(2026, 4, 20, 10, 30).getTime();
    expect(formatRetryTime(at, at + DAY)).toBe('May 20 10:30');
    expect(formatRetryTime(at, at + DAY - 1)).toBe('10:30');
    expect(formatRetryTime(at, at)).toBe('10:30');
  });

  it('a time no Date can hold reads "an unknown time"', () => {
    expect(formatRetryTime(Number.NaN, 0)).toBe('an unknown time');
    expect(formatRetryTime(9e15, 0)).toBe('an unknown time');
  });

  test.prop([
    fc.integer({ min: 0, max: 4_000_000_000_000 }),
    fc.integer({ min: -DAY + 1, max: DAY - 1 }),
  ])('within a day either side, only the clock time', (at, offset) => {
    expect(formatRetryTime(at, at + offset)).toBe(formatClockTime(at));
  });
});

describe("the provider's own words", () => {
  it.each([
    ['429 {"error":{"message":"  slow down  "}}', '429 slow down'],
    ['429 {"message":"top-level words"}', '429 top-level words'],
    ['400 [{"error":{"message":"in an array"}}]', '400 in an array'],
    ['  503 {"error":{"message":"padded"}}  ', '503 padded'],
    ['429 {"error":{"message":"inner"},"message":"outer"}', '429 inner'],
  ])('%s reads %s', (raw, words) => {
    expect(ownWords(new Error(raw))).toBe(words);
  });

  it.each([
    '429 {"error":{"message":"   "}}',
    '429 {"error":{"message":42}}',
    '429 {"error":{}}',
    '429 null',
    '429 {}',
    '42 {"message":"two digits"}',
    'x429 {"message":"not at the start"}',
    '429 {"message":"no end"',
    'status 429',
  ])('%s is kept as it is', (raw) => {
    expect(ownWords(new Error(raw))).toBe(raw);
  });

  it('a status and body over several lines are still read', () => {
    expect(ownWords(new Error('429\n{\n"message": "on lines"\n}'))).toBe('429 on lines');
  });

  it('a value that is not an Error is read as a string', () => {
    expect(ownWords('429 {"message":"from a string"}')).toBe('429 from a string');
    expect(ownWords(404)).toBe('404');
  });
});

describe('AllBucketsExhaustedError message', () => {
  it('two buckets read "All 2 buckets"', () => {
    const error = exhausted(['a', 'b'], {});
    expect(error.message.split('\n')[0]).toBe('All 2 buckets for p are unavailable:');
  });

  it('a bucket line lists status, own words and retry time, in that order', () => {
    const error = exhausted(['a'], {
      a: {
        reason: 'quota-exhausted',
        status: 429,
        message: '429 {"error":{"message":"spent"}}',
        retryAt: 5,
      },
    });
    expect(error.message.split('\n')[1]).toBe(
      '  - a: quota-exhausted (429, 429 spent, retry after T5)',
    );
  });

  it('a bucket with a reason and nothing else has no parentheses; status 0 is still shown', () => {
    const error = exhausted(['a', 'b'], {
      a: { reason: 'skipped' },
      b: { reason: 'refused', status: 0 },
    });
    expect(error.message.split('\n').slice(1, 3)).toEqual(['  - a: skipped', '  - b: refused (0)']);
  });

  it('a retry time that is not finite is neither shown nor waited for', () => {
    const error = exhausted(['a'], {
      a: { reason: 'quota-exhausted', retryAt: Number.POSITIVE_INFINITY },
    });
    expect(error.message.split('\n')[1]).toBe('  - a: quota-exhausted');
    expect(error.earliestRetryAt).toBeUndefined();
    expect(nextLine(error)).toBe('Next: try again later, or run `baton auth status p`.');
  });

  it('the earliest retry is the smallest, whatever the order; the wait comes first in Next', () => {
    const error = exhausted(['a', 'b', 'c'], {
      a: { reason: 'quota-exhausted', retryAt: 300 },
      b: { reason: 'quota-exhausted', retryAt: 100 },
      c: { reason: 'quota-exhausted', retryAt: 200 },
    });
    expect(error.earliestRetryAt).toBe(100);
    expect(nextLine(error)).toBe('Next: wait until T100.');
  });

  it('the same action of two buckets is suggested once, after the wait', () => {
    const error = exhausted(['a', 'b', 'c'], {
      a: { reason: 'no-token', action: 'unlock the keychain' },
      b: { reason: 'quota-exhausted', retryAt: 7 },
      c: { reason: 'reauth-failed', action: 'unlock the keychain' },
    });
    expect(nextLine(error)).toBe('Next: wait until T7, or unlock the keychain.');
  });

  it('no login is suggested for reasons a login cannot fix', () => {
    const error = exhausted(['a', 'b'], { a: { reason: 'skipped' }, b: { reason: 'refused' } });
    expect(nextLine(error)).toBe('Next: try again later, or run `baton auth status p`.');
  });

  it('a bucket with no reason gets no login suggestion; the next one that needs it does', () => {
    const error = exhausted(['a', 'b'], { b: { reason: 'reauth-failed' } });
    expect(nextLine(error)).toBe('Next: run `baton auth login p --bucket b`.');
  });

  it('without formatTime, times are relative to the given now', () => {
    const at = new Date(2026, 6, 4, 18, 45).getTime();
    const error = new AllBucketsExhaustedError(
      'p',
      ['a'],
      undefined,
      {},
      { a: { reason: 'quota-exhausted', retryAt: at } },
      { now: at - 2 * DAY },
    );
    expect(nextLine(error)).toBe('Next: wait until Jul 4 18:45.');
  });
});

describe('AllBucketsExhaustedError JSON', () => {
  it('has the fields, copies of the details, and the earliest retry as ISO', () => {
    const lastError = new QuotaError('429 {"error":{"message":"spent"}}');
    const error = exhausted(
      ['a'],
      { a: { reason: 'quota-exhausted', retryAt: Date.UTC(2026, 0, 2, 3, 4, 5) } },
      lastError,
    );
    const json = error.toJSON();
    expect(json).toEqual({
      name: 'AllBucketsExhaustedError',
      message: error.message,
      providerName: 'p',
      attemptedBuckets: ['a'],
      bucketFailureReasons: {},
      details: { a: { reason: 'quota-exhausted', retryAt: Date.UTC(2026, 0, 2, 3, 4, 5) } },
      isRetryable: false,
      earliestRetryAt: '2026-01-02T03:04:05.000Z',
      lastError: { name: 'QuotaError', message: '429 spent' },
    });
    (json.details as Record<string, BucketFailureDetail>).a!.reason = 'skipped';
    expect(error.details.a!.reason).toBe('quota-exhausted');
  });

  it('without retry times or a lastError, neither key is present', () => {
    const json = exhausted(['a'], { a: { reason: 'no-token' } }).toJSON();
    expect('earliestRetryAt' in json).toBe(false);
    expect('lastError' in json).toBe(false);
  });
});

describe('typed provider errors', () => {
  it.each([
    [RateLimitError, 'RateLimitError', 'rate-limit'],
    [QuotaError, 'QuotaError', 'quota'],
    [AuthenticationError, 'AuthenticationError', 'auth'],
    [CredentialRefusedError, 'CredentialRefusedError', 'refused'],
    [ServerError, 'ServerError', 'server'],
    [NetworkError, 'NetworkError', 'network'],
    [ClientError, 'ClientError', 'client'],
  ])('%o is named %s, of kind %s', (ErrorClass, name, kind) => {
    const error = new ErrorClass('m');
    expect(error.name).toBe(name);
    expect(error.kind).toBe(kind);
    expect(error).toBeInstanceOf(Error);
  });

  it('leaves each field it was not given undefined', () => {
    const error = new ServerError('m', { status: 500 });
    expect([error.retryAfterMs, error.body, error.code, error.provider]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(new ServerError('m', { body: 'b' }).status).toBeUndefined();
  });

  it('StreamInterruptedError without init has empty headers and no cause', () => {
    const error = new StreamInterruptedError('cut', [], '');
    expect(error.headers).toEqual({});
    expect('cause' in error).toBe(false);
  });

  it('DeadlineExceededError states the deadline and is never retryable', () => {
    const error = new DeadlineExceededError(1500);
    expect(error.message).toBe('The request did not finish within its 1500 ms deadline.');
    expect(error.name).toBe('DeadlineExceededError');
    expect(error.isRetryable).toBe(false);
    expect(error.deadlineMs).toBe(1500);
  });
});
