// RetryOrchestrator: streaming and the edges of the loop (no hooks, no handler, empty handler,
// HTTP-date waits measured on the injected clock, aborts during a force-refresh).
import { describe, expect, it } from 'vitest';
import { RetryOrchestrator } from './RetryOrchestrator.js';
import {
  AllBucketsExhaustedError,
  AuthenticationError,
  ClientError,
  NetworkError,
  QuotaError,
  RateLimitError,
  ServerError,
  StreamInterruptedError,
} from './errors.js';
import {
  collect,
  fail,
  harness,
  ScriptedProvider,
  settle,
  SteppingClock,
} from '../../test/retry-fixtures.js';
import {
  RoundRobinHandler,
  ScriptedFailoverHandler,
} from '../../test/scripted-failover-handler.js';

const quota = (n = 0) => new QuotaError(`payment required #${n}`, { status: 402 });
const serverError = (n = 0) => new ServerError(`upstream #${n}`, { status: 500 });

describe('streaming', () => {
  it('fails over before the first chunk and streams from the next bucket', async () => {
    const h = harness();
    const provider = new ScriptedProvider({ a: [fail(quota())], b: [{ ok: 'hi' }] });
    const chunks = await h.run(collect(h.orchestrator.stream(provider.stream)));
    expect(chunks).toEqual(['h', 'i']);
    expect(provider.buckets).toEqual(['a', 'b']);
    expect(h.handler.resetSessionCalls).toBe(2);
  });

  it('without textOf the interrupted error keeps the chunks and an empty text', async () => {
    const h = harness();
    const stream = h.orchestrator.stream(async function* () {
      yield 'x';
      throw new NetworkError('socket hang up');
    });
    const error = (await h.rejection(collect(stream))) as StreamInterruptedError;
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error.partialOutput).toEqual(['x']);
    expect(error.partialText).toBe('');
    expect(error.message).toContain('after 1 chunk(s): socket hang up');
    expect(error.status).toBeUndefined();
  });

  it('an abort after output rethrows the abort, not an interruption', async () => {
    const h = harness();
    const controller = new AbortController();
    const stream = h.orchestrator.stream(
      async function* () {
        yield 'x';
        controller.abort();
        throw new DOMException('aborted', 'AbortError');
      },
      { signal: controller.signal },
    );
    const error = await h.rejection(collect(stream));
    expect((error as Error).name).toBe('AbortError');
    expect(error).not.toBeInstanceOf(StreamInterruptedError);
  });

  it('the attempt context carries the bucket and a signal for every attempt', async () => {
    const h = harness();
    const seen: Array<[number, string | undefined, boolean]> = [];
    let first = true;
    const chunks = await h.run(
      collect(
        h.orchestrator.stream(async function* ({ attempt, bucket, signal }) {
          seen.push([attempt, bucket, signal instanceof AbortSignal]);
          if (first) {
            first = false;
            throw quota();
          }
          yield 'ok';
        }),
      ),
    );
    expect(chunks).toEqual(['ok']);
    expect(seen).toEqual([
      [1, 'a', true],
      [2, 'b', true],
    ]);
  });
});

describe('edges', () => {
  it('works with no event hooks at all (waits, force-refresh, switch, exhaustion)', async () => {
    const clock = new SteppingClock();
    const start = clock.now();
    const handler = new ScriptedFailoverHandler({ buckets: ['a', 'b'], clock });
    const orchestrator = new RetryOrchestrator({
      handler,
      provider: 'anthropic',
      clock,
      random: () => 0.5,
    });
    const provider = new ScriptedProvider({
      a: [
        fail(serverError()),
        fail(new AuthenticationError('expired', { status: 401 })),
        fail(quota(1)),
      ],
      b: [fail(quota(2))],
    });
    const error = await settle(clock, orchestrator.execute(provider.request)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AllBucketsExhaustedError);
    expect(provider.buckets).toEqual(['a', 'a', 'a', 'b']);
    // The one backoff wait is all the time that passed; the deadline timers armed while things
    // ran are all gone.
    expect(clock.now() - start).toBe(2_000);
    expect(clock.sleeps).toContain(2_000);
    expect(clock.pendingSleepers).toBe(0);

    handler.enabled = false;
    const last = quota(3);
    const disabled = await settle(
      clock,
      orchestrator.execute(new ScriptedProvider({ b: [fail(last)] }).request),
    ).catch((e: unknown) => e);
    expect(disabled).toBe(last);
  });

  it('an HTTP-date Retry-After is measured against the injected clock', async () => {
    const h = harness();
    const at = new Date(h.start + 5_000).toUTCString();
    const error = new RateLimitError('slow down', { status: 429, headers: { 'retry-after': at } });
    const provider = new ScriptedProvider({ a: [fail(error)] });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by a');
    expect(h.sleeps).toEqual([5_000]);
  });

  it('a Retry-After wait does not advance the backoff step', async () => {
    const h = harness();
    const rateLimited = new RateLimitError('slow down', { status: 429, retryAfterMs: 1_000 });
    const provider = new ScriptedProvider({ a: [fail(rateLimited), fail(serverError())] });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by a');
    expect(h.sleeps).toEqual([1_000, 2_000]);
  });

  it('no handler: retries on the same (unnamed) bucket still end in success', async () => {
    const h = harness({ handler: null });
    const provider = new ScriptedProvider({ '(none)': [fail(serverError())] });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by (none)');
    expect(h.sleeps).toEqual([2_000]);
  });

  it('a handler with no buckets is treated like no handler', async () => {
    const h = harness({ buckets: [] });
    const last = quota();
    const provider = new ScriptedProvider({ '(none)': [fail(last)] });
    expect(await h.rejection(h.orchestrator.execute(provider.request))).toBe(last);
    expect(h.handler.tryFailoverCalls).toBe(0);
  });

  it('an abort during a force-refresh rejects with the AbortError, even without a handler', async () => {
    const controller = new AbortController();
    const h = harness({
      handler: null,
      onAuthError: async () => {
        controller.abort();
        throw new Error('refresh interrupted');
      },
    });
    const provider = new ScriptedProvider({
      '(none)': [fail(new AuthenticationError('expired', { status: 401 }))],
    });
    const error = await h.rejection(
      h.orchestrator.execute(provider.request, { signal: controller.signal }),
    );
    expect((error as Error).name).toBe('AbortError');
  });

  it('streams: a non-retryable error before any chunk is thrown as is', async () => {
    const h = harness();
    const bad = new ClientError('bad request', { status: 400 });
    const error = await h.rejection(
      collect(
        h.orchestrator.stream(async function* () {
          yield* [];
          throw bad;
        }),
      ),
    );
    expect(error).toBe(bad);
  });

  it('streams: the interruption keeps the status of an SDK-shaped error', async () => {
    const h = harness();
    const sdkError = Object.assign(new Error('upstream went away'), { status: 503 });
    const error = (await h.rejection(
      collect(
        h.orchestrator.stream(async function* () {
          yield 'x';
          throw sdkError;
        }),
      ),
    )) as StreamInterruptedError;
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error.status).toBe(503);
    expect(error.cause).toBe(sdkError);
    expect(error.message).toBe(
      'The anthropic stream was interrupted after 1 chunk(s): upstream went away',
    );
  });
});

describe('failed force-refresh', () => {
  it('still respects the switch cap with a handler that never runs out', async () => {
    const handler = new RoundRobinHandler(['a', 'b']);
    const h = harness({
      handler,
      onAuthError: async () => {
        throw new Error('invalid_grant');
      },
    });
    const errors = Array.from(
      { length: 10 },
      (_, i) => new AuthenticationError(`no #${i}`, { status: 401 }),
    );
    let call = 0;
    const error = await h.rejection(
      h.orchestrator.execute(async () => {
        throw errors[call++]!;
      }),
    );
    expect(handler.switchCount).toBe(4);
    expect(call).toBe(5);
    expect(error).toBe(errors[4]);
  });
});

describe('failover context', () => {
  it('carries only what is known: an overload without a status has no status, wait or retry time', async () => {
    const h = harness();
    const overloaded = () => ({ message: 'overloaded_error: try again later' });
    const provider = new ScriptedProvider({
      a: [fail(overloaded()), fail(overloaded()), fail(overloaded())],
    });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by b');
    expect(h.sleeps).toEqual([2_000, 4_000]);
    expect(h.handler.contexts).toStrictEqual([
      { failedBucket: 'a', trigger: 'server', message: 'overloaded_error: try again later' },
    ]);
    expect(h.failovers).toStrictEqual([{ from: 'a', to: 'b', outcome: 'switched' }]);
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P07
 * @requirement REQ-1598-IC03
 */
describe('contract with the failover handler and the credential source', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P07
   * @requirement REQ-1598-RO14
   */
  it('tells the handler which bucket served, once per successful request (execute and stream)', async () => {
    const h = harness({ world: { cooldownUntil: { a: 0 } } });
    const provider = new ScriptedProvider({ a: [fail(quota())], b: [{ ok: 'x' }, { ok: 'y' }] });
    await h.run(h.orchestrator.execute(provider.request));
    await h.run(collect(h.orchestrator.stream(provider.stream)));
    expect(h.handler.successes).toEqual(['b', 'b']);
  });

  it('a handler whose success hook throws still returns the answer', async () => {
    const h = harness();
    h.handler.bucketSucceeded = () => {
      throw new Error('ledger is read-only');
    };
    const provider = new ScriptedProvider({ a: [{ ok: 'answer' }] });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('answer');
  });

  it('the auth-error event carries the access token the failed attempt reported, and only that one', async () => {
    const seen: Array<string | undefined> = [];
    const h = harness({
      onAuthError: async (event) => {
        seen.push(event.accessToken);
      },
    });
    let call = 0;
    const result = h.orchestrator.execute(async (attempt) => {
      call += 1;
      if (call === 1) attempt.reportCredential('access-token-one');
      if (call === 1 || call === 3) throw new AuthenticationError('expired', { status: 401 });
      if (call === 2) throw serverError(2);
      return 'ok';
    });
    // Attempt 3 reported no token, so its event must not reuse attempt 1's.
    await expect(h.run(result)).resolves.toBe('ok');
    expect(seen).toEqual(['access-token-one', undefined]);
  });

  it('a refusal by policy fails over at once with trigger refused, no refresh', async () => {
    const refreshed: string[] = [];
    const h = harness({
      onAuthError: async (event) => {
        refreshed.push(event.bucket ?? '');
      },
    });
    const provider = new ScriptedProvider({
      a: [
        fail({
          status: 403,
          message:
            'This credential is only authorized for use with Claude Code and cannot be used for other API requests.',
        }),
      ],
    });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by b');
    expect(refreshed).toEqual([]);
    expect(h.handler.getLastFailoverReasons()).toEqual({ a: 'refused' });
    expect(h.handler.contexts[0]?.trigger).toBe('refused');
  });
});
