// `pnpm bench` for @baton/cli: every performance figure of issue 15 measured side by side in one
// run against real parts, printed as a table and written to bench/results.json of this package.
// BATON_BENCH_ONLY=failover,concurrency,... runs a subset (names as in SECTIONS below).
import type { OAuthToken } from '@baton/core';
import { concurrency } from './concurrency.js';
import { crossProcess } from './cross-process.js';
import { failoverOverhead, BUCKET_COUNTS } from './failover-overhead.js';
import { quotaSimulation } from './quota/simulate.js';
import { renewalScale } from './renewal-scale.js';
import { startup } from './startup.js';
import { printTable, RESULTS_FILE, writeResults, type Row } from './results.js';
import { startStack, type Stack } from './stack.js';
import { storeLatency } from './store-latency.js';

const LOGIN_BATCH = 10;

/** Device-flow logins for b0..b(n-1), a few at a time. */
async function loginBuckets(stack: Stack, count: number): Promise<Map<string, OAuthToken>> {
  const tokens = new Map<string, OAuthToken>();
  for (let start = 0; start < count; start += LOGIN_BATCH) {
    const batch = Array.from(
      { length: Math.min(LOGIN_BATCH, count - start) },
      (_, i) => `b${start + i}`,
    );
    const got = await Promise.all(batch.map((bucket) => stack.login(bucket)));
    batch.forEach((bucket, i) => tokens.set(bucket, got[i]!));
  }
  return tokens;
}

interface Context {
  stack: Stack;
  /** Device-flow logins of b0..b49, made once, on first use. */
  tokens: () => Promise<Map<string, OAuthToken>>;
}

type Section = (context: Context) => Promise<Row[]>;

const SECTIONS: Record<string, Section> = {
  stores: () => storeLatency(),
  failover: async ({ stack, tokens }) => failoverOverhead(stack, await tokens()),
  concurrency: async ({ stack, tokens }) => concurrency(stack, await tokens()),
  'cross-process': ({ stack }) => crossProcess(stack),
  startup: () => startup(),
  renewal: () => renewalScale(),
  quota: ({ stack }) => quotaSimulation(stack),
};

async function main(): Promise<void> {
  const startedAt = new Date();
  const only = process.env.BATON_BENCH_ONLY?.split(',').map((s) => s.trim());
  console.log(`baton cli bench (node ${process.version}, ${process.platform})`);
  const stack = await startStack();
  const rows: Row[] = [];
  try {
    let logins: Promise<Map<string, OAuthToken>> | undefined;
    const tokens = (): Promise<Map<string, OAuthToken>> =>
      (logins ??= loginBuckets(stack, Math.max(...BUCKET_COUNTS)));
    for (const [name, section] of Object.entries(SECTIONS)) {
      if (only && !only.includes(name)) continue;
      const started = Date.now();
      console.log(`${name}...`);
      rows.push(...(await section({ stack, tokens })));
      console.log(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await stack.close();
  }
  printTable(rows);
  const cpu = process.cpuUsage();
  const wallSeconds = (Date.now() - startedAt.getTime()) / 1000;
  // CPU time of this process alone (children not included): steadier than wall time on a busy machine.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(`\nwall ${wallSeconds.toFixed(1)} s, this process's CPU ${cpuSeconds.toFixed(1)} s`);
  await writeResults(rows, startedAt, { wallSeconds, cpuSeconds });
  console.log(`results: ${RESULTS_FILE}`);
}

await main();
