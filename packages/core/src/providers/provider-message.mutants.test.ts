// Pins which words providerMessage takes from a classified failure (found by mutation testing): the
// body's message first, the error's message unless it is the SDK rendering, one line, capped.
import { describe, expect, it } from 'vitest';
import { UNREADABLE, type ClassifiedProviderError } from './classify.js';
import { MAX_PROVIDER_MESSAGE_CHARS, providerMessage } from './provider-message.js';

const classified = (message: string, body?: string): ClassifiedProviderError => ({
  kind: 'server',
  quotaWording: false,
  overloaded: false,
  message,
  error: new Error(message),
  ...(body === undefined ? {} : { body }),
});

describe('providerMessage', () => {
  it.each([
    ['{"error":{"message":"inner words"}}', 'inner words'],
    ['{"message":"top-level words"}', 'top-level words'],
    ['[{"error":{"message":"in an array"}}]', 'in an array'],
    ['{"error":{"message":"  padded  "}}', 'padded'],
    ['{"error":{"message":"   "},"message":"the fallback"}', 'the fallback'],
    ['{"error":{"message":7},"message":"a string wins"}', 'a string wins'],
    ['{"error":"flat","message":"beside it"}', 'beside it'],
  ])('body %s gives %j', (body, words) => {
    expect(providerMessage(classified('the error message', body))).toBe(words);
  });

  it.each(['not json', '{"error":{}}', 'null', '[]', '{"message":"   "}'])(
    'a body without words (%s) falls back to the error message',
    (body) => {
      expect(providerMessage(classified('the error message', body))).toBe('the error message');
    },
  );

  it('the SDK rendering and the unreadable marker are not words', () => {
    expect(providerMessage(classified('429 {"type":"error"}'))).toBeUndefined();
    expect(providerMessage(classified('400 [{"error":1}]'))).toBeUndefined();
    expect(providerMessage(classified(UNREADABLE))).toBeUndefined();
    expect(providerMessage(classified('429 too many'))).toBe('429 too many');
    expect(providerMessage(classified('x 429 {'))).toBe('x 429 {');
  });

  it('runs of whitespace become one space; nothing but whitespace is no message', () => {
    expect(providerMessage(classified('  line one\n\n  line\ttwo  '))).toBe('line one line two');
    expect(providerMessage(classified(' \n\t '))).toBeUndefined();
    expect(providerMessage(classified(''))).toBeUndefined();
  });

  it('is capped with an ellipsis at MAX_PROVIDER_MESSAGE_CHARS', () => {
    expect(MAX_PROVIDER_MESSAGE_CHARS).toBe(300);
    const exact = 'a'.repeat(300);
    expect(providerMessage(classified(exact))).toBe(exact);
    const long = `${'b'.repeat(299)}cd`;
    const capped = providerMessage(classified(long));
    expect(capped).toBe(`${'b'.repeat(299)}…`);
    expect(capped).toHaveLength(300);
  });
});
