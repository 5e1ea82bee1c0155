// `pnpm bench` for @baton/core: the RetryOrchestrator's own overhead per request, with no network
// and a clock whose sleep returns at once. Prints plain lines (ops/s, µs per request, heap delta).
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  QuotaError,
  RetryOrchestrator,
  ServerError,
  throwIfAborted,
  abortReason,
  type AttemptContext,
  type Clock,
} from '../src/index.js';
import { RoundRobinHandler } from '../test/scripted-failover-handler.js';

const WARMUP_REQUESTS = 2_000;
const MEASURED_REQUESTS = 20_000;
const MICROS_PER_MS = 1_000;
const MS_PER_SECOND = 1_000;
const BYTES_PER_MB = 1024 * 1024;
const NO_JITTER = (): number => 0.5;

/** The engine's deadline and stream-idle timers are this long or longer; its waits are shorter. */
const TIMER_FLOOR_MS = 60_000;

/**
 * Waits are measured work we do not want here: a backoff or Retry-After sleep resolves at once
 * (still honouring abort), while the deadline and idle timers never fire (they only end by abort).
 */
const instantClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    ms < TIMER_FLOOR_MS
      ? Promise.resolve().then(() => throwIfAborted(signal))
      : new Promise<void>((_resolve, reject) => {
          const stop = (): void => reject(abortReason(signal!));
          if (signal?.aborted) stop();
          else signal?.addEventListener('abort', stop, { once: true });
        }),
};

interface Scenario {
  name: string;
  /** Builds the orchestrator and the request for one measured run. */
  setup(): { orchestrator: RetryOrchestrator; request: (a: AttemptContext) => Promise<string> };
}

const scenarios: Scenario[] = [
  {
    name: 'success on the first attempt',
    setup: () => ({
      orchestrator: new RetryOrchestrator({
        provider: 'bench',
        clock: instantClock,
        random: NO_JITTER,
      }),
      request: async () => 'ok',
    }),
  },
  {
    name: 'one 5xx, backoff, then success',
    setup: () => {
      // Each attempt has its own signal, so "failed once" is kept per measured run.
      let failedOnce = false;
      return {
        orchestrator: new RetryOrchestrator({
          provider: 'bench',
          clock: instantClock,
          random: NO_JITTER,
        }),
        request: async () => {
          if (failedOnce) return 'ok';
          failedOnce = true;
          throw new ServerError('overloaded', { status: 529 });
        },
      };
    },
  },
  {
    name: 'one 402, failover to the next bucket, then success',
    setup: () => {
      // A handler that keeps no history, so the heap delta is the orchestrator's alone.
      const handler = new RoundRobinHandler(['a', 'b']);
      return {
        orchestrator: new RetryOrchestrator({
          handler,
          provider: 'bench',
          clock: instantClock,
          random: NO_JITTER,
        }),
        request: async ({ bucket }) => {
          if (bucket === 'a') throw new QuotaError('payment required', { status: 402 });
          handler.reset();
          return 'ok';
        },
      };
    },
  },
];

// A settled heap delta needs gc(); expose it here so the plain `pnpm bench` command can call it.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/**
 * gc(), then again after a pause: the signals AbortSignal.any() combines are released by a
 * finalizer that runs after the collection, so one gc() alone reports them as retained.
 */
async function collectGarbage(): Promise<void> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 100));
  gc();
}

async function measure(scenario: Scenario): Promise<string> {
  const { orchestrator, request } = scenario.setup();
  // Each request gets its own signal, so per-request state in the scenarios stays per request.
  const once = (): Promise<string> =>
    orchestrator.execute(request, { signal: new AbortController().signal });
  for (let i = 0; i < WARMUP_REQUESTS; i++) await once();
  await collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  for (let i = 0; i < MEASURED_REQUESTS; i++) await once();
  const elapsedMs = performance.now() - started;
  await collectGarbage();
  const heapDeltaMb = (process.memoryUsage().heapUsed - heapBefore) / BYTES_PER_MB;
  const opsPerSecond = (MEASURED_REQUESTS / elapsedMs) * MS_PER_SECOND;
  const microsPerRequest = (elapsedMs * MICROS_PER_MS) / MEASURED_REQUESTS;
  return [
    `${scenario.name}:`,
    `${MEASURED_REQUESTS} requests,`,
    `${Math.round(opsPerSecond)} ops/s,`,
    `${microsPerRequest.toFixed(2)} µs/request,`,
    `heap ${heapDeltaMb >= 0 ? '+' : ''}${heapDeltaMb.toFixed(2)} MB`,
  ].join(' ');
}

console.log(`RetryOrchestrator overhead (node ${process.version}, no network, instant sleeps)`);
for (const scenario of scenarios) console.log(await measure(scenario));
