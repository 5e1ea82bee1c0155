// The encrypted-file store across real processes: concurrent savers, a writer killed mid-write
// (old or whole new value, and no temp file after the next write), and a hostname change between
// save and read (a UTS namespace per child, where unshare is available).
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OAuthToken } from '@baton/core';
import { fixtureNodeArgs, lastJson, runFixture, spawnFixture } from '../../../test/keyring-bus.js';
import { EncryptedFileTokenStore, tokenFileName } from './encrypted-file-token-store.js';

let dir: string;
beforeEach(async () => {
  dir = path.join(await mkdtemp(path.join(tmpdir(), 'baton-fileproc-')), 'tokens');
});
afterEach(async () => {
  await rm(path.dirname(dir), { recursive: true, force: true });
});

const token = (n: number): OAuthToken => ({
  access_token: `sk-access-secret-${n}-abcdefgh`,
  refresh_token: `rt-secret-${n}-abcdefgh`,
  token_type: 'Bearer',
  expiry: 1_900_000_000 + n,
});

/** Runs the looping writer child and SIGKILLs it once its output contains `marker`. */
async function killWriterWhen(marker: string): Promise<string> {
  const child = spawnFixture('file-store-writer.ts', [dir, 'kill', 'b'], process.env);
  let out = '';
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes(marker)) resolve();
    });
  });
  child.kill('SIGKILL');
  await once(child, 'exit');
  return out;
}

describe('EncryptedFileTokenStore across processes', { timeout: 180_000 }, () => {
  it('six processes saving different buckets at once into a fresh store (one key file): all six are there', async () => {
    const buckets = Array.from({ length: 6 }, (_, i) => `b${i}`);
    const env = { ...process.env, BATON_DATA_DIR: path.dirname(dir), BATON_STORE: 'file' };
    const results = await Promise.all(
      buckets.map((b, i) =>
        runFixture('store-op.ts', ['save', 'multi', b, JSON.stringify(token(i))], env, 150_000),
      ),
    );
    for (const r of results) expect(lastJson(r)).toMatchObject({ ok: true, backend: 'file' });
    const store = new EncryptedFileTokenStore({ dir });
    expect(await store.listBuckets('multi')).toEqual(buckets);
    for (const [i, b] of buckets.entries()) expect(await store.get('multi', b)).toEqual(token(i));
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P08
   * @requirement REQ-1598-ST11
   */
  it('a writer killed mid-write leaves the old value or a whole new one, and no temp file after the next write', async () => {
    const store = new EncryptedFileTokenStore({ dir });
    await store.save('kill', 'b', token(0));
    // First a writer killed as soon as it starts writing: the old value must still be there whole.
    const early = await killWriterWhen('READY');
    const first = await store.get('kill', 'b');
    expect(early.includes('SAVED') ? ['new-1', 'new-2'] : [token(0).access_token]).toContain(
      first?.access_token,
    );
    // Then one killed in the middle of a stream of large saves.
    const out = await killWriterWhen('SAVED 2');
    const saved = [...out.matchAll(/SAVED (\d+)/g)].map((m) => Number(m[1]));
    const last = Math.max(...saved);
    const value = await store.get('kill', 'b');
    // The kill lands before or after a rename: the last announced save, or the one after it, whole.
    expect([`new-${last}`, `new-${last + 1}`]).toContain(value?.access_token);
    const n = Number(value!.access_token.slice(4));
    expect(value!.padding).toBe(String(n % 10).repeat(4 * 1024 * 1024));
    expect(await store.listBuckets('kill')).toEqual(['b']);
    await store.save('kill', 'b', token(9));
    expect(await readdir(dir)).toEqual([tokenFileName('kill', 'b')]);
  });
});

function canUnshareUts(): boolean {
  if (process.platform !== 'linux') return false;
  const probe = spawnSync('unshare', ['--uts', 'sh', '-c', 'hostname baton-probe && hostname'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return probe.status === 0 && probe.stdout.trim() === 'baton-probe';
}

const UTS = canUnshareUts();
if (!UTS) {
  console.log(
    'hostname-change file-store test skipped: `unshare --uts` is not available here (needs Linux and root or user namespaces)',
  );
}

describe.skipIf(!UTS)('EncryptedFileTokenStore and the hostname', { timeout: 60_000 }, () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P08
   * @requirement REQ-1598-SE03
   */
  it('a token saved under one hostname reads back under another', async () => {
    const env = { ...process.env, BATON_DATA_DIR: path.dirname(dir), BATON_STORE: 'file' };
    const run = (hostname: string, args: string[]): Record<string, unknown> => {
      const child = spawnSync(
        'unshare',
        [
          '--uts',
          'sh',
          '-c',
          `hostname "$0" && exec "$@"`,
          hostname,
          process.execPath,
          ...fixtureNodeArgs('store-op.ts', args),
        ],
        { env, encoding: 'utf8', timeout: 30_000 },
      );
      return JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    };
    expect(
      run('baton-before', ['save', 'anthropic', 'work', JSON.stringify(token(1))]),
    ).toMatchObject({ ok: true });
    expect(run('baton-after', ['get', 'anthropic', 'work'])).toMatchObject({
      ok: true,
      value: token(1),
    });
  });
});
