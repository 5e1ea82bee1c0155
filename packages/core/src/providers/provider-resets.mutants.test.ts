// Pins the edges of the provider-specific reset readers that provider-resets.test.ts leaves open
// (found by mutation testing): header spelling and case, past instants, window choice, body shapes.
import { describe, expect, it } from 'vitest';
import {
  believable,
  MAX_BELIEVABLE_RESET_MS,
  readBodyReset,
  readCodexHeaders,
  readUnifiedLimit,
} from './provider-resets.js';

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const S = NOW / 1000;
const U = 'anthropic-ratelimit-unified';

describe('believable', () => {
  it('keeps 0 and exactly 30 days, rounds to whole ms, refuses just past either end', () => {
    expect(MAX_BELIEVABLE_RESET_MS).toBe(30 * 24 * 60 * 60 * 1000);
    expect(believable(0)).toBe(0);
    expect(believable(MAX_BELIEVABLE_RESET_MS)).toBe(MAX_BELIEVABLE_RESET_MS);
    expect(believable(MAX_BELIEVABLE_RESET_MS + 1)).toBeUndefined();
    expect(believable(-0.5)).toBeUndefined();
    expect(believable(1.6)).toBe(2);
    expect(believable(undefined)).toBeUndefined();
  });
});

describe('readUnifiedLimit', () => {
  it('status is read trimmed and in any case', () => {
    expect(readUnifiedLimit({ [`${U}-status`]: '  Rejected ' }, NOW)).toEqual({ rejected: true });
  });

  it('an overall reset alone, already past, is a reset of 0', () => {
    expect(readUnifiedLimit({ [`${U}-reset`]: String(S - 100) }, NOW)).toEqual({
      rejected: false,
      resetAfterMs: 0,
    });
  });

  it('a reset with spaces around it is read; one with units or signs is not', () => {
    expect(readUnifiedLimit({ [`${U}-reset`]: ` ${S + 5} ` }, NOW)?.resetAfterMs).toBe(5_000);
    expect(readUnifiedLimit({ [`${U}-reset`]: `${S + 5}s` }, NOW)).toBeUndefined();
    expect(readUnifiedLimit({ [`${U}-reset`]: `+${S + 5}` }, NOW)).toBeUndefined();
    expect(readUnifiedLimit({ [`${U}-reset`]: `${S + 5}.5` }, NOW)?.resetAfterMs).toBe(5_500);
  });

  it('without any rejected window, the latest window reset counts', () => {
    expect(
      readUnifiedLimit(
        {
          [`${U}-5h-reset`]: String(S + 60),
          [`${U}-7d_opus-reset`]: String(S + 600),
          [`${U}-overage-reset`]: String(S + 300),
        },
        NOW,
      ),
    ).toEqual({ rejected: false, resetAfterMs: 600_000 });
  });

  it('among rejected windows the latest counts, and any rejected window makes it rejected', () => {
    expect(
      readUnifiedLimit(
        {
          [`${U}-7d-status`]: 'REJECTED',
          [`${U}-7d-reset`]: String(S + 100),
          [`${U}-7d_sonnet-status`]: 'rejected',
          [`${U}-7d_sonnet-reset`]: String(S + 200),
          [`${U}-5h-status`]: 'allowed',
          [`${U}-5h-reset`]: String(S + 900),
        },
        NOW,
      ),
    ).toEqual({ rejected: true, resetAfterMs: 200_000 });
  });

  it('a rejected window without a reset says rejected, with no reset', () => {
    expect(
      readUnifiedLimit({ [`${U}-status`]: 'rejected', [`${U}-5h-status`]: 'rejected' }, NOW),
    ).toEqual({
      rejected: true,
    });
  });
});

describe('readCodexHeaders', () => {
  it('without a full window, the later of the two resets', () => {
    expect(
      readCodexHeaders(
        {
          'x-codex-primary-reset-after-seconds': '30',
          'x-codex-secondary-reset-after-seconds': '90',
          'x-codex-primary-used-percent': '99.9',
        },
        NOW,
      ),
    ).toBe(90_000);
  });

  it('the full window wins even when its reset is sooner; exactly 100 % is full', () => {
    expect(
      readCodexHeaders(
        {
          'x-codex-primary-reset-after-seconds': '30',
          'x-codex-primary-used-percent': '100',
          'x-codex-secondary-reset-after-seconds': '90',
          'x-codex-secondary-used-percent': '40',
        },
        NOW,
      ),
    ).toBe(30_000);
  });

  it('reset-after wins over reset-at; a past reset-at is 0; a wild reset-after falls back', () => {
    expect(
      readCodexHeaders(
        {
          'x-codex-primary-reset-after-seconds': '10',
          'x-codex-primary-reset-at': String(S + 500),
        },
        NOW,
      ),
    ).toBe(10_000);
    expect(readCodexHeaders({ 'x-codex-primary-reset-at': String(S - 50) }, NOW)).toBe(0);
    expect(
      readCodexHeaders(
        {
          'x-codex-primary-reset-after-seconds': String(40 * 86_400),
          'x-codex-primary-reset-at': String(S + 20),
        },
        NOW,
      ),
    ).toBe(20_000);
  });
});

describe('readBodyReset', () => {
  it('an empty body says nothing', () => {
    expect(readBodyReset('', NOW)).toBeUndefined();
  });

  it('Codex reset fields may be numeric strings; resets_at in the past is 0', () => {
    expect(readBodyReset('{"error":{"resets_in_seconds":"12"}}', NOW)).toBe(12_000);
    expect(readBodyReset(`{"error":{"resets_at":"${S + 8}"}}`, NOW)).toBe(8_000);
    expect(readBodyReset(`{"error":{"resets_at":${S - 8}}}`, NOW)).toBe(0);
  });

  it('fields of a bare object (no `error` wrapper) are read too', () => {
    expect(readBodyReset('{"resets_in_seconds":4}', NOW)).toBe(4_000);
  });

  it('the structured value wins over wording, and the latest of several wins', () => {
    expect(readBodyReset('{"error":{"resets_in_seconds":3,"message":"retry in 50s"}}', NOW)).toBe(
      3_000,
    );
    expect(
      readBodyReset('[{"error":{"resets_in_seconds":3}},{"error":{"resets_in_seconds":7}}]', NOW),
    ).toBe(7_000);
  });

  it('Google details: only RetryInfo carries retryDelay; a past timestamp is 0; junk is skipped', () => {
    const body = (details: unknown[]): string => JSON.stringify({ error: { details } });
    expect(
      readBodyReset(body([{ '@type': 'x/google.rpc.ErrorInfo', retryDelay: '9s' }]), NOW),
    ).toBeUndefined();
    expect(readBodyReset(body([{ retryDelay: '9s' }]), NOW)).toBeUndefined();
    expect(
      readBodyReset(
        body([
          null,
          'text',
          {
            '@type': 'x/google.rpc.ErrorInfo',
            metadata: { quotaResetTimeStamp: new Date(NOW - 5_000).toISOString() },
          },
        ]),
        NOW,
      ),
    ).toBe(0);
    expect(
      readBodyReset(
        body([{ '@type': 'x/google.rpc.ErrorInfo', metadata: { quotaResetDelay: '2m' } }]),
        NOW,
      ),
    ).toBe(120_000);
    expect(
      readBodyReset(body([{ '@type': 'x/google.rpc.RetryInfo', retryDelay: 9 }]), NOW),
    ).toBeUndefined();
    expect(
      readBodyReset(body([{ metadata: { quotaResetTimeStamp: 12345 } }]), NOW),
    ).toBeUndefined();
  });

  it('wording: "try again in", units ms, m and h, any case; the first message with wording counts', () => {
    expect(readBodyReset('{"error":{"message":"Try Again In 250ms"}}', NOW)).toBe(250);
    expect(readBodyReset('{"message":"reset after 1h30m"}', NOW)).toBe(5_400_000);
    expect(
      readBodyReset(
        '[{"error":{"message":"no time here"}},{"error":{"message":"retry in 2s"}}]',
        NOW,
      ),
    ).toBe(2_000);
    expect(readBodyReset('{"error":{"message":42}}', NOW)).toBeUndefined();
    expect(readBodyReset('retry in soon', NOW)).toBeUndefined();
    expect(readBodyReset('retry in 40000h', NOW)).toBeUndefined();
  });
});
