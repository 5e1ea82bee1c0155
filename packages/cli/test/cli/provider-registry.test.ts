import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidNameError } from '@baton/core';
import {
  RetiredProviderError,
  UnknownProviderError,
  customProviderFile,
  resolveProviderConfig,
  saveCustomProvider,
} from '../../src/config/provider-registry.js';
import { JsonFileError } from '../../src/util/atomic-write.js';
import { harness, type Captured } from './harness.js';

let h: Captured;
afterEach(async () => h?.cleanup());

const custom = {
  name: 'local',
  endpoints: {
    token: 'http://127.0.0.1:9/token',
    deviceAuthorization: 'http://127.0.0.1:9/device',
  },
  clientId: 'baton-cli',
  flow: 'device',
  api: 'anthropic',
  baseUrl: 'http://127.0.0.1:9',
} as const;

describe('resolveProviderConfig', () => {
  it('returns a preset, with defaults filled in', async () => {
    h = await harness();
    const config = resolveProviderConfig('anthropic', h.factory.paths);
    expect(config.name).toBe('anthropic');
    expect(config.api).toBe('anthropic');
  });

  it('refuses the retired qwen login but allows it for API keys', async () => {
    h = await harness();
    expect(() => resolveProviderConfig('qwen', h.factory.paths)).toThrow(RetiredProviderError);
    expect(() => resolveProviderConfig('qwen', h.factory.paths)).toThrow(/discontinued/);
    expect(resolveProviderConfig('qwen', h.factory.paths, { allowRetired: true }).name).toBe(
      'qwen',
    );
  });

  it('names unknown and invalid provider names', async () => {
    h = await harness();
    expect(() => resolveProviderConfig('nosuch', h.factory.paths)).toThrow(UnknownProviderError);
    expect(() => resolveProviderConfig('../x', h.factory.paths)).toThrow(InvalidNameError);
  });

  it('reads a saved custom provider, and names the field of a broken one', async () => {
    h = await harness();
    await saveCustomProvider(h.factory.paths, custom);
    expect(resolveProviderConfig('local', h.factory.paths)).toMatchObject({
      name: 'local',
      flow: 'device',
      scopes: [],
    });
    const file = customProviderFile(h.factory.paths, 'bad');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify({ ...custom, name: 'bad', flow: 'carrier-pigeon' }));
    const error = (() => {
      try {
        resolveProviderConfig('bad', h.factory.paths);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(JsonFileError);
    expect((error as JsonFileError).field).toBe('flow');
    expect((error as Error).message).toContain(file);
  });
});
