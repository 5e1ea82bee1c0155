// A wait longer than 2 s is shown: redrawn in place as a countdown on a terminal, one plain line in
// a pipe or log, nothing at all for a short wait. Real Output over real streams; only time is fake.
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '@baton/core';
import { createCountdown } from '../../src/ui/countdown.js';
import { Output } from '../../src/ui/output.js';
import type { OutStream } from '../../src/ui/io.js';

const CLEAR_LINE = '\r\u001B[2K';

function terminal(isTTY: boolean): { out: Output; written: () => string } {
  const stderr: OutStream = Object.assign(new PassThrough(), { isTTY });
  let text = '';
  stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr };
  // NO_COLOR keeps the assertions about the words, not the styling.
  return { out: new Output(io, { NO_COLOR: '1' }), written: () => text };
}

/** Moves both the injected clock and the interval that redraws the countdown. */
async function pass(clock: FakeClock, ms: number): Promise<void> {
  await clock.advance(ms);
  vi.advanceTimersByTime(ms);
  await new Promise((resolve) => setImmediate(resolve));
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('wait countdown', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P17
   * @requirement REQ-1598-CLI04
   */
  it('on a terminal counts down in place and clears its line when the wait ends', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const { out, written } = terminal(true);
    const countdown = createCountdown(out, clock);
    countdown.start(5_000, 'rate limit on bucket a');
    await pass(clock, 0);
    expect(written()).toBe(`${CLEAR_LINE}waiting 5 s (rate limit on bucket a)… Ctrl-C cancels`);
    await pass(clock, 2_000);
    expect(written()).toContain(`${CLEAR_LINE}waiting 3 s (rate limit on bucket a)`);
    countdown.stop();
    await pass(clock, 0);
    expect(written().endsWith(CLEAR_LINE)).toBe(true);
    expect(written()).not.toContain('\n');
    expect(vi.getTimerCount()).toBe(0);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P17
   * @requirement REQ-1598-CLI04
   */
  it('in a pipe prints one plain line, with no control characters and no redraws', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const { out, written } = terminal(false);
    const countdown = createCountdown(out, clock);
    countdown.start(4_500, 'backoff on bucket b');
    await pass(clock, 5_000);
    countdown.stop();
    await pass(clock, 0);
    expect(written()).toBe('waiting 5 s (backoff on bucket b)\n');
    expect(vi.getTimerCount()).toBe(0);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P17
   * @requirement REQ-1598-CLI04
   */
  it('shows nothing for a wait of 2 s or less, on a terminal or not', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    for (const isTTY of [true, false]) {
      const { out, written } = terminal(isTTY);
      const countdown = createCountdown(out, clock);
      countdown.start(2_000, 'backoff on bucket a');
      await pass(clock, 2_000);
      countdown.stop();
      await pass(clock, 0);
      expect(written()).toBe('');
    }
  });
});
