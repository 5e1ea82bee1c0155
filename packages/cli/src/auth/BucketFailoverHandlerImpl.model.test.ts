// Model-based test of the three-pass failover (BEHAVIOR §5): random worlds of 1-5 buckets and random
// command sequences, checked step by step against the reference model in test/failover-model.ts.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock, isAbortError, type FailoverContext } from '@baton/core';
import { BucketFailoverHandlerImpl } from './BucketFailoverHandlerImpl.js';
import {
  modelCurrent,
  modelMarks,
  modelReset,
  modelResetSession,
  modelStoreFresh,
  modelSucceeded,
  predictCall,
  type ModelState,
} from '../../test/failover-model.js';
import {
  bucketWorld,
  FAILURES,
  initialMark,
  LOGIN_TIMEOUT_MS,
  MemoryLedger,
  ModelCredentials,
  NAMES,
  PROFILE,
  PROVIDER,
  START,
  storeState,
  usable,
  type AbortPoint,
  type BucketWorld,
  type CallSpec,
  type Failure,
  type InitialMark,
  type World,
} from '../../test/failover-world.js';

const RUNS = Number(process.env.BATON_MODEL_RUNS ?? 1_000);

interface Real {
  handler: BucketFailoverHandlerImpl;
  creds: ModelCredentials;
  ledger: MemoryLedger;
  clock: FakeClock;
  /** Each switch, with whether the target's credential was usable at that moment. */
  switches: Array<{ to: string; usable: boolean }>;
}
type Command = fc.AsyncCommand<ModelState, Real>;

// ---------------------------------------------------------------------------------------------
// Commands

class CallCommand implements Command {
  constructor(
    readonly failure: Failure,
    /** The wait the response stated, relative to now (may already be over). */
    readonly retryInMs: number | undefined,
    readonly interactive: boolean,
    /** undefined: not given; -1: the current bucket; 5: one outside the profile; else an index. */
    readonly failedIndex: number | undefined,
    readonly abortAt: AbortPoint,
    readonly concurrent: boolean,
  ) {}

  check(): boolean {
    return true;
  }

  async run(m: ModelState, r: Real): Promise<void> {
    const spec = this.spec(m);
    const reasonsBefore = r.handler.getLastFailoverReasons();
    const currentBefore = r.handler.getCurrentBucket();
    const loginsBefore = { ...r.creds.loginsRun };
    const worldBefore = structuredClone(r.creds.world);
    const switchesBefore = r.switches.length;
    const controller = new AbortController();
    if (this.abortAt === 'before') controller.abort();
    r.creds.onStart = (work) => {
      if (work !== this.abortAt) return;
      r.creds.onStart = undefined;
      controller.abort();
    };
    const context: FailoverContext = {
      ...spec.context,
      signal: controller.signal,
      interactive: spec.interactive,
      ...(spec.failedBucket === undefined ? {} : { failedBucket: spec.failedBucket }),
    };
    // Started together, on the same failed bucket (a synchronous throw fails the run).
    const calls = [r.handler.tryFailover(context)];
    if (this.concurrent) calls.push(r.handler.tryFailover(context));
    const settled = await settle(calls, r.clock);
    r.creds.onStart = undefined;
    const outcome = predictCall(m, spec);

    for (const one of settled) {
      if (outcome === 'aborted') {
        expect(one.status).toBe('rejected');
        expect(isAbortError(one.status === 'rejected' ? one.reason : undefined)).toBe(true);
      } else expect(one).toEqual({ status: 'fulfilled', value: outcome.result });
    }
    const logins = NAMES.filter((b) => (r.creds.loginsRun[b] ?? 0) > (loginsBefore[b] ?? 0));
    const reasons = r.handler.getLastFailoverReasons();
    // At most one login per call (the concurrent pair shares one), none without a person.
    expect(logins.length).toBeLessThanOrEqual(spec.interactive ? 1 : 0);
    // One classification, one switch, and only to a bucket usable at that moment.
    expect(r.switches.length - switchesBefore).toBeLessThanOrEqual(1);
    expect(r.switches.every((s) => s.usable)).toBe(true);
    if (outcome === 'aborted') {
      expect(reasons).toEqual(reasonsBefore);
      expect(r.handler.getCurrentBucket()).toBe(currentBefore);
      expect(r.switches.length).toBe(switchesBefore);
    } else {
      // Never a login for a bucket out of quota, skipped, refused, holding an API key or whose
      // store is down (a corrupt entry may be replaced).
      for (const bucket of logins) {
        const before = worldBefore[bucket]!;
        expect(['no-token', 'expired-refresh-failed', 'reauth-failed']).toContain(reasons[bucket]);
        expect(['ok', 'CORRUPT']).toContain(before.store);
        if (before.store === 'ok') expect(before.held?.kind).not.toBe('api-key');
      }
    }
    if (outcome !== 'aborted' && !outcome.result)
      expect(Object.keys(reasons).sort()).toEqual([...m.order].sort());
    checkAgainstModel(m, r);
  }

  /** The call as the model sees it, with times and names resolved against the current state. */
  private spec(m: ModelState): CallSpec {
    const base: CallSpec['context'] = { ...FAILURES[this.failure] };
    const quotaLike = this.failure !== 'network' && this.failure !== 'refused';
    const stated =
      this.retryInMs !== undefined && quotaLike
        ? { retryAfterMs: Math.max(0, this.retryInMs), retryAt: m.now + this.retryInMs }
        : {};
    const failedBucket =
      this.failedIndex === undefined
        ? undefined
        : this.failedIndex < 0
          ? modelCurrent(m)
          : this.failedIndex === 5
            ? 'outsider'
            : m.order[this.failedIndex % m.order.length];
    return {
      context: { ...base, ...stated },
      interactive: this.interactive,
      abortAt: this.abortAt,
      ...(failedBucket === undefined ? {} : { failedBucket }),
    };
  }

  toString(): string {
    return `call(${this.failure}, retryIn=${this.retryInMs}, interactive=${this.interactive}, failed=${this.failedIndex}, abort=${this.abortAt}, concurrent=${this.concurrent})`;
  }
}

/** Lets the calls run; a login that hangs is ended by moving the clock to its time limit. */
async function settle(
  calls: Array<Promise<boolean>>,
  clock: FakeClock,
): Promise<Array<PromiseSettledResult<boolean>>> {
  let done = false;
  const all = Promise.allSettled(calls).then((results) => {
    done = true;
    return results;
  });
  for (let turn = 0; turn < 5 && !done; turn++) {
    await new Promise((resolve) => setImmediate(resolve));
    if (!done && clock.pendingSleepers > 0) await clock.advance(LOGIN_TIMEOUT_MS);
  }
  // Work a caller stopped waiting for (a refresh) finishes before the next command.
  await new Promise((resolve) => setImmediate(resolve));
  if (!done) throw new Error('a failover call never settled');
  return all;
}

const simple = (
  name: string,
  act: (m: ModelState, r: Real) => Promise<void> | void,
): fc.Arbitrary<Command> =>
  fc.constant<Command>({
    check: () => true,
    run: async (m, r) => {
      await act(m, r);
      checkAgainstModel(m, r);
    },
    toString: () => name,
  });

const callCommand: fc.Arbitrary<Command> = fc
  .tuple(
    fc.constantFrom(...(Object.keys(FAILURES) as Failure[])),
    fc.option(fc.integer({ min: -5_000, max: 7_200_000 }), { nil: undefined }),
    fc.boolean(),
    fc.option(fc.integer({ min: -1, max: 5 }), { nil: undefined, freq: 3 }),
    fc.oneof(
      { weight: 4, arbitrary: fc.constant<AbortPoint>('none') },
      fc.constantFrom<AbortPoint>('before', 'read', 'refresh', 'login'),
    ),
    fc.boolean(),
  )
  .map((args) => new CallCommand(...args));

/** Calls are most of a run; the rest set the scene between them. */
const commands: Array<fc.Arbitrary<Command>> = [
  ...Array<fc.Arbitrary<Command>>(5).fill(callCommand),
  simple('resetSession', (m, r) => {
    r.handler.resetSession();
    modelResetSession(m);
  }),
  simple('reset', async (m, r) => {
    await r.handler.refreshLedger();
    r.handler.reset();
    modelReset(m);
  }),
  simple('bucketSucceeded', async (m, r) => {
    await r.handler.bucketSucceeded(r.handler.getCurrentBucket());
    modelSucceeded(m, modelCurrent(m));
  }),
  fc.integer({ min: 1, max: 4_000 }).chain((seconds) =>
    simple(`advance ${seconds} s`, async (m, r) => {
      await r.clock.advance(seconds * 1000);
      m.now += seconds * 1000;
    }),
  ),
  // Another process changes a bucket: its store breaks or recovers, or it logs the bucket in.
  fc.tuple(fc.nat(4), fc.option(storeState, { nil: undefined })).chain(([index, store]) =>
    simple(`elsewhere ${index} ${store ?? 'login'}`, (m, r) => {
      const bucket = m.order[index % m.order.length]!;
      if (store !== undefined) {
        r.creds.world[bucket]!.store = store;
        m.world[bucket]!.store = store;
        return;
      }
      modelStoreFresh(m, bucket);
      r.creds.world[bucket] = structuredClone(m.world[bucket]!);
      if (r.ledger.active().get(bucket)?.source === 'until-login') r.ledger.entries.delete(bucket);
    }),
  ),
];

/** The real handler's observable state and the world agree with the model after every step. */
function checkAgainstModel(m: ModelState, r: Real): void {
  const reasons = r.handler.getLastFailoverReasons();
  const details = r.handler.getLastFailoverDetails();
  const observed = {
    now: r.clock.now(),
    current: r.handler.getCurrentBucket(),
    sessionInProfile: r.creds.session === undefined || m.order.includes(r.creds.session),
    world: r.creds.world,
    loginsRun: r.creds.loginsRun,
    ledger: Object.fromEntries(r.ledger.active()),
    reasons,
    retryAt: Object.fromEntries(Object.keys(m.retryAt).map((b) => [b, details[b]?.retryAt])),
  };
  const expected = {
    now: m.now,
    current: modelCurrent(m),
    sessionInProfile: true,
    world: m.world,
    loginsRun: m.loginsRun,
    ledger: Object.fromEntries(modelMarks(m)),
    reasons: m.reasons,
    retryAt: m.retryAt,
  };
  // The cheap comparison first; expect() only to explain a difference.
  if (!isDeepStrictEqual(observed, expected)) expect(observed).toEqual(expected);
  // A copy: changing it changes nothing in the handler.
  for (const bucket of m.order) reasons[bucket] = 'skipped';
  if (!isDeepStrictEqual(r.handler.getLastFailoverReasons(), m.reasons))
    expect(r.handler.getLastFailoverReasons()).toEqual(m.reasons);
}

// ---------------------------------------------------------------------------------------------
// Runs

interface Setup {
  buckets: Array<{ world: BucketWorld; mark: InitialMark | undefined }>;
  session: number | undefined;
}

const setup: fc.Arbitrary<Setup> = fc.record({
  buckets: fc.array(fc.record({ world: bucketWorld, mark: initialMark }), {
    minLength: 1,
    maxLength: 5,
  }),
  session: fc.option(fc.nat(4), { nil: undefined }),
});

function build(input: Setup): { model: ModelState; real: Real } {
  const order = NAMES.slice(0, input.buckets.length);
  const world: World = Object.fromEntries(order.map((b, i) => [b, input.buckets[i]!.world]));
  const clock = new FakeClock(START);
  const ledger = new MemoryLedger(clock);
  input.buckets.forEach(({ mark }, i) => {
    if (!mark) return;
    const source = mark.reason === 'quota-exhausted' ? 'retry-after' : 'until-login';
    ledger.entries.set(order[i]!, {
      reason: mark.reason,
      until: START + mark.inMs,
      source,
      recordedAt: START,
    });
  });
  const creds = new ModelCredentials(structuredClone(world), clock, ledger);
  const session = input.session === undefined ? undefined : order[input.session % order.length];
  creds.session = session;
  const switches: Real['switches'] = [];
  const handler = new BucketFailoverHandlerImpl({
    manager: creds,
    ledger,
    provider: PROVIDER,
    profile: { name: PROFILE, buckets: order },
    clock,
    reauthTimeoutMs: LOGIN_TIMEOUT_MS,
    onSwitch: (event) => {
      const state = creds.world[event.to]!;
      switches.push({
        to: event.to,
        usable: usable(state.store === 'ok' ? state.held : null, clock.now()),
      });
    },
  });
  const model: ModelState = {
    now: START,
    order,
    world: structuredClone(world),
    ledger: new Map(ledger.entries),
    session,
    tried: new Set(),
    triedReasons: new Map(),
    reasons: {},
    retryAt: {},
    loginsRun: {},
  };
  return { model, real: { handler, creds, ledger, clock, switches } };
}

describe('BucketFailoverHandlerImpl against the reference model', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P14
   * @plan PLAN-20260223-ISSUE1598.P15
   * @plan PLAN-20260223-ISSUE1598.P16
   * @requirement REQ-1598-SM01, REQ-1598-SM02, REQ-1598-SM03, REQ-1598-FL01, REQ-1598-FL06
   */
  it(`agrees with the model and keeps the §5 invariants (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        setup,
        fc.commands(commands, { maxCommands: 16, size: '+1' }),
        async (input, cmds) => {
          const { model, real } = build(input);
          await fc.asyncModelRun(() => ({ model, real }), cmds);
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);
});

// The smallest cases of what the model run checks at random.
describe('BucketFailoverHandlerImpl: pinned cases', () => {
  const noToken: BucketWorld = { store: 'ok', held: null, grantAlive: true, login: 'succeed' };

  // §5: an aborted call "rejects with an AbortError" (a synchronous throw escapes .catch()).
  /**
   * @plan PLAN-20260223-ISSUE1598.P16
   * @requirement REQ-1598-SM04
   */
  it('rejects, rather than throws, when the signal is already aborted', async () => {
    const { real } = build({ buckets: [{ world: noToken, mark: undefined }], session: undefined });
    let outcome: Promise<boolean> | undefined;
    expect(() => {
      outcome = real.handler.tryFailover({ signal: AbortSignal.abort(), triggeringStatus: 500 });
    }).not.toThrow();
    await expect(outcome).rejects.toSatisfy(isAbortError);
  });

  // Two requests fail on the same bucket and share one failover; the first is cancelled as the
  // shared login prompt starts. The second was not cancelled: the shared run goes on for it.
  it('does not hand one caller’s abort to another caller sharing the failover', async () => {
    const { real } = build({ buckets: [{ world: noToken, mark: undefined }], session: undefined });
    const first = new AbortController();
    real.creds.onStart = (work) => {
      if (work === 'login') first.abort();
    };
    const context = { triggeringStatus: 401, trigger: 'auth' as const, interactive: true };
    const one = real.handler.tryFailover({ ...context, signal: first.signal });
    const two = real.handler.tryFailover({ ...context, signal: new AbortController().signal });
    const [cancelled, other] = await settle([one, two], real.clock);
    expect(cancelled?.status === 'rejected' && isAbortError(cancelled.reason)).toBe(true);
    expect(other).toEqual({ status: 'fulfilled', value: true });
  });
});
