import { describe, expect, it } from 'vitest';
import {
  TOKEN_STORE_ERROR_CODES,
  TOKEN_STORE_REMEDIATIONS,
  TokenStoreError,
  isTokenStoreError,
} from './token-store.js';

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
