// Errors inside a 200 stream carry no HTTP status: they are typed by their `error.type` / `code`
// (BEHAVIOR §6), and the SDK clients read no SDK environment variables.
import { describe, expect, it } from 'vitest';
import { classifyProviderError, toProviderError } from './classify.js';
import { ClientError, QuotaError, RateLimitError, ServerError } from './errors.js';
import { withoutSdkEnvironment } from './sdk-client.js';

/** What the Anthropic SDK throws for `event: error` (status undefined, the event's body as `error`). */
const anthropicEvent = (type: string, message = 'x') => ({
  status: undefined,
  error: { type: 'error', error: { type, message } },
});
/** What the OpenAI SDK throws for a `data: {"error":…}` line: the inner error object as `error`. */
const openaiEvent = (type: string, code: string | null = null, message = 'x') => ({
  status: undefined,
  error: { message, type, code },
  code,
  type,
});

describe('stream error events are typed by their code', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P04
   * @requirement REQ-1598-CL11
   */
  it.each([
    ['overloaded_error', 'server'],
    ['api_error', 'server'],
    ['rate_limit_error', 'rate-limit'],
    ['authentication_error', 'auth'],
    ['invalid_request_error', 'client'],
    ['some_new_error', 'server'],
  ])('Anthropic %s → %s', (type, kind) => {
    expect(classifyProviderError(anthropicEvent(type)).kind).toBe(kind);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P04
   * @requirement REQ-1598-CL11
   */
  it.each([
    ['server_error', null, 'server'],
    ['tokens', 'rate_limit_exceeded', 'rate-limit'],
    ['insufficient_quota', 'insufficient_quota', 'quota'],
    ['usage_limit_reached', null, 'quota'],
  ])('OpenAI type %s code %s → %s', (type, code, kind) => {
    expect(classifyProviderError(openaiEvent(type, code)).kind).toBe(kind);
  });

  it('a rate-limit event whose words say the usage limit is spent is quota', () => {
    expect(
      classifyProviderError(anthropicEvent('rate_limit_error', 'You have reached your usage limit'))
        .kind,
    ).toBe('quota');
  });

  it('toProviderError always gives a typed error for an SDK answer, never the raw SDK error', () => {
    expect(toProviderError(anthropicEvent('api_error'))).toBeInstanceOf(ServerError);
    expect(toProviderError(openaiEvent('tokens', 'rate_limit_exceeded'))).toBeInstanceOf(
      RateLimitError,
    );
    expect(toProviderError(openaiEvent('insufficient_quota', 'insufficient_quota'))).toBeInstanceOf(
      QuotaError,
    );
    // A status the table has no row for (a 3xx from a proxy) is still typed.
    expect(toProviderError({ status: 302, error: { message: 'moved' } })).toBeInstanceOf(
      ClientError,
    );
  });
});

describe('withoutSdkEnvironment', () => {
  it('hides the prefixed variables while building and restores them after, even on a throw', () => {
    process.env.BATON_TEST_SDK_X = 'set';
    try {
      const seen = withoutSdkEnvironment('BATON_TEST_SDK_', () => process.env.BATON_TEST_SDK_X);
      expect(seen).toBeUndefined();
      expect(process.env.BATON_TEST_SDK_X).toBe('set');
      expect(() =>
        withoutSdkEnvironment('BATON_TEST_SDK_', () => {
          throw new Error('constructor failed');
        }),
      ).toThrow('constructor failed');
      expect(process.env.BATON_TEST_SDK_X).toBe('set');
    } finally {
      delete process.env.BATON_TEST_SDK_X;
    }
  });
});
