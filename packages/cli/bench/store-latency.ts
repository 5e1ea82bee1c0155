// Get/save latency of each token backend (encrypted file with the machine-bound key and with a
// passphrase; the OS keychain under scripts/with-keyring.sh) and the file lock's own overhead.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { OAuthToken, TokenStore } from '@baton/core';
import { CooldownLedger, FileLock } from '../src/auth/storage/index.js';
import { fileBackend, KEYCHAIN_AVAILABLE, KEYCHAIN_SKIPPED, keychainBackend } from './backends.js';
import { ms, percentile, type Row } from './results.js';

const SECTION = '0. token store and lock latency';
const FILE_ROUNDS = 200;
const KEYCHAIN_ROUNDS = 40;
const LOCK_ROUNDS = 200;
const WARMUP_ROUNDS = 3;

const token = (n: number): OAuthToken => ({
  access_token: `bench-access-${n}-${randomBytes(24).toString('hex')}`,
  refresh_token: `bench-refresh-${randomBytes(24).toString('hex')}`,
  token_type: 'Bearer',
  expiry: 1_900_000_000 + n,
  account_id: 'bench',
});

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

function latencyRow(figure: string, samples: number[]): Row {
  const p50 = percentile(samples, 50);
  const p95 = percentile(samples, 95);
  return {
    section: SECTION,
    figure,
    value: `p50 ${ms(p50)} p95 ${ms(p95)} (n=${samples.length})`,
    data: { samples: samples.length, p50Ms: p50, p95Ms: p95 },
  };
}

async function benchStore(label: string, store: TokenStore, rounds: number): Promise<Row[]> {
  for (let i = 0; i < WARMUP_ROUNDS; i++) await store.save('bench', `warm${i}`, token(i));
  const saves: number[] = [];
  const gets: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const bucket = `b${i % 10}`;
    saves.push(await time(() => store.save('bench', bucket, token(i))));
    gets.push(await time(() => store.get('bench', bucket)));
  }
  return [latencyRow(`${label} save`, saves), latencyRow(`${label} get`, gets)];
}

/** The cooldown ledger's record and list: every failover does one of each. */
async function benchLedger(dir: string): Promise<Row[]> {
  const ledger = new CooldownLedger({
    file: path.join(dir, 'cooldowns.json'),
    locksDir: path.join(dir, 'ledger-locks'),
  });
  const records: number[] = [];
  const lists: number[] = [];
  for (let i = 0; i < LOCK_ROUNDS; i++) {
    const until = Date.now() + 60_000;
    records.push(
      await time(() =>
        ledger.record('bench', `b${i % 10}`, {
          reason: 'quota-exhausted',
          until,
          source: 'retry-after',
        }),
      ),
    );
    lists.push(await time(() => ledger.list('bench')));
  }
  return [latencyRow('cooldown ledger record', records), latencyRow('cooldown ledger list', lists)];
}

export async function storeLatency(): Promise<Row[]> {
  const rows: Row[] = [];
  const plain = await fileBackend();
  const withPassphrase = await fileBackend({ passphrase: 'bench-passphrase' });
  const locksDir = await mkdtemp(path.join(tmpdir(), 'baton-bench-locks-'));
  try {
    rows.push(...(await benchStore('file (machine-bound key)', plain.store, FILE_ROUNDS)));
    rows.push(...(await benchStore('file (passphrase)', withPassphrase.store, FILE_ROUNDS)));
    const lock = new FileLock({ dir: locksDir });
    const locks: number[] = [];
    for (let i = 0; i < LOCK_ROUNDS; i++)
      locks.push(await time(() => lock.withLock('bench:b', () => undefined)));
    rows.push(latencyRow('file lock acquire+release', locks));
    rows.push(...(await benchLedger(locksDir)));
    if (KEYCHAIN_AVAILABLE) {
      const keychain = keychainBackend();
      try {
        rows.push(
          ...(await benchStore('keychain (Secret Service)', keychain.store, KEYCHAIN_ROUNDS)),
        );
      } finally {
        await keychain.dispose();
      }
    } else console.log(`  ${KEYCHAIN_SKIPPED}`);
  } finally {
    await plain.dispose();
    await withPassphrase.dispose();
    await rm(locksDir, { recursive: true, force: true });
  }
  return rows;
}
