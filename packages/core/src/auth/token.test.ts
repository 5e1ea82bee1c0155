import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../util/fake-clock.js';
import {
  DEFAULT_EXPIRES_IN_SECONDS,
  isExpired,
  isNearExpiry,
  mergeRefreshedToken,
  NEAR_EXPIRY_SECONDS,
  parseOAuthToken,
  redactSecret,
  redactToken,
  secondsUntilExpiry,
  TokenParseError,
  tokenFromResponse,
} from './token.js';

const clockAt = (seconds: number): FakeClock => new FakeClock(seconds * 1000);

/**
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-ST02, REQ-1598-ST03
 */
describe('tokenFromResponse', () => {
  it('computes expiry as now + expires_in and normalises token_type', () => {
    const token = tokenFromResponse(
      { access_token: 'at-1', token_type: 'bearer', expires_in: 120, refresh_token: 'rt-1' },
      clockAt(1_000),
    );
    expect(token).toEqual({
      access_token: 'at-1',
      token_type: 'Bearer',
      expiry: 1_120,
      refresh_token: 'rt-1',
    });
  });

  it('defaults a missing expires_in to 3600 seconds', () => {
    const token = tokenFromResponse({ access_token: 'at' }, clockAt(50));
    expect(token.expiry).toBe(50 + DEFAULT_EXPIRES_IN_SECONDS);
    expect(token.token_type).toBe('Bearer');
  });

  it('accepts expires_in as a numeric string and ignores nonsense values', () => {
    expect(tokenFromResponse({ access_token: 'a', expires_in: '90' }, clockAt(0)).expiry).toBe(90);
    expect(tokenFromResponse({ access_token: 'a', expires_in: 'soon' }, clockAt(0)).expiry).toBe(
      DEFAULT_EXPIRES_IN_SECONDS,
    );
    expect(tokenFromResponse({ access_token: 'a', expires_in: -5 }, clockAt(0)).expiry).toBe(
      DEFAULT_EXPIRES_IN_SECONDS,
    );
  });

  it('keeps unknown provider fields and drops an empty or null refresh token', () => {
    const token = tokenFromResponse(
      {
        access_token: 'a',
        refresh_token: '',
        account_id: 'acct-7',
        resource_url: 'portal.example',
      },
      clockAt(0),
    );
    expect(token).not.toHaveProperty('refresh_token');
    expect(token['account_id']).toBe('acct-7');
    expect(token.resource_url).toBe('portal.example');
    expect(
      tokenFromResponse({ access_token: 'a', refresh_token: null }, clockAt(0)),
    ).not.toHaveProperty('refresh_token');
  });

  it('keeps a non-bearer token type as given', () => {
    expect(
      tokenFromResponse({ access_token: 'a', token_type: 'DPoP' }, clockAt(0)).token_type,
    ).toBe('DPoP');
  });

  it('rejects a response without an access token, naming the field', () => {
    expect(() => tokenFromResponse({ token_type: 'Bearer' }, clockAt(0))).toThrow(TokenParseError);
    expect(() => tokenFromResponse({ access_token: '' }, clockAt(0))).toThrow(/access_token/);
  });

  test.prop([
    fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(undefined), fc.constant(null)),
    fc.integer({ min: 0, max: 4_000_000_000 }),
  ])('never yields a NaN or non-finite expiry', (expiresIn, now) => {
    const token = tokenFromResponse({ access_token: 'x', expires_in: expiresIn }, clockAt(now));
    expect(Number.isFinite(token.expiry)).toBe(true);
    expect(token.expiry!).toBeGreaterThan(now);
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-ST02
 */
describe('parseOAuthToken', () => {
  it('round-trips a stored token with passthrough fields', () => {
    const stored = { access_token: 'a', expiry: 10, token_type: 'Bearer', id_token: 'x.y.z' };
    expect(parseOAuthToken(JSON.parse(JSON.stringify(stored)))).toEqual(stored);
  });

  it('reports every bad field', () => {
    try {
      parseOAuthToken({ access_token: 5, expiry: 'later' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TokenParseError);
      const issues = (error as TokenParseError).issues.join(' ');
      expect(issues).toContain('access_token');
      expect(issues).toContain('expiry');
    }
  });

  test.prop([
    fc.dictionary(
      fc
        .string()
        .filter(
          (k) =>
            !/^(access_token|refresh_token|expiry|token_type|scope|resource_url|__proto__)$/.test(
              k,
            ),
        ),
      fc.jsonValue(),
    ),
  ])('preserves arbitrary extra fields', (extras) => {
    const token = parseOAuthToken({ ...extras, access_token: 'a', expiry: 1 });
    for (const [key, value] of Object.entries(extras)) expect(token[key]).toEqual(value);
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-ST03
 */
describe('expiry checks', () => {
  it('treats a missing or non-finite expiry as expired and near expiry', () => {
    const clock = clockAt(100);
    for (const expiry of [
      undefined,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]) {
      expect(isExpired({ expiry }, clock)).toBe(true);
      expect(isNearExpiry({ expiry }, clock)).toBe(true);
    }
    expect(secondsUntilExpiry({}, clock)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('is expired exactly at expiry and near expiry within 30 seconds', () => {
    expect(isExpired({ expiry: 100 }, clockAt(100))).toBe(true);
    expect(isExpired({ expiry: 101 }, clockAt(100))).toBe(false);
    expect(isNearExpiry({ expiry: 100 + NEAR_EXPIRY_SECONDS }, clockAt(100))).toBe(true);
    expect(isNearExpiry({ expiry: 101 + NEAR_EXPIRY_SECONDS }, clockAt(100))).toBe(false);
  });

  test.prop([
    fc.integer({ min: 0, max: 2_000_000_000 }),
    fc.integer({ min: -10_000, max: 10_000 }),
  ])('near expiry always includes expired, and both agree with the seconds left', (now, delta) => {
    const clock = clockAt(now);
    const token = { expiry: now + delta };
    expect(isExpired(token, clock)).toBe(delta <= 0);
    expect(isNearExpiry(token, clock)).toBe(delta <= NEAR_EXPIRY_SECONDS);
    if (isExpired(token, clock)) expect(isNearExpiry(token, clock)).toBe(true);
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-ST05
 */
describe('mergeRefreshedToken', () => {
  const previous = parseOAuthToken({
    access_token: 'old-at',
    refresh_token: 'old-rt',
    expiry: 10,
    account_id: 'acct',
  });

  it('keeps the old refresh token when the response has none', () => {
    const merged = mergeRefreshedToken(
      previous,
      parseOAuthToken({ access_token: 'new-at', expiry: 99 }),
    );
    expect(merged).toMatchObject({ access_token: 'new-at', refresh_token: 'old-rt', expiry: 99 });
    expect(merged['account_id']).toBe('acct');
  });

  it('takes a rotated refresh token', () => {
    const merged = mergeRefreshedToken(
      previous,
      parseOAuthToken({ access_token: 'new-at', refresh_token: 'new-rt', expiry: 99 }),
    );
    expect(merged.refresh_token).toBe('new-rt');
  });

  it('has no refresh token when neither side has one', () => {
    const merged = mergeRefreshedToken(
      parseOAuthToken({ access_token: 'a', expiry: 1 }),
      parseOAuthToken({ access_token: 'b', expiry: 2, refresh_token: '' }),
    );
    expect(merged).not.toHaveProperty('refresh_token');
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-SE01
 */
describe('redaction', () => {
  it('shows at most four characters and the length', () => {
    expect(redactSecret('abcdefghijklmnopqrstuvwxyz')).toBe('abcd…(len 26)');
    expect(redactSecret('short')).toBe('…(len 5)');
    expect(redactSecret(undefined)).toBe('(none)');
  });

  test.prop([fc.string({ minLength: 1, maxLength: 400 })])(
    'never contains the secret',
    (secret) => {
      const shown = redactSecret(secret);
      if (secret.length >= 6) expect(shown).not.toContain(secret);
      expect(shown).toContain(`len ${secret.length}`);
    },
  );

  it('redacts every secret-bearing field of a token', () => {
    const token = parseOAuthToken({
      access_token: 'access-secret-value-123',
      refresh_token: 'refresh-secret-value-456',
      id_token: 'id-secret-value-789',
      expiry: 5,
      scope: 'openid',
    });
    const text = JSON.stringify(redactToken(token));
    expect(text).not.toContain('access-secret-value-123');
    expect(text).not.toContain('refresh-secret-value-456');
    expect(text).not.toContain('id-secret-value-789');
    expect(text).toContain('openid');
  });
});
