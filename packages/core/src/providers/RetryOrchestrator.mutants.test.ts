// Pins what the orchestrator does with a stream it abandons (found by mutation testing): a failed
// attempt's stream is closed so its socket is released, a stream that ended is left alone.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../util/fake-clock.js';
import { ServerError } from './errors.js';
import { RetryOrchestrator } from './RetryOrchestrator.js';

/** A hand-made SDK-like stream: fails on its first read or yields its chunks; `closed` once returned. */
class FakeStream implements AsyncIterable<string> {
  closed = false;
  constructor(
    private readonly chunks: string[],
    private readonly failFirst: boolean,
    private readonly closable = true,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<string> {
    let index = 0;
    const iterator: AsyncIterator<string> = {
      next: () => {
        if (this.failFirst) return Promise.reject(new ServerError('overloaded', { status: 503 }));
        const value = this.chunks[index++];
        return Promise.resolve(
          value === undefined ? { done: true, value: undefined } : { done: false, value },
        );
      },
    };
    if (this.closable)
      iterator.return = () => {
        this.closed = true;
        return Promise.resolve({ done: true, value: undefined });
      };
    return iterator;
  }
}

async function streamAll(streams: FakeStream[]): Promise<string[]> {
  const clock = new FakeClock(0);
  const orchestrator = new RetryOrchestrator({ provider: 'p', clock, random: () => 0 });
  const run = async (): Promise<string[]> => {
    const out: string[] = [];
    for await (const chunk of orchestrator.stream(({ attempt }) => streams[attempt - 1]!))
      out.push(chunk);
    return out;
  };
  return clock.runUntilSettled(run());
}

describe('streams the orchestrator abandons', () => {
  it('closes the stream of a failed attempt, and not the one that ended', async () => {
    const failed = new FakeStream([], true);
    const served = new FakeStream(['a', 'b'], false);
    await expect(streamAll([failed, served])).resolves.toEqual(['a', 'b']);
    expect(failed.closed).toBe(true);
    expect(served.closed).toBe(false);
  });

  it('a failed stream without a return method is simply dropped', async () => {
    const failed = new FakeStream([], true, false);
    const served = new FakeStream(['c'], false);
    await expect(streamAll([failed, served])).resolves.toEqual(['c']);
  });
});
