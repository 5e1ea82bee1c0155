// A TokenStore decorator that counts reads and writes of the real store underneath: how the
// benchmarks observe store traffic per failover without replacing the store.
import type { OAuthToken, StoreDescription, TokenStore } from '@baton/core';

export class CountingTokenStore implements TokenStore {
  reads = 0;
  writes = 0;
  /** The bucket of every read, in order (bucket names only, never tokens). */
  readonly readBuckets: string[] = [];

  constructor(private readonly inner: TokenStore) {}

  get(provider: string, bucket: string): Promise<OAuthToken | null> {
    this.reads++;
    this.readBuckets.push(bucket);
    return this.inner.get(provider, bucket);
  }

  save(provider: string, bucket: string, token: OAuthToken): Promise<void> {
    this.writes++;
    return this.inner.save(provider, bucket, token);
  }

  remove(provider: string, bucket: string): Promise<boolean> {
    return this.inner.remove(provider, bucket);
  }

  listBuckets(provider: string): Promise<string[]> {
    return this.inner.listBuckets(provider);
  }

  listProviders(): Promise<string[]> {
    return this.inner.listProviders();
  }

  describe(): StoreDescription {
    return this.inner.describe();
  }
}
