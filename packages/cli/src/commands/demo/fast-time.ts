// Compressed time for the demo: a clock that runs `speed` times faster than the wall clock, and
// timers that fire that much sooner, so that a ten-minute token reaches 80% of its lifetime (its
// proactive renewal) within seconds while every rule still runs on its real numbers.
import { systemClock, type Clock } from '@baton/core';
import type { RenewalTimers } from '../../auth/proactive-renewal.js';

export interface FastTime {
  clock: Clock;
  timers: RenewalTimers;
}

export function fastTime(speed: number, startMs = Date.now()): FastTime {
  const clock: Clock = {
    now: () => startMs + (Date.now() - startMs) * speed,
    sleep: (ms, signal) => systemClock.sleep(ms / speed, signal),
  };
  const timers: RenewalTimers = {
    setTimeout(fn, ms) {
      const handle = setTimeout(fn, ms / speed);
      handle.unref();
      return handle;
    },
    clearTimeout(handle) {
      clearTimeout(handle as ReturnType<typeof setTimeout>);
    },
  };
  return { clock, timers };
}
