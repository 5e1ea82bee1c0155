// Shows a wait longer than two seconds: a countdown redrawn in place on a terminal, one line
// otherwise. Shorter waits show nothing (they would only flicker).
import type { Clock } from '@baton/core';
import type { Output } from './output.js';

/** Waits up to this long pass silently. */
export const COUNTDOWN_THRESHOLD_MS = 2_000;
const TICK_MS = 1_000;

export interface Countdown {
  /** Starts showing a wait of `ms` (replaces one already shown). */
  start(ms: number, what: string): void;
  /** Clears the countdown (the wait ended or output began). */
  stop(): void;
}

export function createCountdown(out: Output, clock: Pick<Clock, 'now'>): Countdown {
  const tty = out.io.stderr.isTTY === true;
  let timer: NodeJS.Timeout | undefined;
  let drawn = false;

  const clear = (): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
    if (drawn) out.io.stderr.write('\r\u001B[2K');
    drawn = false;
  };

  return {
    start(ms, what) {
      clear();
      if (ms <= COUNTDOWN_THRESHOLD_MS) return;
      const endsAt = clock.now() + ms;
      if (!tty) {
        out.note(`waiting ${Math.ceil(ms / 1000)} s (${what})`);
        return;
      }
      const draw = (): void => {
        const left = Math.max(0, Math.ceil((endsAt - clock.now()) / 1000));
        out.io.stderr.write(
          `\r\u001B[2K${out.colors.dim(`waiting ${left} s (${what})… Ctrl-C cancels`)}`,
        );
        drawn = true;
        if (left === 0) clear();
      };
      draw();
      timer = setInterval(draw, TICK_MS);
      timer.unref();
    },
    stop: clear,
  };
}
