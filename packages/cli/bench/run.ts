// `pnpm bench` for @baton/cli: get/save latency of each token backend (encrypted file always; the
// OS keychain when BATON_KEYCHAIN_TESTS=1, i.e. under scripts/with-keyring.sh) and lock overhead.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { OAuthToken, TokenStore } from '@baton/core';
import {
  EncryptedFileTokenStore,
  FileLock,
  KeychainTokenStore,
  createKeychain,
} from '../src/auth/storage/index.js';

const FILE_ROUNDS = 200;
const KEYCHAIN_ROUNDS = 40;
const LOCK_ROUNDS = 200;
const WARMUP_ROUNDS = 3;
const PERCENTILES = [50, 95] as const;

const token = (n: number): OAuthToken => ({
  access_token: `bench-access-${n}-${randomBytes(24).toString('hex')}`,
  refresh_token: `bench-refresh-${randomBytes(24).toString('hex')}`,
  token_type: 'Bearer',
  expiry: 1_900_000_000 + n,
  account_id: 'bench',
});

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

function report(label: string, samples: number[]): void {
  const sorted = [...samples].sort((a, b) => a - b);
  const parts = PERCENTILES.map((p) => `p${p} ${percentile(sorted, p).toFixed(2)} ms`);
  console.log(`${label.padEnd(34)} n=${String(samples.length).padEnd(4)} ${parts.join('  ')}`);
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function benchStore(label: string, store: TokenStore, rounds: number): Promise<void> {
  for (let i = 0; i < WARMUP_ROUNDS; i++) await store.save('bench', `warm${i}`, token(i));
  const saves: number[] = [];
  const gets: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const bucket = `b${i % 10}`;
    saves.push(await time(() => store.save('bench', bucket, token(i))));
    gets.push(await time(() => store.get('bench', bucket)));
  }
  report(`${label} save`, saves);
  report(`${label} get`, gets);
}

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(tmpdir(), 'baton-bench-'));
  try {
    console.log(`baton cli bench (node ${process.version}, ${process.platform})`);
    await benchStore(
      'file (machine-bound key)',
      new EncryptedFileTokenStore({ dir: path.join(root, 'tokens') }),
      FILE_ROUNDS,
    );
    await benchStore(
      'file (passphrase)',
      new EncryptedFileTokenStore({
        dir: path.join(root, 'tokens-pw'),
        passphrase: 'bench-passphrase',
      }),
      FILE_ROUNDS,
    );

    const lock = new FileLock({ dir: path.join(root, 'locks') });
    const locks: number[] = [];
    for (let i = 0; i < LOCK_ROUNDS; i++)
      locks.push(await time(() => lock.withLock('bench:b', () => undefined)));
    report('file lock acquire+release', locks);

    if (process.env.BATON_KEYCHAIN_TESTS === '1') {
      const service = `baton-bench-${randomBytes(4).toString('hex')}`;
      const keychain = createKeychain();
      try {
        await benchStore(
          'keychain (Secret Service)',
          new KeychainTokenStore({ keychain, service }),
          KEYCHAIN_ROUNDS,
        );
      } finally {
        for (const c of await keychain.findCredentials(service))
          await keychain.deletePassword(service, c.account);
      }
    } else {
      console.log(
        'keychain: skipped (run `bash scripts/with-keyring.sh pnpm bench` for keychain figures)',
      );
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
