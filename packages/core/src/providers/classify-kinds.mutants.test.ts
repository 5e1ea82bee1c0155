// Pins classification's status and code table row by row (found by mutation testing): each status
// edge, which wording turns a status into quota or a refusal, and what a stream error code maps to.
import { describe, expect, it } from 'vitest';
import { kindFromCode, kindFromStatus } from './classify-kinds.js';

describe('kindFromStatus', () => {
  it.each([
    [undefined, false, false, 'unknown'],
    [402, false, false, 'quota'],
    [429, false, false, 'rate-limit'],
    [429, true, false, 'quota'],
    [429, false, true, 'rate-limit'],
    [400, false, false, 'client'],
    [400, false, true, 'refused'],
    [401, false, true, 'refused'],
    [403, false, true, 'refused'],
    [404, false, true, 'client'],
    [500, false, true, 'server'],
    [400, true, false, 'quota'],
    [403, true, false, 'quota'],
    [401, true, false, 'auth'],
    [404, true, false, 'client'],
    [401, false, false, 'auth'],
    [403, false, false, 'auth'],
    [399, false, false, 'unknown'],
    [499, false, false, 'client'],
    [500, false, false, 'server'],
    [529, false, false, 'server'],
    [599, false, false, 'server'],
    [600, false, false, 'unknown'],
    [200, false, false, 'unknown'],
  ] as const)(
    'status %s (quota wording %s, refusal wording %s) is %s',
    (status, quota, refusal, kind) => {
      expect(kindFromStatus(status, quota, refusal)).toBe(kind);
    },
  );
});

describe('kindFromCode', () => {
  it.each([
    ['overloaded_error', 'server'],
    ['api_error', 'server'],
    ['server_error', 'server'],
    ['internal_server_error', 'server'],
    ['internal_error', 'server'],
    ['service_unavailable', 'server'],
    ['rate_limit_error', 'rate-limit'],
    ['rate_limit_exceeded', 'rate-limit'],
    ['insufficient_quota', 'quota'],
    ['usage_limit_reached', 'quota'],
    ['billing_error', 'quota'],
    ['authentication_error', 'auth'],
    ['permission_error', 'auth'],
    ['invalid_request_error', 'client'],
    ['not_found_error', 'client'],
    ['request_too_large', 'client'],
    ['something_new', 'server'],
    ['toString', 'server'],
    ['constructor', 'server'],
  ])('code %s is %s', (code, kind) => {
    expect(kindFromCode(code, false, false)).toBe(kind);
  });

  it('no code says nothing, even with wording', () => {
    expect(kindFromCode(undefined, true, true)).toBeUndefined();
  });

  it('refusal wording wins over any code', () => {
    expect(kindFromCode('rate_limit_error', true, true)).toBe('refused');
    expect(kindFromCode('overloaded_error', false, true)).toBe('refused');
  });

  it('quota wording turns a rate limit into quota, and nothing else', () => {
    expect(kindFromCode('rate_limit_error', true, false)).toBe('quota');
    expect(kindFromCode('overloaded_error', true, false)).toBe('server');
    expect(kindFromCode('invalid_request_error', true, false)).toBe('client');
  });
});
