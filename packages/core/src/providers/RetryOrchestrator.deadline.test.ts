// The request deadline and the stream idle timeout while things run (BEHAVIOR §6), on fake time: a
// failover or a refresh still running at the deadline is stopped, an idle stream ends its attempt.
import { describe, expect, it } from 'vitest';
import type { NetworkError } from './errors.js';
import { DeadlineExceededError, QuotaError, StreamInterruptedError } from './errors.js';
import { STREAM_IDLE } from './attempt-scope.js';
import { AuthenticationError } from './errors.js';
import { collect, fail, harness, ScriptedProvider } from '../../test/retry-fixtures.js';
import type { BucketFailoverHandler } from '../config/failover.js';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

describe('deadline while something runs', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P07
   * @requirement REQ-1598-RO11
   */
  it('a tryFailover still running at the deadline is stopped, and its signal aborts', async () => {
    let failoverSignal: AbortSignal | undefined;
    const h = harness({
      options: { deadlineMs: 10_000 },
      wrapHandler: (scripted): BucketFailoverHandler =>
        Object.assign(Object.create(scripted) as BucketFailoverHandler, {
          tryFailover: (context?: { signal?: AbortSignal }) => {
            failoverSignal = context?.signal;
            return never<boolean>();
          },
        }),
    });
    const provider = new ScriptedProvider({ a: [fail(new QuotaError('out', { status: 429 }))] });
    const error = await h.rejection(h.orchestrator.execute(provider.request));
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(h.clock.now() - h.start).toBe(10_000);
    expect(failoverSignal?.aborted).toBe(true);
  });

  it('a force-refresh still running at the deadline is stopped', async () => {
    const h = harness({ options: { deadlineMs: 7_000 }, onAuthError: () => never<void>() });
    const provider = new ScriptedProvider({
      a: [fail(new AuthenticationError('expired', { status: 401 }))],
    });
    const error = await h.rejection(h.orchestrator.execute(provider.request));
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(h.clock.now() - h.start).toBe(7_000);
  });

  it('the deadline timer is gone once the request is over', async () => {
    const h = harness();
    await h.run(h.orchestrator.execute(new ScriptedProvider().request));
    expect(h.clock.pendingSleepers).toBe(0);
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P07
 * @requirement REQ-1598-RO11
 */
describe('stream idle timeout', () => {
  /** A stream that yields the given chunks, then never yields again. */
  const stalling = (chunks: string[]) =>
    async function* (): AsyncGenerator<string> {
      for (const c of chunks) yield c;
      await never<void>();
    };

  it('a stream that sends nothing for streamIdleMs is retried like a network failure', async () => {
    const h = harness({ options: { streamIdleMs: 5_000 } });
    let calls = 0;
    const stream = h.orchestrator.stream(() =>
      calls++ === 0 ? stalling([])() : stalling(['ok'])(),
    );
    const first = await h.run(stream.next());
    expect(first).toEqual({ done: false, value: 'ok' });
    expect(calls).toBe(2);
    expect(h.retries[0]?.error.kind).toBe('network');
    expect((h.retries[0]?.error.error as NetworkError).code).toBe(STREAM_IDLE);
    await stream.return(undefined);
  });

  it('idle after output ends the request interrupted, with the text so far', async () => {
    const h = harness({ options: { streamIdleMs: 5_000 } });
    const error = await h.rejection(
      collect(h.orchestrator.stream(stalling(['a', 'b']), { textOf: (c) => c })),
    );
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).partialText).toBe('ab');
    expect(h.clock.now() - h.start).toBe(5_000);
  });

  it('a stream the caller holds or drops mid-way leaves no timer running', async () => {
    const h = harness({ options: { streamIdleMs: 5_000 } });
    const stream = h.orchestrator.stream(async function* () {
      yield 'a';
      yield 'b';
    });
    expect(await h.run(stream.next())).toEqual({ done: false, value: 'a' });
    // Holding the chunk (or dropping the generator without closing it) arms nothing.
    expect(h.clock.pendingSleepers).toBe(0);
  });

  it('time the caller spends between chunks does not count as idle', async () => {
    const h = harness({ options: { streamIdleMs: 5_000 } });
    const stream = h.orchestrator.stream(async function* () {
      yield 'a';
      yield 'b';
    });
    expect(await h.run(stream.next())).toEqual({ done: false, value: 'a' });
    await h.clock.advance(60_000);
    expect(await h.run(stream.next())).toEqual({ done: false, value: 'b' });
    expect(await h.run(stream.next())).toEqual({ done: true, value: undefined });
  });
});
