// Issue 15 item 1: from a 429 arriving to the next request leaving on another bucket, with 2, 10
// and 50 buckets in the profile, on the file store and the keychain; store reads per failover.
import type { OAuthToken } from '@baton/core';
import { allBackends, KEYCHAIN_AVAILABLE, KEYCHAIN_SKIPPED } from './backends.js';
import { CountingTokenStore } from './counting-store.js';
import { median, ms, percentile, verdict, type Row } from './results.js';
import { accountOf, ask, OUT_OF_QUOTA, PROVIDER, startHarness, type Stack } from './stack.js';
import { TimingClient, type FailoverGap } from './timing-client.js';

const SECTION = '1. failover overhead (429 → next request on another bucket)';
export const BUCKET_COUNTS = [2, 10, 50] as const;
/** Requests measured per (store, bucket count) for a 429 on the first bucket. */
const SINGLE_ROUNDS = 15;
/** Requests per (store, bucket count) where every bucket but the last is spent: N−1 hops each. */
const CASCADE_ROUNDS: Record<number, number> = { 2: 5, 10: 2, 50: 1 };
const WARMUP_ROUNDS = 3;
const TARGET_MS = 5;

const bucketName = (i: number): string => `b${i}`;

export async function failoverOverhead(
  stack: Stack,
  tokens: ReadonlyMap<string, OAuthToken>,
): Promise<Row[]> {
  const rows: Row[] = [];
  if (!KEYCHAIN_AVAILABLE) console.log(`  ${KEYCHAIN_SKIPPED}`);
  for (const backend of await allBackends()) {
    const store = new CountingTokenStore(backend.store);
    for (const [bucket, token] of tokens) await backend.store.save(PROVIDER, bucket, token);
    const harness = await startHarness(stack, store);
    try {
      for (const count of BUCKET_COUNTS) {
        const buckets = Array.from({ length: count }, (_, i) => bucketName(i));
        for (const mode of ['single', 'cascade'] as const) {
          const spent = mode === 'single' ? buckets.slice(0, 1) : buckets.slice(0, -1);
          for (const b of spent) stack.emulator.setQuota(accountOf(b), OUT_OF_QUOTA);
          const timing = new TimingClient(harness.wireClient(), store.readBuckets);
          const client = harness.client(buckets, { client: timing });
          const rounds = mode === 'single' ? SINGLE_ROUNDS : (CASCADE_ROUNDS[count] ?? 1);
          for (let round = 0; round < WARMUP_ROUNDS + rounds; round++) {
            if (round === WARMUP_ROUNDS) timing.gaps.length = 0;
            for (const b of spent) await harness.ledger.clear(PROVIDER, b);
            await client.newTurn();
            timing.reset();
            const answer = await ask(client, `round ${round}`);
            if (answer !== `round ${round}`) throw new Error(`unexpected answer ${answer}`);
          }
          for (const b of spent) stack.emulator.setQuota(accountOf(b), undefined);
          for (const b of spent) await harness.ledger.clear(PROVIDER, b);
          rows.push(row(backend.name, count, mode, timing.gaps));
        }
      }
    } finally {
      await harness.close();
      await backend.dispose();
    }
  }
  return rows;
}

function row(store: string, count: number, mode: 'single' | 'cascade', gaps: FailoverGap[]): Row {
  const times = gaps.map((g) => g.ms);
  const reads = gaps.map((g) => g.reads);
  const perBucket = gaps.map((g) => g.reads / Math.max(1, g.bucketsRead));
  const maxPerBucket = Math.max(...perBucket);
  const p50 = median(times);
  const statuses = new Set(gaps.map((g) => g.status));
  const checked = store === 'file' && count === 10 && mode === 'single';
  return {
    section: SECTION,
    figure: `${store}, ${count} buckets, ${mode === 'single' ? 'first bucket 429' : `${count - 1} hops`}`,
    value: `p50 ${ms(p50)} p95 ${ms(percentile(times, 95))}, ${median(reads)} reads/failover, ${maxPerBucket} per bucket read`,
    ...(checked
      ? {
          target: `≤ ${TARGET_MS} ms, ≤ 1 read per bucket`,
          verdict: verdict(p50 <= TARGET_MS && maxPerBucket <= 1),
        }
      : {}),
    data: {
      store,
      buckets: count,
      mode,
      samples: gaps.length,
      statuses: [...statuses],
      p50Ms: p50,
      p95Ms: percentile(times, 95),
      maxMs: Math.max(...times),
      readsPerFailoverMedian: median(reads),
      readsPerFailoverMax: Math.max(...reads),
      maxReadsPerBucketRead: maxPerBucket,
    },
  };
}
