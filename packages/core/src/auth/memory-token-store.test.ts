import { describe, expect, it } from 'vitest';
import { MemoryTokenStore } from './memory-token-store.js';
import { InvalidNameError } from './names.js';
import { TokenParseError } from './token.js';

describe('MemoryTokenStore', () => {
  it('saves, reads, lists and removes copies of tokens', async () => {
    const store = new MemoryTokenStore();
    const token = { access_token: 'at-1', token_type: 'Bearer', expiry: 100, account_id: 'x' };
    await store.save('anthropic', 'work', token);
    await store.save('anthropic', 'home', { ...token, access_token: 'at-2' });
    await store.save('qwen', 'default', token);
    token.access_token = 'mutated';
    expect(await store.get('anthropic', 'work')).toEqual({
      access_token: 'at-1',
      token_type: 'Bearer',
      expiry: 100,
      account_id: 'x',
    });
    expect(await store.listBuckets('anthropic')).toEqual(['home', 'work']);
    expect(await store.listProviders()).toEqual(['anthropic', 'qwen']);
    expect(await store.remove('qwen', 'default')).toBe(true);
    expect(await store.remove('qwen', 'default')).toBe(false);
    expect(await store.listProviders()).toEqual(['anthropic']);
    expect(await store.get('qwen', 'default')).toBeNull();
    expect(store.describe().backend).toBe('memory');
  });

  it('validates names and tokens like the real stores', async () => {
    const store = new MemoryTokenStore();
    await expect(store.get('bad name', 'x')).rejects.toBeInstanceOf(InvalidNameError);
    await expect(
      store.save('p', 'login', { access_token: 'a', token_type: 'Bearer' }),
    ).rejects.toBeInstanceOf(InvalidNameError);
    await expect(
      store.save('p', 'b', { access_token: '', token_type: 'Bearer' }),
    ).rejects.toBeInstanceOf(TokenParseError);
  });
});
