// Window arithmetic of the emulator's quotas and the header values derived from it, as properties
// on a fake clock (the same parsers baton uses read the headers back).
import { expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { FakeClock, parseOpenAIDuration, parseRfc3339 } from '@baton/core';
import { formatOpenAIDuration } from './openai-wire.js';
import { QuotaWindows, retryAfterSeconds } from './quota.js';
import { anthropicWire } from './anthropic-wire.js';

const rules = fc.record({
  requestsPerWindow: fc.integer({ min: 0, max: 10 }),
  windowMs: fc.integer({ min: 1, max: 10_000_000 }),
  mode: fc.constant('429' as const),
});
const steps = fc.array(fc.integer({ min: 0, max: 2_000_000 }), { maxLength: 30 });

test.prop([rules, steps])(
  'never more than N requests per window; a denial says exactly when the window resets',
  async (rule, advances) => {
    const clock = new FakeClock();
    const quotas = new QuotaWindows(clock, { a: rule });
    let windowStart = clock.now();
    let used = 0;
    for (const ms of [0, ...advances]) {
      await clock.advance(ms);
      if (clock.now() >= windowStart + rule.windowMs) {
        windowStart = clock.now();
        used = 0;
      }
      const decision = quotas.take('a')!;
      const resetAt = windowStart + rule.windowMs;
      expect(decision.resetAt).toBe(resetAt);
      if (used < rule.requestsPerWindow) {
        used++;
        expect(decision).toMatchObject({ allowed: true, remaining: rule.requestsPerWindow - used });
      } else {
        expect(decision).toMatchObject({ allowed: false, retryAfterMs: resetAt - clock.now() });
        if (!decision.allowed) {
          expect(decision.retryAfterMs).toBeGreaterThan(0);
          expect(decision.retryAfterMs).toBeLessThanOrEqual(rule.windowMs);
        }
      }
    }
  },
);

test.prop([rules])(
  'waiting out the announced retry time always opens a new window',
  async (rule) => {
    const clock = new FakeClock();
    const quotas = new QuotaWindows(clock, {}, rule);
    for (let i = 0; i < rule.requestsPerWindow; i++) expect(quotas.take('x')!.allowed).toBe(true);
    const denied = quotas.take('x')!;
    expect(denied.allowed).toBe(false);
    if (denied.allowed) return;
    await clock.advance(denied.retryAfterMs);
    expect(quotas.take('x')!.allowed).toBe(rule.requestsPerWindow > 0);
    // Another account was never touched by any of this.
    expect(quotas.take('y')!.allowed).toBe(rule.requestsPerWindow > 0);
  },
);

test.prop([fc.integer({ min: 1, max: 100_000_000 })])(
  'Retry-After seconds round up: never earlier than the reset, never a second late',
  (ms) => {
    const seconds = retryAfterSeconds(ms);
    expect(Number.isInteger(seconds)).toBe(true);
    expect(seconds * 1000).toBeGreaterThanOrEqual(ms);
    expect(seconds * 1000 - ms).toBeLessThan(1000);
  },
);

test.prop([fc.integer({ min: 0, max: 400_000_000 })])(
  'x-ratelimit-reset-requests reads back (baton parser) as the same number of ms',
  (ms) => {
    const text = formatOpenAIDuration(ms);
    expect(text).toMatch(/^(\d+h)?(\d+m)?(\d+(\.\d+)?s|\d+ms)$/);
    expect(parseOpenAIDuration(text)).toBe(ms);
  },
);

test.prop([fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: 0, max: 99 })])(
  'anthropic-ratelimit-requests-reset is RFC 3339 and reads back as the reset instant',
  (resetAt, remaining) => {
    const headers = anthropicWire.rateLimitHeaders({ limit: 100, remaining, resetAt, now: 0 });
    expect(parseRfc3339(headers['anthropic-ratelimit-requests-reset']!)).toBe(resetAt);
    expect(headers['anthropic-ratelimit-requests-remaining']).toBe(String(remaining));
  },
);

test('invalid rules are refused up front', () => {
  const clock = new FakeClock();
  expect(
    () => new QuotaWindows(clock, { a: { requestsPerWindow: -1, windowMs: 1, mode: '429' } }),
  ).toThrow(RangeError);
  expect(
    () =>
      new QuotaWindows(clock, {}, { requestsPerWindow: 1, windowMs: 0, mode: 'credit-balance' }),
  ).toThrow(RangeError);
});
