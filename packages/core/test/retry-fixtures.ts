// Test fixtures for the RetryOrchestrator: a scripted provider (what each bucket answers, call by
// call), a seeded random source, and one orchestrator wired to a FakeClock and a scripted handler.
import {
  FakeClock,
  RetryOrchestrator,
  type AttemptContext,
  type BucketFailoverHandler,
  type FailoverEvent,
  type RandomSource,
  type RetryEvent,
  type RetryOptions,
  type RetryOrchestratorOptions,
  type WaitEvent,
} from '../src/index.js';
import { ScriptedFailoverHandler, type ScriptedWorld } from './scripted-failover-handler.js';

/** One answer of the provider: a thrown value (`fail`) or a successful body. */
export type Outcome = { fail: unknown } | { ok: string };
export const fail = (error: unknown): Outcome => ({ fail: error });

/** mulberry32: a tiny deterministic PRNG, so jittered waits are reproducible. */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Answers per bucket, in order; once a bucket's script is used up it serves successfully. */
export class ScriptedProvider {
  readonly calls: Array<{ attempt: number; bucket: string | undefined }> = [];
  private readonly script: Map<string, Outcome[]>;

  constructor(script: Record<string, Outcome[]> = {}) {
    this.script = new Map(Object.entries(script).map(([k, v]) => [k, [...v]]));
  }

  readonly request = async ({ attempt, bucket }: AttemptContext): Promise<string> => {
    this.calls.push({ attempt, bucket });
    const next = this.script.get(bucket ?? '(none)')?.shift();
    if (next && 'fail' in next) throw next.fail;
    return next?.ok ?? `served by ${bucket ?? '(none)'}`;
  };

  /** The same script as a stream: a successful answer is streamed as one chunk per character. */
  readonly stream = (context: AttemptContext): AsyncIterable<string> => {
    const request = this.request;
    return (async function* () {
      const body = await request(context);
      for (const ch of body) yield ch;
    })();
  };

  get buckets(): Array<string | undefined> {
    return this.calls.map((c) => c.bucket);
  }
}

export interface HarnessOptions {
  buckets?: string[];
  world?: Partial<Omit<ScriptedWorld, 'buckets' | 'clock'>>;
  /** Replace the scripted handler (null: no handler at all). */
  handler?: BucketFailoverHandler | null;
  /** Give the orchestrator a view of the scripted handler instead of the handler itself. */
  wrapHandler?: (handler: ScriptedFailoverHandler) => BucketFailoverHandler;
  options?: Partial<RetryOptions>;
  random?: RandomSource;
  interactive?: boolean;
  onAuthError?: RetryOrchestratorOptions['onAuthError'];
}

export function harness(setup: HarnessOptions = {}) {
  const clock = new SteppingClock();
  const start = clock.now();
  const scripted = new ScriptedFailoverHandler({
    buckets: setup.buckets ?? ['a', 'b', 'c'],
    clock,
    ...setup.world,
  });
  const handler =
    setup.handler === null
      ? undefined
      : (setup.handler ?? (setup.wrapHandler ? setup.wrapHandler(scripted) : scripted));
  const waits: WaitEvent[] = [];
  const retries: RetryEvent[] = [];
  const failovers: FailoverEvent[] = [];
  const orchestrator = new RetryOrchestrator({
    ...(handler ? { handler } : {}),
    provider: 'anthropic',
    clock,
    random: setup.random ?? (() => 0.5),
    ...(setup.options ? { options: setup.options } : {}),
    ...(setup.interactive === undefined ? {} : { interactive: setup.interactive }),
    ...(setup.onAuthError ? { onAuthError: setup.onAuthError } : {}),
    onWait: (event) => waits.push(event),
    onRetry: (event) => retries.push(event),
    onFailover: (event) => failovers.push(event),
  });
  /** Drives fake time until the promise settles. */
  const run = <T>(promise: Promise<T>): Promise<T> => settle(clock, promise);
  /** Drives fake time until the promise rejects, and returns what it rejected with. */
  const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
    try {
      await settle(clock, promise);
    } catch (error) {
      return error;
    }
    throw new Error('expected the request to fail, but it succeeded');
  };
  return {
    clock,
    start,
    handler: scripted,
    orchestrator,
    waits,
    /**
     * The waits the engine slept, in ms. Not FakeClock.sleeps: the deadline and stream-idle timers
     * sleep on the same clock.
     */
    get sleeps(): number[] {
      return waits.map((w) => w.ms);
    },
    retries,
    failovers,
    run,
    rejection,
  };
}

/**
 * Like FakeClock.runUntilSettled, but time only moves once everything else has run (a macrotask
 * turn drains every pending continuation): the request's deadline timer is always a pending sleeper,
 * and jumping to it while the engine is still between awaits would fire the deadline early.
 */
export async function settle<T>(
  clock: SteppingClock,
  promise: Promise<T>,
  limitMs = 3_600_000,
): Promise<T> {
  let settled = false;
  const tracked = promise.then(
    (value) => {
      settled = true;
      return value;
    },
    (error: unknown) => {
      settled = true;
      throw error;
    },
  );
  tracked.catch(() => undefined);
  const start = clock.now();
  for (;;) {
    await new Promise((resolve) => setImmediate(resolve));
    if (settled || clock.now() - start >= limitMs) return tracked;
    const next = clock.nextWakeAt();
    await clock.advance(next === undefined ? IDLE_STEP_MS : Math.max(0, next - clock.now()));
  }
}

/** Fake time moved when nothing sleeps (something else, e.g. real I/O, is awaited). */
const IDLE_STEP_MS = 100;

/** A FakeClock that can tell when its next sleeper wakes, so tests jump straight there. */
export class SteppingClock extends FakeClock {
  private readonly wakeTimes = new Map<number, number>();
  private nextId = 0;

  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const id = this.nextId++;
    this.wakeTimes.set(id, this.now() + Math.max(0, ms));
    const slept = super.sleep(ms, signal);
    const forget = (): void => {
      this.wakeTimes.delete(id);
    };
    slept.then(forget, forget);
    return slept;
  }

  nextWakeAt(): number | undefined {
    return this.wakeTimes.size === 0 ? undefined : Math.min(...this.wakeTimes.values());
  }
}

export async function collect<C>(iterable: AsyncIterable<C>): Promise<C[]> {
  const out: C[] = [];
  for await (const chunk of iterable) out.push(chunk);
  return out;
}
