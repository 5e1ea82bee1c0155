// The RetryOrchestrator loop against a scripted provider, a scripted failover handler and a fake
// clock: one named test per row of the BEHAVIOR §6 table, asserting buckets, waits and errors.
import { describe, expect, it } from 'vitest';
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
import { collect, fail, harness, ScriptedProvider } from '../../test/retry-fixtures.js';

const rateLimited = (retryAfterMs?: number, message = 'rate limited, slow down') =>
  new RateLimitError(message, {
    status: 429,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
const serverError = (status = 500) => new ServerError(`upstream ${status}`, { status });

/** A client whose token per bucket is checked by the server; onAuthError refreshes it if it can. */
function tokenWorld(refreshable: Record<string, string>) {
  const valid = new Map<string, string>([
    ['a', 'a-2'],
    ['b', 'b-1'],
  ]);
  const held = new Map<string, string>([
    ['a', 'a-1'],
    ['b', 'b-1'],
  ]);
  const refreshes: string[] = [];
  const calls: string[] = [];
  const request = async ({ bucket }: { bucket: string | undefined }): Promise<string> => {
    const b = bucket ?? '';
    calls.push(b);
    if (held.get(b) !== valid.get(b))
      throw new AuthenticationError('invalid bearer token', { status: 401 });
    return `served by ${b} with ${held.get(b)}`;
  };
  const onAuthError = async ({ bucket }: { bucket: string | undefined }): Promise<void> => {
    const b = bucket ?? '';
    refreshes.push(b);
    const next = refreshable[b];
    if (next !== undefined) held.set(b, next);
  };
  return { request, onAuthError, refreshes, calls };
}

describe('§6 retry table', () => {
  it('429 with Retry-After ≤ 10 s and no quota wording waits it out and retries the same bucket', async () => {
    const h = harness();
    const provider = new ScriptedProvider({ a: [fail(rateLimited(10_000))] });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by a');
    expect(provider.calls).toEqual([
      { attempt: 1, bucket: 'a' },
      { attempt: 2, bucket: 'a' },
    ]);
    expect(h.waits).toEqual([{ ms: 10_000, reason: 'retry-after', bucket: 'a' }]);
    expect(h.sleeps).toEqual([10_000]);
    expect(h.clock.now() - h.start).toBe(10_000);
    expect(h.handler.tryFailoverCalls).toBe(0);
    expect(h.retries).toMatchObject([{ attempt: 2, bucket: 'a', action: 'wait-retry' }]);
  });

  it('second consecutive 429 fails over', async () => {
    const h = harness();
    const provider = new ScriptedProvider({
      a: [fail(rateLimited(1_000)), fail(rateLimited(1_000))],
    });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by b');
    expect(provider.buckets).toEqual(['a', 'a', 'b']);
    expect(h.sleeps).toEqual([1_000]);
    expect(h.handler.contexts).toStrictEqual([
      {
        failedBucket: 'a',
        triggeringStatus: 429,
        retryAfterMs: 1_000,
        retryAt: h.start + 2_000,
        trigger: 'rate-limit',
        message: 'rate limited, slow down',
      },
    ]);
    expect(h.failovers).toStrictEqual([{ from: 'a', to: 'b', status: 429, outcome: 'switched' }]);
  });

  it('429 with Retry-After of 10.001 s fails over at once, the wait becoming the cooldown', async () => {
    const h = harness();
    const provider = new ScriptedProvider({ a: [fail(rateLimited(10_001))] });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by b');
    expect(provider.buckets).toEqual(['a', 'b']);
    expect(h.sleeps).toEqual([]);
    expect(h.handler.contexts).toStrictEqual([
      {
        failedBucket: 'a',
        triggeringStatus: 429,
        retryAfterMs: 10_001,
        retryAt: h.start + 10_001,
        trigger: 'rate-limit',
        message: 'rate limited, slow down',
      },
    ]);
    expect(h.handler.cooldownUntil.get('a')).toBe(h.start + 10_001);
  });

  it('429 whose rate-limit window resets more than 10 s away fails over at once', async () => {
    const h = harness();
    const error = new RateLimitError('rate limited', {
      status: 429,
      headers: { 'retry-after': '2', 'x-ratelimit-reset-requests': '30s' },
    });
    const provider = new ScriptedProvider({ a: [fail(error)] });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by b');
    expect(h.sleeps).toEqual([]);
    expect(h.handler.contexts).toStrictEqual([
      {
        failedBucket: 'a',
        triggeringStatus: 429,
        retryAfterMs: 30_000,
        retryAt: h.start + 30_000,
        trigger: 'rate-limit',
        message: 'rate limited',
      },
    ]);
  });

  it.each(['You have reached your usage limit', 'quota exceeded', 'insufficient_quota'])(
    '429 with quota wording (%s) fails over at once',
    async (message) => {
      const h = harness();
      const provider = new ScriptedProvider({ a: [fail(rateLimited(1_000, message))] });
      await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by b');
      expect(provider.buckets).toEqual(['a', 'b']);
      expect(h.sleeps).toEqual([]);
    },
  );

  it('402 fails over at once', async () => {
    const h = harness();
    const provider = new ScriptedProvider({
      a: [fail(new QuotaError('payment required', { status: 402 }))],
    });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by b');
    expect(provider.buckets).toEqual(['a', 'b']);
    expect(h.sleeps).toEqual([]);
    expect(h.handler.contexts).toStrictEqual([
      { failedBucket: 'a', triggeringStatus: 402, trigger: 'quota', message: 'payment required' },
    ]);
    expect(h.handler.getLastFailoverReasons()).toEqual({ a: 'quota-exhausted' });
  });

  it('first 401 force-refreshes the bucket and retries it', async () => {
    const world = tokenWorld({ a: 'a-2' });
    const h = harness({ onAuthError: world.onAuthError });
    await expect(h.run(h.orchestrator.execute(world.request))).resolves.toBe(
      'served by a with a-2',
    );
    expect(world.calls).toEqual(['a', 'a']);
    expect(world.refreshes).toEqual(['a']);
    expect(h.handler.tryFailoverCalls).toBe(0);
    expect(h.sleeps).toEqual([]);
    expect(h.retries).toMatchObject([{ attempt: 2, bucket: 'a', action: 'force-refresh' }]);
  });

  it.each([401, 403])('second consecutive %i fails over', async (status) => {
    const h = harness({ onAuthError: async () => undefined });
    const rejected = () => new AuthenticationError('token revoked', { status });
    const provider = new ScriptedProvider({ a: [fail(rejected()), fail(rejected())] });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by b');
    expect(provider.buckets).toEqual(['a', 'a', 'b']);
    expect(h.handler.contexts).toStrictEqual([
      { failedBucket: 'a', triggeringStatus: status, trigger: 'auth', message: 'token revoked' },
    ]);
    expect(h.handler.getLastFailoverReasons()).toEqual({ a: 'expired-refresh-failed' });
  });

  it('a force-refresh that fails goes straight to failover', async () => {
    const world = tokenWorld({});
    const h = harness({
      onAuthError: async () => {
        throw new Error('invalid_grant');
      },
    });
    await expect(h.run(h.orchestrator.execute(world.request))).resolves.toBe(
      'served by b with b-1',
    );
    expect(world.calls).toEqual(['a', 'b']);
    expect(h.handler.contexts).toStrictEqual([
      {
        failedBucket: 'a',
        triggeringStatus: 401,
        trigger: 'auth',
        message: 'invalid bearer token',
      },
    ]);
  });

  it('without an onAuthError hook a first 401 is still retried once on the same bucket', async () => {
    const h = harness();
    const provider = new ScriptedProvider({
      a: [fail(new AuthenticationError('expired', { status: 401 }))],
    });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by a');
    expect(provider.buckets).toEqual(['a', 'a']);
  });

  it.each([
    ['500', () => serverError(500)],
    ['503', () => serverError(503)],
    ['529', () => serverError(529)],
    ['a plain {status: 529}', () => ({ status: 529, message: 'overloaded' })],
    [
      'an SDK-shaped overloaded_error',
      () => ({ status: 500, error: { type: 'error', error: { type: 'overloaded_error' } } }),
    ],
  ])('%s backs off and retries; the 3rd consecutive fails over', async (_name, make) => {
    const h = harness();
    const provider = new ScriptedProvider({ a: [fail(make()), fail(make()), fail(make())] });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by b');
    expect(provider.buckets).toEqual(['a', 'a', 'a', 'b']);
    expect(h.waits).toEqual([
      { ms: 2_000, reason: 'backoff', bucket: 'a' },
      { ms: 4_000, reason: 'backoff', bucket: 'a' },
    ]);
  });

  it('the backoff delay keeps escalating across bucket switches', async () => {
    const h = harness();
    const provider = new ScriptedProvider({
      a: [fail(serverError()), fail(serverError()), fail(serverError())],
      b: [fail(serverError()), fail(serverError())],
    });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by b');
    expect(provider.buckets).toEqual(['a', 'a', 'a', 'b', 'b', 'b']);
    expect(h.sleeps).toEqual([2_000, 4_000, 8_000, 16_000]);
    expect(h.waits.map((w) => w.bucket)).toEqual(['a', 'a', 'b', 'b']);
  });

  it('network errors (also `fetch failed` with a cause) back off and retry, never failing over', async () => {
    const h = harness();
    const reset = () =>
      new TypeError('fetch failed', {
        cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      });
    const provider = new ScriptedProvider({
      a: [
        fail(reset()),
        fail(new NetworkError('socket hang up', { code: 'ECONNRESET' })),
        fail(reset()),
        fail(reset()),
        fail(reset()),
      ],
    });
    await expect(h.run(h.orchestrator.execute(provider.request))).resolves.toBe('served by a');
    expect(provider.buckets).toEqual(['a', 'a', 'a', 'a', 'a', 'a']);
    expect(h.sleeps).toEqual([2_000, 4_000, 8_000, 16_000, 30_000]);
    expect(h.handler.tryFailoverCalls).toBe(0);
  });

  it('network errors never fail over, even when the attempts run out', async () => {
    const h = harness();
    const errors = Array.from({ length: 6 }, (_, i) => new NetworkError(`reset ${i}`));
    const provider = new ScriptedProvider({ a: errors.map(fail) });
    expect(await h.rejection(h.orchestrator.execute(provider.request))).toBe(errors[5]);
    expect(provider.calls).toHaveLength(6);
    expect(h.handler.tryFailoverCalls).toBe(0);
  });

  it.each([400, 404, 422, 409])('%i throws at once', async (status) => {
    const h = harness();
    const error = new ClientError('bad request', { status });
    const provider = new ScriptedProvider({ a: [fail(error)] });
    expect(await h.rejection(h.orchestrator.execute(provider.request))).toBe(error);
    expect(provider.calls).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
    expect(h.handler.tryFailoverCalls).toBe(0);
  });

  it('an unknown error throws at once', async () => {
    const h = harness();
    const error = new Error('something odd');
    const provider = new ScriptedProvider({ a: [fail(error)] });
    expect(await h.rejection(h.orchestrator.execute(provider.request))).toBe(error);
    expect(provider.calls).toHaveLength(1);
  });

  it('any error after the first chunk reached the caller throws StreamInterruptedError, no retry', async () => {
    const h = harness();
    const cause = serverError(500);
    let calls = 0;
    const received: Array<{ text: string }> = [];
    const stream = h.orchestrator.stream(
      async function* () {
        calls += 1;
        yield { text: 'Hel' };
        yield { text: 'lo' };
        throw cause;
      },
      { textOf: (chunk) => chunk.text },
    );
    const error = await h.rejection(
      (async () => {
        for await (const chunk of stream) received.push(chunk);
      })(),
    );
    expect(error).toBeInstanceOf(StreamInterruptedError);
    const interrupted = error as StreamInterruptedError;
    expect(interrupted.partialOutput).toEqual([{ text: 'Hel' }, { text: 'lo' }]);
    expect(interrupted.partialText).toBe('Hello');
    expect(interrupted.incomplete).toBe(true);
    expect(interrupted.status).toBe(500);
    expect(interrupted.provider).toBe('anthropic');
    expect(interrupted.cause).toBe(cause);
    expect(received).toEqual([{ text: 'Hel' }, { text: 'lo' }]);
    expect(calls).toBe(1);
    expect(h.sleeps).toEqual([]);
    expect(h.handler.tryFailoverCalls).toBe(0);
  });

  it('an AbortError from the request is rethrown at once, with no waits', async () => {
    const h = harness();
    const abort = new DOMException('The operation was aborted', 'AbortError');
    const provider = new ScriptedProvider({ a: [fail(abort)] });
    expect(await h.rejection(h.orchestrator.execute(provider.request))).toBe(abort);
    expect(provider.calls).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
  });

  it('abort during a wait rejects at once and makes no further attempt', async () => {
    const h = harness();
    const controller = new AbortController();
    const provider = new ScriptedProvider({ a: [fail(serverError())] });
    const outcome = h.orchestrator.execute(provider.request, { signal: controller.signal }).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    // Once every pending continuation has run (one macrotask turn), the engine is asleep: the
    // request's deadline timer and the backoff wait.
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.clock.pendingSleepers).toBe(2);
    controller.abort();
    const error = await outcome;
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    expect(h.clock.pendingSleepers).toBe(0);
    await h.clock.advance(60_000);
    expect(provider.calls).toHaveLength(1);
  });

  it('a signal aborted before the request starts rejects without any attempt', async () => {
    const h = harness();
    const controller = new AbortController();
    controller.abort(new Error('user cancelled'));
    const provider = new ScriptedProvider();
    const error = await h.rejection(
      h.orchestrator.execute(provider.request, { signal: controller.signal }),
    );
    expect((error as Error).message).toBe('user cancelled');
    expect(provider.calls).toHaveLength(0);
  });

  it('a request failing after the signal was aborted rejects with the abort reason, not a retry', async () => {
    const h = harness();
    const controller = new AbortController();
    const error = await h.rejection(
      h.orchestrator.execute(
        async () => {
          controller.abort();
          throw serverError();
        },
        { signal: controller.signal },
      ),
    );
    expect((error as Error).name).toBe('AbortError');
    expect(h.sleeps).toEqual([]);
  });

  it('AllBucketsExhaustedError from below is never retried', async () => {
    const h = harness();
    const exhausted = new AllBucketsExhaustedError('openai', ['x']);
    const provider = new ScriptedProvider({ a: [fail(exhausted)] });
    expect(await h.rejection(h.orchestrator.execute(provider.request))).toBe(exhausted);
    expect(provider.calls).toHaveLength(1);
    expect(h.handler.tryFailoverCalls).toBe(0);
  });

  it('streams: an error before the first chunk is retried like any request', async () => {
    const h = harness();
    const provider = new ScriptedProvider({ a: [fail(serverError())] });
    const chunks = await h.run(collect(h.orchestrator.stream(provider.stream)));
    expect(chunks.join('')).toBe('served by a');
    expect(provider.buckets).toEqual(['a', 'a']);
    expect(h.sleeps).toEqual([2_000]);
  });
});
