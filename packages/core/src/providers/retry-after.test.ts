// Tests of the Retry-After / retry-after-ms / rate-limit reset parsers, with real Headers objects.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  getHeader,
  headersToRecord,
  parseHttpDate,
  parseOpenAIDuration,
  parseResetTimestamp,
  parseRetryAfter,
  parseRetryAfterMs,
  parseRfc3339,
  readRateLimitTiming,
  selectResetAfterMs,
} from './retry-after.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0); // Thu, 01 Jan 2026 12:00:00 GMT
const iso = (offsetMs: number): string => new Date(NOW + offsetMs).toISOString();

/**
 * @plan PLAN-20260223-ISSUE1598.P04
 * @requirement REQ-1598-CL09
 */
describe('parseRetryAfter: seconds', () => {
  it('reads integer seconds as ms', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter('1', NOW)).toBe(1000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
  });
  it('reads decimal seconds, rounded to whole ms', () => {
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
    expect(parseRetryAfter('0.0004', NOW)).toBe(0);
    expect(parseRetryAfter('0.0006', NOW)).toBe(1);
  });
  it('ignores surrounding whitespace', () => {
    expect(parseRetryAfter('  7 ', NOW)).toBe(7000);
  });
  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['blank', '   '],
    ['negative', '-5'],
    ['plus sign', '+5'],
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
    ['exponent', '1e3'],
    ['trailing dot', '5.'],
    ['leading dot', '.5'],
    ['unit', '5s'],
    ['words', 'soon'],
    ['too large to be finite', '9'.repeat(400)],
    ['lenient Date.parse bait', '1 2'],
    ['ISO timestamp (not an HTTP date)', '2026-01-01T12:00:10Z'],
  ])('%s → undefined', (_name, value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P04
 * @requirement REQ-1598-CL09
 */
describe('parseRetryAfter: HTTP dates', () => {
  it('IMF-fixdate in the future → distance from now', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:00:30 GMT', NOW)).toBe(30_000);
  });
  it('IMF-fixdate in the past → 0', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 11:59:59 GMT', NOW)).toBe(0);
  });
  it('IMF-fixdate equal to now → 0', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:00:00 GMT', NOW)).toBe(0);
  });
  it('one second after now → 1000', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:00:01 GMT', NOW)).toBe(1000);
  });
  it('RFC 850 date', () => {
    expect(parseRetryAfter('Thursday, 01-Jan-26 12:01:00 GMT', NOW)).toBe(60_000);
  });
  it('asctime date, with a space-padded day', () => {
    expect(parseRetryAfter('Thu Jan  1 12:00:05 2026', NOW)).toBe(5000);
    expect(parseRetryAfter('Sat Jan 10 12:00:00 2026', NOW)).toBe(9 * 86_400_000);
  });
  it.each([
    ['day out of range', 'Sat, 31 Feb 2026 12:00:00 GMT'],
    ['day zero', 'Thu, 00 Jan 2026 12:00:00 GMT'],
    ['hour 24', 'Thu, 01 Jan 2026 24:00:00 GMT'],
    ['minute 60', 'Thu, 01 Jan 2026 12:60:00 GMT'],
    ['second 61', 'Thu, 01 Jan 2026 12:00:61 GMT'],
    ['other zone', 'Thu, 01 Jan 2026 12:00:00 PST'],
    ['no zone', 'Thu, 01 Jan 2026 12:00:00'],
    ['unknown month', 'Thu, 01 Foo 2026 12:00:00 GMT'],
    ['unknown weekday', 'Xyz, 01 Jan 2026 12:00:00 GMT'],
    ['two-digit year in IMF form', 'Thu, 01 Jan 26 12:00:00 GMT'],
  ])('%s → undefined', (_name, value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
  it('a leap second is read as the next minute', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:00:60 GMT', NOW)).toBe(60_000);
  });
  it('accepts UTC as well as GMT, and any letter case', () => {
    expect(parseRetryAfter('thu, 01 JAN 2026 12:00:02 UTC', NOW)).toBe(2000);
  });
});

describe('parseHttpDate: two-digit years (RFC 9110: more than 50 years ahead → last century)', () => {
  const year = (v: string): number => new Date(parseHttpDate(v, NOW)!).getUTCFullYear();
  it('94 → 1994', () => expect(year('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(1994));
  it('27 → 2027', () => expect(year('Friday, 01-Jan-27 00:00:00 GMT')).toBe(2027));
  it('76 (exactly 50 ahead) → 2076', () =>
    expect(year('Wednesday, 01-Jan-76 00:00:00 GMT')).toBe(2076));
  it('77 (51 ahead) → 1977', () => expect(year('Saturday, 01-Jan-77 00:00:00 GMT')).toBe(1977));
  it('00 → 2000', () => expect(year('Saturday, 01-Jan-00 00:00:00 GMT')).toBe(2000));
  it('keeps years before 100 AD in four-digit forms', () => {
    expect(new Date(parseHttpDate('Mon, 01 Jan 0050 00:00:00 GMT', NOW)!).getUTCFullYear()).toBe(
      50,
    );
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P04
 * @requirement REQ-1598-CL09
 */
describe('parseRetryAfterMs', () => {
  it('reads ms, decimals rounded', () => {
    expect(parseRetryAfterMs('1500')).toBe(1500);
    expect(parseRetryAfterMs('0')).toBe(0);
    expect(parseRetryAfterMs('1500.4')).toBe(1500);
    expect(parseRetryAfterMs('1500.5')).toBe(1501);
    expect(parseRetryAfterMs(' 20 ')).toBe(20);
  });
  it.each([undefined, '', ' ', '-1', 'abc', '1e3', '12ms', 'Infinity'])('%s → undefined', (v) => {
    expect(parseRetryAfterMs(v)).toBeUndefined();
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P04
 * @requirement REQ-1598-CL09
 */
describe('parseOpenAIDuration', () => {
  it.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['20ms', 20],
    ['20m', 1_200_000],
    ['1h2m3.5s', 3_723_500],
    ['1h', 3_600_000],
    ['0s', 0],
    ['2', 2000],
    ['0.5', 500],
    ['1.5ms', 2],
    ['1500us', 2],
    ['1500µs', 2],
    ['2000000ns', 2],
    ['1m30s250ms', 90_250],
    [' 7s ', 7000],
  ])('%s → %d ms', (value, ms) => {
    expect(parseOpenAIDuration(value)).toBe(ms);
  });
  it.each([
    undefined,
    '',
    '  ',
    's',
    '1x',
    '-1s',
    '1 s',
    '1s1s',
    '1m1h',
    '1s2m',
    '1us1µs',
    '1ms1s',
    '1s!',
    'ms',
  ])('%s → undefined', (value) => {
    expect(parseOpenAIDuration(value)).toBeUndefined();
  });
});

describe('parseRfc3339 / parseResetTimestamp', () => {
  it('Z timestamps, fractions kept to the ms', () => {
    expect(parseResetTimestamp('2026-01-01T12:00:30Z', NOW)).toBe(30_000);
    expect(parseResetTimestamp('2026-01-01T12:00:30.250Z', NOW)).toBe(30_250);
    expect(parseResetTimestamp('2026-01-01T12:00:30.2509Z', NOW)).toBe(30_250);
    expect(parseResetTimestamp('2026-01-01t12:00:01z', NOW)).toBe(1000);
    expect(parseResetTimestamp('2026-01-01 12:00:01Z', NOW)).toBe(1000);
  });
  it('numeric offsets', () => {
    expect(parseResetTimestamp('2026-01-01T13:00:30+01:00', NOW)).toBe(30_000);
    expect(parseResetTimestamp('2026-01-01T11:00:30-01:00', NOW)).toBe(30_000);
    expect(parseResetTimestamp('2026-01-01T12:30:30+00:30', NOW)).toBe(30_000);
    expect(parseResetTimestamp('2026-01-01T12:00:30+00:00', NOW)).toBe(30_000);
    expect(parseResetTimestamp('2026-01-02T12:00:30+23:59', NOW)).toBe(30_000 + 60_000);
    expect(parseResetTimestamp('2026-01-01T12:59:30+00:59', NOW)).toBe(30_000);
  });
  it('past → 0, exactly now → 0', () => {
    expect(parseResetTimestamp('2025-12-31T23:00:00Z', NOW)).toBe(0);
    expect(parseResetTimestamp('2026-01-01T12:00:00Z', NOW)).toBe(0);
  });
  it.each([
    undefined,
    '',
    '2026-01-01T12:00:30',
    '2026-13-01T12:00:00Z',
    '2026-00-01T12:00:00Z',
    '2026-02-30T12:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T12:00:00+24:00',
    '2026-01-01T12:00:00+01:60',
    '2026-01-01',
    '30',
    'Thu, 01 Jan 2026 12:00:30 GMT',
  ])('%s → undefined', (value) => {
    expect(parseResetTimestamp(value, NOW)).toBeUndefined();
  });
  it('agrees with Date.parse on valid instants', () => {
    const s = '2027-06-15T08:09:10.123+05:45';
    expect(parseRfc3339(s)).toBe(Date.parse(s));
  });
});

describe('getHeader / headersToRecord', () => {
  it('reads a real Headers object case-insensitively', () => {
    const h = new Headers({ 'Retry-After': '3' });
    expect(getHeader(h, 'retry-after')).toBe('3');
    expect(getHeader(h, 'RETRY-AFTER')).toBe('3');
    expect(getHeader(h, 'x-missing')).toBeUndefined();
  });
  it('reads a plain record with any key case, numbers and repeated (array) values', () => {
    const r = { 'Retry-After': 4, 'X-Ratelimit-Reset-Tokens': ['1s', '2s'], Other: true };
    expect(getHeader(r, 'retry-after')).toBe('4');
    expect(getHeader(r, 'x-ratelimit-reset-tokens')).toBe('1s');
    expect(getHeader(r, 'other')).toBeUndefined();
    expect(getHeader({ 'retry-after': Number.NaN }, 'retry-after')).toBeUndefined();
    expect(getHeader({ 'retry-after': [] }, 'retry-after')).toBeUndefined();
  });
  it('reads a Map with any key case', () => {
    const m = new Map<unknown, unknown>([
      [1, 'x'],
      ['RETRY-AFTER-MS', '250'],
    ]);
    expect(getHeader(m, 'retry-after-ms')).toBe('250');
    expect(getHeader(m, 'retry-after')).toBeUndefined();
  });
  it('null and undefined have no headers', () => {
    expect(getHeader(null, 'a')).toBeUndefined();
    expect(getHeader(undefined, 'a')).toBeUndefined();
    expect(headersToRecord(null)).toEqual({});
    expect(headersToRecord(undefined)).toEqual({});
  });
  it('headersToRecord lower-cases keys from every shape', () => {
    const expected = { 'retry-after': '3', 'x-a': '1' };
    expect(headersToRecord(new Headers({ 'Retry-After': '3', 'X-A': '1' }))).toEqual(expected);
    expect(
      headersToRecord(
        new Map([
          ['Retry-After', '3'],
          ['X-A', '1'],
        ]),
      ),
    ).toEqual(expected);
    expect(headersToRecord({ 'Retry-After': '3', 'X-A': 1, skipped: {} })).toEqual(expected);
  });
  it('headersToRecord keeps a "__proto__" header as data', () => {
    const record = headersToRecord(new Map([['__proto__', 'x']]));
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.keys(record)).toEqual(['__proto__']);
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P04
 * @requirement REQ-1598-CL09
 */
describe('selectResetAfterMs', () => {
  it('prefers the Anthropic dimension whose remaining is 0, even when another resets later', () => {
    const h = new Headers({
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': iso(5000),
      'anthropic-ratelimit-tokens-remaining': '1',
      'anthropic-ratelimit-tokens-reset': iso(60_000),
    });
    expect(selectResetAfterMs(h, NOW)).toBe(5000);
  });
  it('with several dimensions at 0, waits for the latest of them', () => {
    const h = new Headers({
      'anthropic-ratelimit-input-tokens-remaining': '0',
      'anthropic-ratelimit-input-tokens-reset': iso(20_000),
      'anthropic-ratelimit-output-tokens-remaining': '0',
      'anthropic-ratelimit-output-tokens-reset': iso(40_000),
      'anthropic-ratelimit-requests-remaining': '99',
      'anthropic-ratelimit-requests-reset': iso(90_000),
    });
    expect(selectResetAfterMs(h, NOW)).toBe(40_000);
  });
  it('with none at 0, takes the latest reset', () => {
    const h = new Headers({
      'anthropic-ratelimit-requests-remaining': '3',
      'anthropic-ratelimit-requests-reset': iso(5000),
      'anthropic-ratelimit-tokens-reset': iso(15_000),
    });
    expect(selectResetAfterMs(h, NOW)).toBe(15_000);
  });
  it('reads OpenAI durations and prefers the exhausted dimension', () => {
    const h = new Headers({
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-remaining-tokens': '500',
      'x-ratelimit-reset-tokens': '6m0s',
    });
    expect(selectResetAfterMs(h, NOW)).toBe(1000);
    h.set('x-ratelimit-remaining-requests', '1');
    expect(selectResetAfterMs(h, NOW)).toBe(360_000);
    h.set('x-ratelimit-remaining-tokens', '0');
    expect(selectResetAfterMs(h, NOW)).toBe(360_000);
  });
  it('counts "0.0" as zero and an empty remaining as unknown', () => {
    const h = new Headers({
      'x-ratelimit-remaining-requests': '0.0',
      'x-ratelimit-reset-requests': '2s',
      'x-ratelimit-remaining-tokens': '',
      'x-ratelimit-reset-tokens': '9s',
    });
    expect(selectResetAfterMs(h, NOW)).toBe(2000);
  });
  it('an exhausted dimension with an unreadable reset does not count', () => {
    const h = new Headers({
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': 'soon',
      'x-ratelimit-reset-tokens': '3s',
    });
    expect(selectResetAfterMs(h, NOW)).toBe(3000);
  });
  it('no reset headers → undefined', () => {
    expect(selectResetAfterMs(new Headers({ 'retry-after': '3' }), NOW)).toBeUndefined();
    expect(selectResetAfterMs(undefined, NOW)).toBeUndefined();
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P04
 * @requirement REQ-1598-CL09
 */
describe('readRateLimitTiming', () => {
  it('prefers retry-after-ms over retry-after', () => {
    const h = new Headers({ 'retry-after': '3', 'retry-after-ms': '2500' });
    expect(readRateLimitTiming(h, NOW)).toEqual({ retryAfterMs: 2500 });
  });
  it('falls back to retry-after when retry-after-ms is unreadable', () => {
    const h = new Headers({ 'retry-after': '3', 'retry-after-ms': 'x' });
    expect(readRateLimitTiming(h, NOW)).toEqual({ retryAfterMs: 3000 });
  });
  it('reports retry-after and the reset separately', () => {
    const h = {
      'Retry-After': 'Thu, 01 Jan 2026 12:00:10 GMT',
      'anthropic-ratelimit-tokens-remaining': '0',
      'anthropic-ratelimit-tokens-reset': iso(45_000),
    };
    expect(readRateLimitTiming(h, NOW)).toEqual({ retryAfterMs: 10_000, resetAfterMs: 45_000 });
  });
  it('a reset alone', () => {
    const m = new Map([['x-ratelimit-reset-tokens', '20ms']]);
    expect(readRateLimitTiming(m, NOW)).toEqual({ resetAfterMs: 20 });
  });
  it('nothing known → no keys at all', () => {
    const timing = readRateLimitTiming(new Headers(), NOW);
    expect(Object.keys(timing)).toEqual([]);
  });
});

describe('properties', () => {
  test.prop([fc.nat(), fc.integer({ min: 0, max: 4_000_000_000_000 })])(
    'non-negative integer seconds → exactly ×1000',
    (seconds, now) => {
      expect(parseRetryAfter(String(seconds), now)).toBe(seconds * 1000);
    },
  );

  test.prop([
    fc.date({
      min: new Date('1970-01-01T00:00:00Z'),
      max: new Date('2999-12-31T23:59:59Z'),
      noInvalidDate: true,
    }),
    fc.integer({ min: 0, max: 32_000_000_000_000 }),
  ])('toUTCString() dates → distance from now at second precision, ≥ 0', (date, now) => {
    const expected = Math.max(0, Math.floor(date.getTime() / 1000) * 1000 - now);
    expect(parseRetryAfter(date.toUTCString(), now)).toBe(expected);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P04
   * @requirement REQ-1598-CL09
   */
  test.prop([fc.string()])('strings that are neither numbers nor dates → undefined', (s) => {
    fc.pre(!/^\s*\d+(\.\d+)?\s*$/.test(s) && Number.isNaN(Date.parse(s)));
    expect(parseRetryAfter(s, NOW)).toBeUndefined();
  });

  test.prop([
    fc.record(
      {
        h: fc.integer({ min: 0, max: 99 }),
        m: fc.integer({ min: 0, max: 59 }),
        s: fc.integer({ min: 0, max: 59 }),
        ms: fc.integer({ min: 0, max: 999 }),
      },
      { requiredKeys: [] },
    ),
  ])('OpenAI durations from random h/m/s/ms → exact ms', (parts) => {
    fc.pre(Object.keys(parts).length > 0);
    const text =
      (parts.h !== undefined ? `${parts.h}h` : '') +
      (parts.m !== undefined ? `${parts.m}m` : '') +
      (parts.s !== undefined ? `${parts.s}s` : '') +
      (parts.ms !== undefined ? `${parts.ms}ms` : '');
    const expected =
      (parts.h ?? 0) * 3_600_000 +
      (parts.m ?? 0) * 60_000 +
      (parts.s ?? 0) * 1000 +
      (parts.ms ?? 0);
    expect(parseOpenAIDuration(text)).toBe(expected);
  });

  test.prop([
    fc.integer({ min: 0, max: 10_000_000 }),
    fc.integer({ min: -10_000_000, max: 10_000_000 }),
  ])('RFC 3339 reset → max(0, instant − now)', (offset, skew) => {
    const at = NOW + offset;
    expect(parseResetTimestamp(new Date(at).toISOString(), at - skew)).toBe(Math.max(0, skew));
  });
});
