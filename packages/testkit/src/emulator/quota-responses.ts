// What an exhausted quota window answers, per wire, in the shapes the real services send (see the
// fixture corpus in testkit/fixtures/providers): no invented statuses or bodies.
import type { EmulatorRoute, QuotaRule } from './types.js';
import { formatOpenAIDuration } from './openai-wire.js';

const MS_PER_SECOND = 1000;

export interface QuotaAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface QuotaState {
  rule: QuotaRule;
  /** Epoch ms the window reopens. */
  resetAt: number;
  /** Whole seconds until then (never 0). */
  seconds: number;
}

/** Anthropic: API-key tier 429, subscription window rejected (unified headers, no retry-after), empty credit balance (400). */
function anthropic(state: QuotaState): QuotaAnswer {
  const error = (status: number, type: string, message: string, headers = {}): QuotaAnswer => ({
    status,
    headers,
    body: { type: 'error', error: { type, message } },
  });
  const resetUnix = String(Math.ceil(state.resetAt / MS_PER_SECOND));
  switch (state.rule.mode) {
    case 'credit-balance':
      return error(
        400,
        'invalid_request_error',
        'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
      );
    case 'usage-limit-body':
      return error(
        429,
        'rate_limit_error',
        "This request would exceed your account's rate limit. Please try again later.",
        {
          'anthropic-ratelimit-unified-status': 'rejected',
          'anthropic-ratelimit-unified-reset': resetUnix,
          'anthropic-ratelimit-unified-5h-status': 'rejected',
          'anthropic-ratelimit-unified-5h-reset': resetUnix,
          'anthropic-ratelimit-unified-5h-utilization': '1.0',
          'anthropic-ratelimit-unified-representative-claim': 'five_hour',
        },
      );
    case '429':
      return error(
        429,
        'rate_limit_error',
        `This request would exceed the rate limit for your organization of ${state.rule.requestsPerWindow} requests per window. Please try again in ${state.seconds}s.`,
        { 'retry-after': String(state.seconds) },
      );
  }
}

/** OpenAI: rate_limit_exceeded (x-ratelimit-* and retry-after), insufficient_quota, Codex usage_limit_reached. */
function openai(state: QuotaState, now: number): QuotaAnswer {
  const resetMs = state.resetAt - now;
  switch (state.rule.mode) {
    case 'credit-balance':
      return {
        status: 429,
        headers: {},
        body: {
          error: {
            message:
              'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
            type: 'insufficient_quota',
            param: null,
            code: 'insufficient_quota',
          },
        },
      };
    case 'usage-limit-body':
      return {
        status: 429,
        headers: {
          'x-codex-primary-used-percent': '100',
          'x-codex-primary-window-minutes': String(Math.ceil(state.rule.windowMs / 60_000)),
          'x-codex-primary-reset-after-seconds': String(state.seconds),
          'x-codex-primary-reset-at': String(Math.ceil(state.resetAt / MS_PER_SECOND)),
        },
        body: {
          error: {
            type: 'usage_limit_reached',
            message: 'The usage limit has been reached',
            plan_type: 'plus',
            resets_at: Math.ceil(state.resetAt / MS_PER_SECOND),
            resets_in_seconds: state.seconds,
          },
        },
      };
    case '429':
      return {
        status: 429,
        headers: { 'retry-after': String(state.seconds) },
        body: {
          error: {
            message: `Rate limit reached on requests per window: Limit ${state.rule.requestsPerWindow}, Used ${state.rule.requestsPerWindow}, Requested 1. Please try again in ${formatOpenAIDuration(resetMs)}.`,
            type: 'requests',
            param: null,
            code: 'rate_limit_exceeded',
          },
        },
      };
  }
}

export function quotaAnswer(route: EmulatorRoute, state: QuotaState, now: number): QuotaAnswer {
  return route === 'anthropic' ? anthropic(state) : openai(state, now);
}
