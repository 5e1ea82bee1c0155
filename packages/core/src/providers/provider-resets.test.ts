// The provider-specific reset sources: Anthropic unified windows, Codex headers and body, Google
// details and wording; and the sanity bound (negative, non-finite, > 30 days count as none).
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  believable,
  MAX_BELIEVABLE_RESET_MS,
  readBodyReset,
  readCodexHeaders,
  readUnifiedLimit,
} from './provider-resets.js';
import { classifyProviderError } from './classify.js';

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const nowSeconds = NOW / 1000;

describe('Anthropic unified headers', () => {
  it('rejected with an overall reset: that reset', () => {
    expect(
      readUnifiedLimit(
        {
          'anthropic-ratelimit-unified-status': 'rejected',
          'anthropic-ratelimit-unified-reset': String(nowSeconds + 3600),
          'anthropic-ratelimit-unified-7d-reset': String(nowSeconds + 90_000),
        },
        NOW,
      ),
    ).toEqual({ rejected: true, resetAfterMs: 3_600_000 });
  });

  it('without an overall reset, the rejected window counts, not the later allowed one', () => {
    expect(
      readUnifiedLimit(
        {
          'anthropic-ratelimit-unified-5h-status': 'rejected',
          'anthropic-ratelimit-unified-5h-reset': String(nowSeconds + 600),
          'anthropic-ratelimit-unified-7d-status': 'allowed',
          'anthropic-ratelimit-unified-7d-reset': String(nowSeconds + 90_000),
        },
        NOW,
      ),
    ).toEqual({ rejected: true, resetAfterMs: 600_000 });
  });

  it('allowed_warning is not a rejection; no unified headers at all is undefined', () => {
    expect(
      readUnifiedLimit({ 'anthropic-ratelimit-unified-status': 'allowed_warning' }, NOW),
    ).toEqual({ rejected: false });
    expect(readUnifiedLimit({ 'retry-after': '3' }, NOW)).toBeUndefined();
  });

  it('a reset more than 30 days away, or garbage, counts as none', () => {
    const far = String(nowSeconds + 31 * 86_400);
    expect(
      readUnifiedLimit(
        {
          'anthropic-ratelimit-unified-status': 'rejected',
          'anthropic-ratelimit-unified-reset': far,
        },
        NOW,
      ),
    ).toEqual({ rejected: true });
    expect(
      readUnifiedLimit(
        {
          'anthropic-ratelimit-unified-status': 'rejected',
          'anthropic-ratelimit-unified-reset': '-5',
        },
        NOW,
      ),
    ).toEqual({ rejected: true });
  });

  it('a 429 with unified-status rejected is quota (fail over at once), whatever the wording', () => {
    const c = classifyProviderError(
      {
        status: 429,
        headers: {
          'anthropic-ratelimit-unified-status': 'rejected',
          'anthropic-ratelimit-unified-reset': String(nowSeconds + 7200),
        },
        error: { type: 'error', error: { type: 'rate_limit_error', message: 'Rate limited' } },
      },
      { now: NOW },
    );
    expect(c).toMatchObject({ kind: 'quota', windowRejected: true, resetAfterMs: 7_200_000 });
  });
});

describe('Codex headers', () => {
  it('the window at 100 % used is the one that blocks', () => {
    expect(
      readCodexHeaders(
        {
          'x-codex-primary-used-percent': '100',
          'x-codex-primary-reset-after-seconds': '120',
          'x-codex-secondary-used-percent': '40',
          'x-codex-secondary-reset-after-seconds': '500000',
        },
        NOW,
      ),
    ).toBe(120_000);
  });

  it('reset-at (Unix seconds) stands in for reset-after; nothing at all is undefined', () => {
    expect(readCodexHeaders({ 'x-codex-secondary-reset-at': String(nowSeconds + 60) }, NOW)).toBe(
      60_000,
    );
    expect(readCodexHeaders({}, NOW)).toBeUndefined();
  });
});

describe('reset in the body', () => {
  it('Codex resets_in_seconds, else resets_at', () => {
    expect(
      readBodyReset('{"error":{"type":"usage_limit_reached","resets_in_seconds":90}}', NOW),
    ).toBe(90_000);
    expect(readBodyReset(`{"error":{"resets_at":${nowSeconds + 30}}}`, NOW)).toBe(30_000);
  });

  it('Google RetryInfo, ErrorInfo quotaResetDelay and quotaResetTimeStamp: the latest wins', () => {
    const body = JSON.stringify({
      error: {
        details: [
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '47.5s' },
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            metadata: {
              quotaResetDelay: '1h0m0s',
              quotaResetTimeStamp: new Date(NOW + 1_800_000).toISOString(),
            },
          },
        ],
      },
    });
    expect(readBodyReset(body, NOW)).toBe(3_600_000);
  });

  it('an array-wrapped Google error is read the same way', () => {
    const body = JSON.stringify([
      { error: { details: [{ '@type': 'x/google.rpc.RetryInfo', retryDelay: '20s' }] } },
    ]);
    expect(readBodyReset(body, NOW)).toBe(20_000);
  });

  it('only the wording: "Please retry in 47.43s." and "Your quota will reset after 2h13m43s."', () => {
    expect(readBodyReset('{"error":{"message":"Please retry in 47.434392449s."}}', NOW)).toBe(
      47_434,
    );
    expect(
      readBodyReset('{"error":{"message":"Your quota will reset after 2h13m43s."}}', NOW),
    ).toBe((2 * 3600 + 13 * 60 + 43) * 1000);
    expect(readBodyReset('plain text: try again in 5s', NOW)).toBe(5000);
  });

  it('nonsense counts as none: negative, > 30 days, not a number', () => {
    expect(readBodyReset('{"error":{"resets_in_seconds":-10}}', NOW)).toBeUndefined();
    expect(readBodyReset('{"error":{"resets_in_seconds":9999999999}}', NOW)).toBeUndefined();
    expect(readBodyReset('{"error":{"resets_in_seconds":"soon"}}', NOW)).toBeUndefined();
    expect(readBodyReset('{"error":{"message":"nothing about time"}}', NOW)).toBeUndefined();
    expect(readBodyReset(undefined, NOW)).toBeUndefined();
  });
});

describe('properties', () => {
  test.prop([fc.double()])('believable keeps exactly the finite waits in [0, 30 days]', (ms) => {
    const kept = believable(ms);
    const sane = Number.isFinite(ms) && ms >= 0 && ms <= MAX_BELIEVABLE_RESET_MS;
    expect(kept !== undefined).toBe(sane);
    if (kept !== undefined) expect(kept).toBe(Math.round(ms));
  });

  test.prop([fc.integer({ min: 0, max: 30 * 86_400 })])(
    'resets_in_seconds round-trips as ms',
    (seconds) => {
      expect(readBodyReset(JSON.stringify({ error: { resets_in_seconds: seconds } }), NOW)).toBe(
        seconds * 1000,
      );
    },
  );

  test.prop([fc.string()])(
    'any body text is read without throwing, and never beyond 30 days',
    (text) => {
      const ms = readBodyReset(text, NOW);
      if (ms !== undefined) {
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(ms).toBeLessThanOrEqual(MAX_BELIEVABLE_RESET_MS);
      }
    },
  );
});
