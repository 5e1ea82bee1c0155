// guardProviderStream: the interface contract every wire client is held to (the clients themselves
// are tested over real HTTP against the emulator in @baton/testkit).
import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { NetworkError, ServerError, StreamInterruptedError } from './errors.js';
import { guardProviderStream, STREAM_ENDED_EARLY, textOf, type ProviderChunk } from './types.js';

const clock = { now: () => Date.UTC(2026, 0, 1) };
const PROVIDER = 'anthropic';

async function drain(
  source: () => AsyncIterable<ProviderChunk>,
  signal?: AbortSignal,
): Promise<{ chunks: ProviderChunk[]; error?: unknown }> {
  const chunks: ProviderChunk[] = [];
  try {
    for await (const c of guardProviderStream(source, { provider: PROVIDER, signal, clock }))
      chunks.push(c);
    return { chunks };
  } catch (error) {
    return { chunks, error };
  }
}

const textChunks = (texts: string[]): ProviderChunk[] =>
  texts.map((text) => ({ type: 'text', text }));
const DONE: ProviderChunk = { type: 'done', stopReason: 'end_turn', usage: { outputTokens: 3 } };
/** What an SDK throws for an HTTP 503 with a Retry-After header. */
const http503 = (): Error =>
  Object.assign(new Error('503 Service unavailable'), {
    status: 503,
    headers: new Headers({ 'retry-after': '7' }),
  });

const nonEmptyTexts = fc.array(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 8 });

describe('guardProviderStream', () => {
  test.prop([nonEmptyTexts])('passes text and the done record through unchanged', async (texts) => {
    const { chunks, error } = await drain(async function* () {
      yield* textChunks(texts);
      yield DONE;
      yield { type: 'text', text: 'after the end' };
    });
    expect(error).toBeUndefined();
    expect(chunks).toEqual([...textChunks(texts), DONE]);
  });

  test.prop([nonEmptyTexts, fc.nat()])(
    'a failure after output is an interruption carrying exactly the text delivered',
    async (texts, at) => {
      const k = texts.length === 0 ? 0 : at % (texts.length + 1);
      const { chunks, error } = await drain(async function* () {
        yield* textChunks(texts.slice(0, k));
        throw http503();
      });
      expect(chunks).toEqual(textChunks(texts.slice(0, k)));
      if (k === 0) {
        expect(error).toBeInstanceOf(ServerError);
        expect(error).toMatchObject({ status: 503, retryAfterMs: 7000, provider: PROVIDER });
        return;
      }
      expect(error).toBeInstanceOf(StreamInterruptedError);
      const e = error as StreamInterruptedError;
      expect(e.partialText).toBe(texts.slice(0, k).join(''));
      expect(e.partialText).toBe(textOf(e.partialOutput as ProviderChunk[]));
      expect(e).toMatchObject({ status: 503, retryAfterMs: 7000, provider: PROVIDER });
      expect(e.cause).toBeInstanceOf(ServerError);
    },
  );

  test('a stream that ends without its terminal event is never a success', async () => {
    const partial = await drain(async function* () {
      yield* textChunks(['a', 'b']);
    });
    expect(partial.error).toBeInstanceOf(StreamInterruptedError);
    expect(partial.error).toMatchObject({ code: STREAM_ENDED_EARLY, partialText: 'ab' });

    const empty = await drain(async function* () {});
    expect(empty.error).toBeInstanceOf(NetworkError);
    expect(empty.error).toMatchObject({ code: STREAM_ENDED_EARLY, provider: PROVIDER });
  });

  test('empty deltas are not output: a failure after only empty deltas stays retryable', async () => {
    const { chunks, error } = await drain(async function* () {
      yield { type: 'text', text: '' };
      throw Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNRESET' } });
    });
    expect(chunks).toEqual([]);
    expect(error).toBeInstanceOf(NetworkError);
  });

  test('after an abort the caller gets the abort reason, even when the SDK ends quietly', async () => {
    const controller = new AbortController();
    const reason = new DOMException('stop', 'AbortError');
    const quiet = await drain(async function* () {
      yield { type: 'text', text: 'a' };
      controller.abort(reason);
    }, controller.signal);
    expect(quiet.error).toBe(reason);

    const controller2 = new AbortController();
    const noisy = await drain(async function* () {
      controller2.abort();
      yield { type: 'text', text: 'a' };
      throw new Error('socket closed');
    }, controller2.signal);
    expect(noisy.error).toMatchObject({ name: 'AbortError' });
  });

  test('an already aborted signal never opens the source', async () => {
    let opened = false;
    const { error } = await drain(() => {
      opened = true;
      return (async function* () {})();
    }, AbortSignal.abort());
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(opened).toBe(false);
  });
});
