import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configDir, dataDir, resolvePaths } from './paths.js';

describe('paths', () => {
  it('uses BATON_CONFIG_DIR and BATON_DATA_DIR when set', () => {
    const paths = resolvePaths({ BATON_CONFIG_DIR: '/tmp/c', BATON_DATA_DIR: '/tmp/d' });
    expect(paths).toEqual({
      configDir: path.resolve('/tmp/c'),
      dataDir: path.resolve('/tmp/d'),
      tokensDir: path.resolve('/tmp/d/tokens'),
      locksDir: path.resolve('/tmp/d/locks'),
      cooldownsFile: path.resolve('/tmp/d/cooldowns.json'),
    });
  });

  it('falls back to per-user dirs named baton (no suffix) when unset or empty', () => {
    expect(path.basename(configDir({ BATON_CONFIG_DIR: '' }))).toBe('baton');
    expect(path.basename(dataDir({}))).toBe('baton');
    expect(configDir({})).not.toBe(dataDir({}));
  });
});
