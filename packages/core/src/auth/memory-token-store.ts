// An in-memory TokenStore for pure unit tests of code that only needs the TokenStore contract.
// It validates names and tokens exactly as the real stores do, and copies values in and out.
/* eslint-disable @typescript-eslint/require-await -- synchronous store behind the async contract */
import { validateBucketName, validateProviderName } from './names.js';
import { parseOAuthToken, type OAuthToken } from './token.js';
import type { StoreDescription, TokenStore } from './token-store.js';

export class MemoryTokenStore implements TokenStore {
  private readonly entries = new Map<string, Map<string, OAuthToken>>();

  async get(provider: string, bucket: string): Promise<OAuthToken | null> {
    validateProviderName(provider);
    validateBucketName(bucket);
    const token = this.entries.get(provider)?.get(bucket);
    return token === undefined ? null : structuredClone(token);
  }

  async save(provider: string, bucket: string, token: OAuthToken): Promise<void> {
    validateProviderName(provider);
    validateBucketName(bucket);
    const valid = parseOAuthToken(structuredClone(token));
    let buckets = this.entries.get(provider);
    if (!buckets) {
      buckets = new Map();
      this.entries.set(provider, buckets);
    }
    buckets.set(bucket, valid);
  }

  async remove(provider: string, bucket: string): Promise<boolean> {
    validateProviderName(provider);
    validateBucketName(bucket);
    const buckets = this.entries.get(provider);
    const removed = buckets?.delete(bucket) ?? false;
    if (buckets && buckets.size === 0) this.entries.delete(provider);
    return removed;
  }

  async listBuckets(provider: string): Promise<string[]> {
    validateProviderName(provider);
    return [...(this.entries.get(provider)?.keys() ?? [])].sort();
  }

  async listProviders(): Promise<string[]> {
    return [...this.entries.keys()].sort();
  }

  describe(): StoreDescription {
    return { backend: 'memory', durability: 'process memory only', protection: 'none' };
  }
}
