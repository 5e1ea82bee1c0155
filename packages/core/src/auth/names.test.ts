import { describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import {
  InvalidNameError,
  NAME_PATTERN,
  RESERVED_BUCKET_NAMES,
  isValidBucketName,
  parseTokenKey,
  tokenKey,
  validateBucketName,
  validateProviderName,
} from './names.js';

const nameChar = fc.constantFrom(
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-'.split(''),
);
const validName = fc.string({ unit: nameChar, minLength: 1, maxLength: 64 });
const validBucket = validName.filter((n) => !RESERVED_BUCKET_NAMES.includes(n.toLowerCase()));

/**
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-ST01
 */
describe('names', () => {
  test.prop([validName, validBucket])('tokenKey and parseTokenKey round-trip', (p, b) => {
    expect(tokenKey(p, b)).toBe(`${p}:${b}`);
    expect(parseTokenKey(tokenKey(p, b))).toEqual({ provider: p, bucket: b });
  });

  test.prop([fc.string({ maxLength: 80 })])('validation agrees with the pattern', (s) => {
    const matches = NAME_PATTERN.test(s);
    if (matches) expect(validateProviderName(s)).toBe(s);
    else expect(() => validateProviderName(s)).toThrow(InvalidNameError);
  });

  it('rejects names that break the rule, showing the rule', () => {
    for (const bad of ['', 'a b', 'a:b', 'x'.repeat(65), 'ü', 'a/b']) {
      const error = (() => {
        try {
          validateProviderName(bad);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(InvalidNameError);
      expect((error as Error).message).toContain('1 to 64 characters');
      expect((error as InvalidNameError).kind).toBe('provider');
    }
    expect(validateProviderName('x'.repeat(64))).toHaveLength(64);
  });

  it('rejects reserved bucket names in any case, but allows them as providers', () => {
    for (const reserved of ['login', 'LOGOUT', 'Status', 'switch', 'ALL']) {
      expect(() => validateBucketName(reserved)).toThrow(/reserved/);
      expect(isValidBucketName(reserved)).toBe(false);
    }
    expect(validateProviderName('status')).toBe('status');
    expect(validateBucketName('logins')).toBe('logins');
  });

  it('parseTokenKey returns undefined for keys that are not provider:bucket', () => {
    expect(parseTokenKey('nocolon')).toBeUndefined();
    expect(parseTokenKey('a:b:c')).toBeUndefined();
    expect(parseTokenKey('a:login')).toBeUndefined();
    expect(parseTokenKey(':b')).toBeUndefined();
  });
});
