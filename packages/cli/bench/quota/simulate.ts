// Issue 15 item 6: a few simulated hours of one person's request stream over three buckets whose
// quota windows run out, against the emulator answering in the real shapes of the fixture corpus
// (Anthropic subscription, ChatGPT plan, OpenAI API key). baton is compared with three baseline
// strategies and with itself behind a proxy that removes every reset statement.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  startProviderEmulator,
  type EmulatorRoute,
  type ProviderEmulatorHandle,
  type QuotaMode,
} from '@baton/testkit';
import { parseProviderConfig, type ProviderConfig } from '../../src/auth/flows/index.js';
import { OAuthManager } from '../../src/auth/oauth-manager.js';
import { CooldownLedger } from '../../src/auth/storage/cooldown-ledger.js';
import { EncryptedFileTokenStore } from '../../src/auth/storage/encrypted-file-token-store.js';
import {
  createResilientClient,
  providerClientFor,
} from '../../src/auth/create-resilient-client.js';
import { verdict, type Row } from '../results.js';
import type { Stack } from '../stack.js';
import { RecordingClient, type Attempt } from './recording-client.js';
import { GUARD_MS, seededRandom, SimClock } from './sim-clock.js';
import {
  batonStrategy,
  litellmRouter,
  retrySameKey,
  rotateOnError,
  type Strategy,
  type StrategyParts,
} from './strategies.js';
import { startStripResetsProxy } from './strip-resets-proxy.js';

const SECTION = '6. quota simulation (3 buckets, 3 simulated hours, one person asking)';
const PROVIDER = 'sim';
const BUCKETS = ['k0', 'k1', 'k2'] as const;
const keyOf = (bucket: string): string => `sim-key-${bucket}`;
const accountOfBucket = (bucket: string): string => `sim-account-${bucket}`;
/** Monday 09:00 UTC: any fixed start works; a fixed one makes runs comparable. */
const START = Date.UTC(2026, 0, 5, 9);
const DURATION_MS = 3 * 60 * 60_000;
const WINDOW_MS = 60 * 60_000;
const REQUESTS_PER_WINDOW = 10;
/** Think time between an answer and the next question: demand is about twice the capacity. */
const THINK_MIN_MS = 30_000;
const THINK_MAX_MS = 90_000;
const STREAM_SEED = 1598;
const SHUFFLE_SEED = 15;
const MINUTE_MS = 60_000;

interface Shape {
  name: string;
  route: EmulatorRoute;
  mode: QuotaMode;
  /** Whether the answer states when the window resets (then baton should waste no 429). */
  statesReset: boolean;
}

const ANTHROPIC_SUBSCRIPTION: Shape = {
  name: 'Anthropic subscription (unified headers)',
  route: 'anthropic',
  mode: 'usage-limit-body',
  statesReset: true,
};
const OPENAI_API_KEY: Shape = {
  name: 'OpenAI API key (429, Retry-After)',
  route: 'openai',
  mode: '429',
  statesReset: true,
};
/** Answers like the Anthropic subscription for every strategy here; only with BATON_BENCH_FULL=1. */
const CHATGPT_PLAN: Shape = {
  name: 'ChatGPT plan (usage_limit_reached)',
  route: 'openai',
  mode: 'usage-limit-body',
  statesReset: true,
};
const SHAPES: Shape[] =
  process.env.BATON_BENCH_FULL === '1'
    ? [ANTHROPIC_SUBSCRIPTION, OPENAI_API_KEY, CHATGPT_PLAN]
    : [ANTHROPIC_SUBSCRIPTION, OPENAI_API_KEY];

interface Outcome {
  served: number;
  tooMany: number;
  wastedMax: number;
  wastedTotal: number;
  waitedMs: number;
}

/** 429s per account and quota window (windows open at an account's first request, as the emulator's do). */
function wasted(attempts: readonly Attempt[]): { max: number; total: number } {
  let max = 0;
  let total = 0;
  const byAccount = new Map<string, Attempt[]>();
  for (const a of attempts) byAccount.set(a.account, [...(byAccount.get(a.account) ?? []), a]);
  for (const list of byAccount.values()) {
    let start: number | undefined;
    let limited = 0;
    const close = (): void => {
      // The first 429 of a window is how anyone learns it is spent; every further one is wasted.
      const extra = Math.max(0, limited - 1);
      max = Math.max(max, extra);
      total += extra;
      limited = 0;
    };
    for (const a of list) {
      if (start === undefined || a.at >= start + WINDOW_MS) {
        if (start !== undefined) close();
        start = a.at;
      }
      if (a.status === 429) limited++;
    }
    close();
  }
  return { max, total };
}

async function run(
  strategy: Strategy,
  clock: SimClock,
  recorder: RecordingClient,
): Promise<Outcome> {
  const think = seededRandom(STREAM_SEED);
  let served = 0;
  let waitedMs = 0;
  while (clock.now() < START + DURATION_MS) {
    const asked = clock.now();
    await strategy.serve(`request ${served}`);
    waitedMs += clock.now() - asked;
    served++;
    clock.advance(THINK_MIN_MS + think() * (THINK_MAX_MS - THINK_MIN_MS));
  }
  const { max, total } = wasted(recorder.attempts);
  const tooMany = recorder.attempts.filter((a) => a.status === 429).length;
  return { served, tooMany, wastedMax: max, wastedTotal: total, waitedMs };
}

function simConfig(stack: Stack, shape: Shape, baseUrl: string): ProviderConfig {
  return parseProviderConfig({
    name: PROVIDER,
    issuer: stack.server.issuer,
    clientId: stack.server.clientId,
    scopes: ['openid', 'offline_access'],
    flow: 'device',
    api: shape.route,
    baseUrl,
  });
}

/** baton over API keys in a fresh data dir, every part on the simulated clock. */
async function withBaton<T>(
  name: string,
  config: ProviderConfig,
  recorder: RecordingClient,
  clock: SimClock,
  body: (strategy: Strategy) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'baton-bench-sim-'));
  const locksDir = path.join(dir, 'locks');
  const store = new EncryptedFileTokenStore({ dir: path.join(dir, 'tokens') });
  const ledger = new CooldownLedger({ file: path.join(dir, 'cooldowns.json'), locksDir, clock });
  const manager = new OAuthManager({
    store,
    locksDir,
    ledger,
    providers: () => config,
    clock,
    random: seededRandom(SHUFFLE_SEED),
    renewal: false,
  });
  try {
    for (const bucket of BUCKETS) await manager.saveApiKey(PROVIDER, bucket, keyOf(bucket));
    const client = createResilientClient(
      { name: 'sim', provider: PROVIDER, model: 'sim-model', buckets: BUCKETS },
      {
        manager,
        ledger,
        providerConfig: config,
        interactive: false,
        clock,
        random: seededRandom(SHUFFLE_SEED),
        // Past the guard: they must not fire in a clock that jumps (see GUARD_MS).
        retry: { deadlineMs: 30 * GUARD_MS, streamIdleMs: 30 * GUARD_MS },
        client: recorder,
      },
    );
    return await body(batonStrategy(name, client, clock));
  } finally {
    manager.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

function resetQuotas(emulator: ProviderEmulatorHandle, mode: QuotaMode): void {
  for (const bucket of BUCKETS) {
    emulator.setQuota(accountOfBucket(bucket), {
      requestsPerWindow: REQUESTS_PER_WINDOW,
      windowMs: WINDOW_MS,
      mode,
    });
  }
}

async function simulateShape(stack: Stack, shape: Shape): Promise<Row[]> {
  const clock = new SimClock(START);
  const accountOfKey = new Map(BUCKETS.map((b) => [keyOf(b), accountOfBucket(b)]));
  const emulator = await startProviderEmulator({
    staticKeys: Object.fromEntries(accountOfKey),
    clock,
  });
  const proxy = await startStripResetsProxy(emulator.url);
  const base = (url: string): string => (shape.route === 'anthropic' ? url : `${url}/v1`);
  const direct = simConfig(stack, shape, base(emulator.url));
  const stripped = simConfig(stack, shape, base(proxy.url));
  const rows: Row[] = [];
  const record = (name: string, outcome: Outcome, target?: { max: number }): void => {
    rows.push({
      section: SECTION,
      figure: `${shape.name}: ${name}`,
      value:
        `${outcome.served} served, ${outcome.tooMany} × 429, wasted ${outcome.wastedMax} max/bucket/window ` +
        `(${outcome.wastedTotal} in all), waited ${Math.round(outcome.waitedMs / MINUTE_MS)} min`,
      ...(target
        ? {
            target: `≤ ${target.max} wasted 429/bucket/window`,
            verdict: verdict(outcome.wastedMax <= target.max),
          }
        : {}),
      data: { shape: shape.name, strategy: name, ...outcome },
    });
  };
  try {
    const fresh = (config: ProviderConfig): RecordingClient => {
      clock.set(START);
      resetQuotas(emulator, shape.mode);
      return new RecordingClient(providerClientFor(config, undefined, clock), clock, accountOfKey);
    };
    const baselines: Array<(parts: StrategyParts) => Strategy> = [
      retrySameKey,
      rotateOnError,
      litellmRouter,
    ];
    for (const make of baselines) {
      const recorder = fresh(direct);
      const strategy = make({
        wire: recorder,
        keys: BUCKETS.map(keyOf),
        clock,
        random: seededRandom(SHUFFLE_SEED),
      });
      record(strategy.name, await run(strategy, clock, recorder));
    }
    const recorder = fresh(direct);
    record(
      'baton',
      await withBaton('baton', direct, recorder, clock, (s) => run(s, clock, recorder)),
      { max: shape.statesReset ? 0 : 1 },
    );
    const blind = fresh(stripped);
    record(
      'baton, reset statements removed',
      await withBaton('baton', stripped, blind, clock, (s) => run(s, clock, blind)),
      { max: 1 },
    );
  } finally {
    await proxy.close();
    await emulator.close();
  }
  return rows;
}

export async function quotaSimulation(stack: Stack): Promise<Row[]> {
  const rows: Row[] = [];
  for (const shape of SHAPES) rows.push(...(await simulateShape(stack, shape)));
  return rows;
}
