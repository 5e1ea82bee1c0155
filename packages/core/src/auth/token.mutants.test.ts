// Pins the token helpers' edges that token.test.ts leaves open (found by mutation testing): exact
// error wording, token_type normalisation, lifetime parsing, sub-second expiry and redaction keys.
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

const clockAtMs = (ms: number): FakeClock => new FakeClock(ms);
const caught = (run: () => unknown): TokenParseError => {
  try {
    run();
  } catch (error) {
    if (error instanceof TokenParseError) return error;
    throw error;
  }
  throw new Error('expected a TokenParseError');
};

describe('token_type normalisation', () => {
  it.each([
    [undefined, 'Bearer'],
    ['', 'Bearer'],
    ['   ', 'Bearer'],
    ['bearer', 'Bearer'],
    [' BEARER ', 'Bearer'],
    [' MAC ', 'MAC'],
    ['DPoP', 'DPoP'],
  ])('%j becomes %j', (given, expected) => {
    const raw =
      given === undefined ? { access_token: 'at' } : { access_token: 'at', token_type: given };
    expect(parseOAuthToken(raw).token_type).toBe(expected);
  });
});

describe('error wording', () => {
  it('a stored token without access_token names the field and the rule, with the name and issues', () => {
    const error = caught(() => parseOAuthToken({ access_token: '' }));
    expect(error.name).toBe('TokenParseError');
    expect(error.issues).toEqual(['access_token: access_token must be a non-empty string']);
    expect(error.message).toBe(
      'invalid token: access_token: access_token must be a non-empty string',
    );
  });

  it('several issues are joined with "; " in the message', () => {
    const error = caught(() => parseOAuthToken({ access_token: '', expiry: 'soon' }));
    expect(error.issues).toHaveLength(2);
    expect(error.message).toBe(`invalid token: ${error.issues.join('; ')}`);
    expect(error.message).toContain('; expiry: ');
  });

  it('a value that is no object at all is reported at "(root)"', () => {
    const error = caught(() => parseOAuthToken(null));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(/^\(root\): /);
  });

  it('a token response without access_token says "invalid token response"', () => {
    const error = caught(() => tokenFromResponse({ access_token: '' }, clockAtMs(0)));
    expect(error.message).toBe(
      'invalid token response: access_token: access_token must be a non-empty string',
    );
    expect(error.issues).toEqual(['access_token: access_token must be a non-empty string']);
  });

  it('a token response that is no object is reported at "(root)"', () => {
    const error = caught(() => tokenFromResponse('nope', clockAtMs(0)));
    expect(error.message).toMatch(/^invalid token response: \(root\): /);
  });
});

describe('lifetime from expires_in', () => {
  const NOW_S = 1_000;
  const expiryFor = (expiresIn: unknown): number | undefined =>
    tokenFromResponse({ access_token: 'at', expires_in: expiresIn }, clockAtMs(NOW_S * 1000))
      .expiry;

  it.each([
    [0, DEFAULT_EXPIRES_IN_SECONDS],
    [-5, DEFAULT_EXPIRES_IN_SECONDS],
    [Number.POSITIVE_INFINITY, DEFAULT_EXPIRES_IN_SECONDS],
    [Number.NaN, DEFAULT_EXPIRES_IN_SECONDS],
    [null, DEFAULT_EXPIRES_IN_SECONDS],
    ['', DEFAULT_EXPIRES_IN_SECONDS],
    ['abc', DEFAULT_EXPIRES_IN_SECONDS],
    ['0', DEFAULT_EXPIRES_IN_SECONDS],
    [1.2, 2],
    [0.1, 1],
    ['59.5', 60],
    [' 90 ', 90],
  ])('expires_in %j lasts %j seconds', (expiresIn, seconds) => {
    expect(expiryFor(expiresIn)).toBe(NOW_S + seconds);
  });

  test.prop([fc.double({ min: 0.001, max: 1e9, noNaN: true })])(
    'a positive lifetime is rounded up to whole seconds',
    (expiresIn) => {
      expect(expiryFor(expiresIn)).toBe(NOW_S + Math.ceil(expiresIn));
    },
  );

  it('the start is the current whole second (the clock is in ms)', () => {
    const token = tokenFromResponse({ access_token: 'at', expires_in: 10 }, clockAtMs(5_999));
    expect(token.expiry).toBe(15);
  });

  it('a refresh token that is present is kept, an empty one is dropped', () => {
    const kept = tokenFromResponse({ access_token: 'at', refresh_token: 'rt' }, clockAtMs(0));
    expect(kept.refresh_token).toBe('rt');
    const dropped = tokenFromResponse({ access_token: 'at', refresh_token: '' }, clockAtMs(0));
    expect(Object.hasOwn(dropped, 'refresh_token')).toBe(false);
  });
});

describe('expiry arithmetic', () => {
  it('seconds left keep their fraction: the clock is in ms, the expiry in seconds', () => {
    expect(secondsUntilExpiry({ expiry: 1_001 }, clockAtMs(1_000_500))).toBe(0.5);
    expect(secondsUntilExpiry({ expiry: 999 }, clockAtMs(1_000_250))).toBe(-1.25);
  });

  it('half a second before expiry is not expired; exactly at expiry it is', () => {
    expect(isExpired({ expiry: 1_001 }, clockAtMs(1_000_500))).toBe(false);
    expect(isExpired({ expiry: 1_001 }, clockAtMs(1_001_000))).toBe(true);
  });

  it('a non-number expiry counts as expired, with no seconds left', () => {
    const odd = { expiry: '2000' } as unknown as { expiry: number };
    expect(secondsUntilExpiry(odd, clockAtMs(0))).toBe(Number.NEGATIVE_INFINITY);
    expect(isExpired(odd, clockAtMs(0))).toBe(true);
    expect(secondsUntilExpiry({ expiry: Number.NaN }, clockAtMs(0))).toBe(Number.NEGATIVE_INFINITY);
    expect(secondsUntilExpiry({ expiry: Number.POSITIVE_INFINITY }, clockAtMs(0))).toBe(
      Number.NEGATIVE_INFINITY,
    );
  });

  it('near expiry is at most NEAR_EXPIRY_SECONDS left, or a given threshold', () => {
    expect(NEAR_EXPIRY_SECONDS).toBe(30);
    const at = (left: number) => ({ expiry: 1_000 + left });
    const clock = clockAtMs(1_000_000);
    expect(isNearExpiry(at(30), clock)).toBe(true);
    expect(isNearExpiry(at(30.5), clock)).toBe(false);
    expect(isNearExpiry(at(60), clock, 60)).toBe(true);
    expect(isNearExpiry(at(61), clock, 60)).toBe(false);
  });
});

describe('redaction', () => {
  it('shorter than 12 characters shows only the length; from 12 on, the first four too', () => {
    expect(redactSecret('a'.repeat(11))).toBe('…(len 11)');
    expect(redactSecret('abcdefghijkl')).toBe('abcd…(len 12)');
    expect(redactSecret('')).toBe('…(len 0)');
    expect(redactSecret(null)).toBe('(none)');
    expect(redactSecret(undefined)).toBe('(none)');
  });

  it.each(['access_token', 'client_secret', 'code', 'Password', 'client_assertion', 'ID_TOKEN'])(
    'a string field named %s is redacted',
    (key) => {
      const secret = 'abcdefghijklmnop';
      const out = redactToken({ access_token: 'at', token_type: 'Bearer', [key]: secret });
      expect(out[key]).toBe('abcd…(len 16)');
    },
  );

  it('other fields, and secret-named fields that are not strings, are kept as they are', () => {
    const out = redactToken({
      access_token: 'abcdefghijklmnop',
      token_type: 'Bearer',
      scope: 'openid profile email',
      expiry: 1_234,
      code_verifier_length: 64,
    });
    // `token_type` matches /token/ and is shortened too: harmless, and it keeps the rule simple.
    expect(out).toEqual({
      access_token: 'abcd…(len 16)',
      token_type: '…(len 6)',
      scope: 'openid profile email',
      expiry: 1_234,
      code_verifier_length: 64,
    });
  });
});

describe('edges of parsing and merging', () => {
  it('a stored token with an empty refresh token has none', () => {
    const token = parseOAuthToken({ access_token: 'at', refresh_token: '' });
    expect(Object.hasOwn(token, 'refresh_token')).toBe(false);
    expect(parseOAuthToken({ access_token: 'at', refresh_token: 'rt' }).refresh_token).toBe('rt');
  });

  it('a lifetime that is not a number or a string falls back to the default', () => {
    for (const odd of [true, [5], { seconds: 5 }]) {
      const token = tokenFromResponse({ access_token: 'at', expires_in: odd }, clockAtMs(0));
      expect(token.expiry).toBe(DEFAULT_EXPIRES_IN_SECONDS);
    }
  });

  it('several issues of a token response are joined with "; "', () => {
    const error = caught(() =>
      tokenFromResponse({ access_token: '', token_type: 5 }, clockAtMs(0)),
    );
    expect(error.issues).toHaveLength(2);
    expect(error.message).toBe(`invalid token response: ${error.issues.join('; ')}`);
  });

  it('a refresh that carries an empty or undefined refresh token keeps the old one', () => {
    const previous = parseOAuthToken({ access_token: 'old', refresh_token: 'rt-old' });
    for (const refreshed of [
      { access_token: 'new', token_type: 'Bearer', refresh_token: '' },
      { access_token: 'new', token_type: 'Bearer', refresh_token: undefined },
    ])
      expect(mergeRefreshedToken(previous, refreshed).refresh_token).toBe('rt-old');
    const without = parseOAuthToken({ access_token: 'old' });
    const merged = mergeRefreshedToken(without, {
      access_token: 'new',
      token_type: 'Bearer',
      refresh_token: '',
    });
    expect(Object.hasOwn(merged, 'refresh_token')).toBe(false);
  });
});
