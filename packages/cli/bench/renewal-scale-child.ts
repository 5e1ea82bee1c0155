// Child process of the renewal-scale benchmark (run with --expose-gc): schedules proactive renewals
// for <count> buckets on the default unref'ed timers, prints the heap and RSS they added as one JSON
// line with the moment it finished, and returns, so the parent can time how fast the process exits.
import { ProactiveRenewalScheduler } from '../src/auth/proactive-renewal.js';

const count = Number(process.argv[2] ?? '1000');
/** An hour left on every token: each bucket gets a real armed timer (not a "too late" skip). */
const LIFETIME_SECONDS = 3600;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run this child with node --expose-gc');

const settle = (): NodeJS.MemoryUsage => {
  gc();
  gc();
  return process.memoryUsage();
};

const scheduler = new ProactiveRenewalScheduler({
  renew: () => Promise.reject(new Error('a renewal fired in a process that should have exited')),
});
const expiry = Math.floor(Date.now() / 1000) + LIFETIME_SECONDS;
// Tokens made before the first measurement: what is measured is the scheduler's own cost.
const tokens = Array.from({ length: count }, (_, i) => ({
  access_token: `access-${i}-${'x'.repeat(64)}`,
  refresh_token: `refresh-${i}-${'y'.repeat(64)}`,
  expiry,
  token_type: 'Bearer',
}));
const before = settle();
const started = performance.now();
tokens.forEach((token, i) => scheduler.schedule('anthropic', `b${i}`, token));
const scheduleMs = performance.now() - started;
const after = settle();
process.stdout.write(
  `${JSON.stringify({
    armed: scheduler.armedCount,
    heapAddedBytes: after.heapUsed - before.heapUsed,
    rssAddedBytes: after.rss - before.rss,
    scheduleMs,
    doneAt: Date.now(),
  })}\n`,
);
