// Issue 15 item 2: 100 concurrent requests get 429 on one bucket → how many classifications,
// switches and token-endpoint calls that costs, and how long until all 100 are served by the next.
import { performance } from 'node:perf_hooks';
import type { OAuthToken } from '@baton/core';
import type { FailoverSwitchEvent } from '../src/auth/BucketFailoverHandlerImpl.js';
import type { ResilientClient } from '../src/auth/create-resilient-client.js';
import { fileBackend } from './backends.js';
import { CountingTokenStore } from './counting-store.js';
import { ms, verdict, type Row } from './results.js';
import { accountOf, ask, OUT_OF_QUOTA, PROVIDER, startHarness, type Stack } from './stack.js';

const SECTION = '2. concurrency (100 requests, 429 on the first bucket)';
const REQUESTS = 100;

export async function concurrency(
  stack: Stack,
  tokens: ReadonlyMap<string, OAuthToken>,
): Promise<Row[]> {
  const backend = await fileBackend();
  const store = new CountingTokenStore(backend.store);
  for (const bucket of ['b0', 'b1'])
    await backend.store.save(PROVIDER, bucket, tokens.get(bucket)!);
  const harness = await startHarness(stack, store);
  const switches: FailoverSwitchEvent[] = [];
  stack.emulator.setQuota(accountOf('b0'), OUT_OF_QUOTA);
  try {
    // The same burst served by b1 with no 429 first: the ratio below is what the failover adds.
    const baseline = await burst(harness.client(['b1']));
    const client = harness.client(['b0', 'b1'], { onSwitch: (event) => switches.push(event) });
    stack.server.resetCounters();
    stack.emulator.resetCounters();
    const { elapsed, wrong } = await burst(client);
    const byAccount = stack.emulator.counters.byAccount;
    const tooMany = byAccount[accountOf('b0')]?.byStatus[429] ?? 0;
    const servedByNext = byAccount[accountOf('b1')]?.byStatus[200] ?? 0;
    // A classification is one run of the handler's three passes; each run here ends in a switch.
    const classifications = switches.length;
    const overtaken = harness.log.filter((line) => line.includes('already left for')).length;
    const tokenCalls = stack.server.counters.total;
    const cooling = await harness.ledger.list(PROVIDER);
    return [
      {
        section: SECTION,
        figure: 'classifications / switches',
        value: `${classifications} / ${switches.length} (${overtaken} late requests retried on the new bucket at once)`,
        target: '1 classification',
        verdict: verdict(classifications === 1),
        data: { classifications, switches: switches.length, overtaken },
      },
      {
        section: SECTION,
        figure: 'token-endpoint calls',
        value: String(tokenCalls),
        target: '0 refreshes',
        verdict: verdict(tokenCalls === 0),
        data: { tokenEndpointCalls: tokenCalls },
      },
      {
        section: SECTION,
        figure: `429s spent on b0 / served by b1`,
        value: `${tooMany} / ${servedByNext} (${wrong} wrong answers, ledger: ${cooling.map((c) => `${c.bucket} ${c.reason}`).join(', ')})`,
        data: { tooMany, servedByNext, wrong, storeReads: store.reads },
      },
      {
        section: SECTION,
        figure: `time until all ${REQUESTS} served`,
        value: `${ms(elapsed)}, ${(elapsed / baseline.elapsed).toFixed(2)}× the same burst with no 429 (${ms(baseline.elapsed)})`,
        data: {
          elapsedMs: elapsed,
          baselineMs: baseline.elapsed,
          ratio: elapsed / baseline.elapsed,
        },
      },
    ];
  } finally {
    stack.emulator.setQuota(accountOf('b0'), undefined);
    await harness.close();
    await backend.dispose();
  }
}

/** REQUESTS requests at once through `client`; how long until all were answered, and how many wrong. */
async function burst(client: ResilientClient): Promise<{ elapsed: number; wrong: number }> {
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: REQUESTS }, (_, i) => ask(client, `request ${i}`)),
  );
  const elapsed = performance.now() - started;
  return { elapsed, wrong: answers.filter((answer, i) => answer !== `request ${i}`).length };
}
