// The terminal countdown really counts: redrawn in place each second as the wait runs down, and gone
// with its interval when the wait ends (test/cli/ui.test.ts covers short waits and plain output).
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '@baton/core';
import { createCountdown } from '../../src/ui/countdown.js';
import { Output } from '../../src/ui/output.js';
import type { OutStream } from '../../src/ui/io.js';

const CLEAR_LINE = '\r\u001B[2K';

/** A real stream that says it is a terminal, and what was written to it. */
function terminal(): { out: Output; written: () => string } {
  const stderr: OutStream = Object.assign(new PassThrough(), { isTTY: true });
  let text = '';
  stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr };
  // NO_COLOR keeps the assertions about the words, not the styling.
  return { out: new Output(io, { NO_COLOR: '1' }), written: () => text };
}

/** Moves the injected clock and the redraw interval together, a second at a time. */
async function pass(clock: FakeClock, ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 1_000) {
    const step = Math.min(1_000, left);
    await clock.advance(step);
    vi.advanceTimersByTime(step);
  }
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
  it('on a terminal counts down in place and clears its line by itself when the wait ends', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const { out, written } = terminal();
    const countdown = createCountdown(out, clock);
    countdown.start(5_000, 'rate limit on bucket a');
    await pass(clock, 0);
    expect(written()).toBe(`${CLEAR_LINE}waiting 5 s (rate limit on bucket a)… Ctrl-C cancels`);
    await pass(clock, 2_000);
    expect(written()).toContain(`${CLEAR_LINE}waiting 3 s (rate limit on bucket a)`);
    // No stop(): at zero the countdown clears its own line and interval.
    await pass(clock, 3_000);
    expect(written()).toContain(`${CLEAR_LINE}waiting 1 s (rate limit on bucket a)`);
    expect(written().endsWith(CLEAR_LINE)).toBe(true);
    expect(written()).not.toContain('\n');
    expect(vi.getTimerCount()).toBe(0);
  });
});
