import { describe, expect, it } from 'vitest';
import {
  FILE_STORE_REMEDIATIONS,
  TOKEN_STORE_ERROR_CODES,
  TOKEN_STORE_REMEDIATIONS,
  TokenStoreError,
  isTokenStoreError,
} from './token-store.js';

/**
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-IC04
 */
describe('TokenStoreError', () => {
  it('carries code, names and a one-line remediation for every code', () => {
    for (const code of TOKEN_STORE_ERROR_CODES) {
      const error = new TokenStoreError(code, `failed for anthropic/work`, {
        provider: 'anthropic',
        bucket: 'work',
        backend: 'keychain',
      });
      expect(error.code).toBe(code);
      expect(error.provider).toBe('anthropic');
      expect(error.bucket).toBe('work');
      expect(error.remediation.length).toBeGreaterThan(10);
      expect(error.remediation).not.toContain('\n');
      expect(isTokenStoreError(error, code)).toBe(true);
      expect(JSON.parse(JSON.stringify(error))).toMatchObject({ code, provider: 'anthropic' });
    }
  });

  it('names the login command for a corrupt entry of a known bucket', () => {
    const error = new TokenStoreError('CORRUPT', 'unreadable', { provider: 'qwen', bucket: 'b1' });
    expect(error.remediation).toContain('baton auth login qwen --bucket b1');
    const bare = new TokenStoreError('CORRUPT', 'unreadable');
    expect(bare.remediation).toBe(TOKEN_STORE_REMEDIATIONS.CORRUPT);
  });

  it('is distinguishable from other errors and other codes', () => {
    const error = new TokenStoreError('LOCKED', 'locked');
    expect(isTokenStoreError(error, 'UNAVAILABLE')).toBe(false);
    expect(isTokenStoreError(new Error('x'))).toBe(false);
    expect(new TokenStoreError('DENIED', 'x', { cause: new Error('root') }).cause).toBeInstanceOf(
      Error,
    );
  });
});

describe('TokenStoreError by backend', () => {
  it('only CORRUPT makes a bucket eligible for a login; KEY_MISMATCH never does', () => {
    const eligible = TOKEN_STORE_ERROR_CODES.filter(
      (code) => new TokenStoreError(code, 'x').reauthEligible,
    );
    expect(eligible).toEqual(['CORRUPT']);
    const mismatch = new TokenStoreError('KEY_MISMATCH', 'x', {
      backend: 'file',
      provider: 'qwen',
      bucket: 'b1',
    });
    expect(mismatch.reauthEligible).toBe(false);
    expect(mismatch.remediation).toContain('BATON_STORE_PASSPHRASE');
    expect(mismatch.remediation).not.toContain('baton auth login');
    expect(JSON.parse(JSON.stringify(mismatch))).toMatchObject({
      code: 'KEY_MISMATCH',
      reauthEligible: false,
    });
  });

  it('a file-store error never gives keychain advice', () => {
    for (const code of TOKEN_STORE_ERROR_CODES) {
      const error = new TokenStoreError(code, 'x', {
        backend: 'file',
        provider: 'qwen',
        bucket: 'b1',
      });
      expect(error.remediation).not.toMatch(/keychain|keyring|Secret Service/i);
      if (code !== 'CORRUPT') expect(error.remediation).toBe(FILE_STORE_REMEDIATIONS[code]);
    }
    expect(new TokenStoreError('DENIED', 'x', { backend: 'keychain' }).remediation).toMatch(
      /keychain/,
    );
  });
});
