// Tests of provider-error classification rules: status boundaries, wording, headers, cause chains,
// our own typed errors, and properties over arbitrary input.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  CLASSIFIED_KINDS,
  classifyProviderError,
  safeStringify,
  toProviderError,
  UNREADABLE,
} from './classify.js';
import {
  AllBucketsExhaustedError,
  AuthenticationError,
  ClientError,
  NetworkError,
  type ProviderError,
  QuotaError,
  RateLimitError,
  ServerError,
  StreamInterruptedError,
} from './errors.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const classify = (error: unknown) => classifyProviderError(error, { now: NOW });

describe('status rules (boundaries)', () => {
  it.each([
    [399, 'unknown'],
    [400, 'client'],
    [401, 'auth'],
    [402, 'quota'],
    [403, 'auth'],
    [404, 'client'],
    [422, 'client'],
    [428, 'client'],
    [429, 'rate-limit'],
    [430, 'client'],
    [499, 'client'],
    [500, 'server'],
    [503, 'server'],
    [599, 'server'],
    [600, 'unknown'],
    [200, 'unknown'],
  ] as const)('status %d → %s', (status, kind) => {
    expect(classify({ status, message: 'x' }).kind).toBe(kind);
  });

  it('reads status from statusCode and response.status; ignores non-integers', () => {
    expect(classify({ statusCode: 503 })).toMatchObject({ kind: 'server', status: 503 });
    expect(classify({ response: { status: 401 } })).toMatchObject({ kind: 'auth', status: 401 });
    expect(classify({ status: '429', statusCode: 402 })).toMatchObject({
      kind: 'quota',
      status: 402,
    });
    expect(classify({ status: 429.5 }).status).toBeUndefined();
  });

  it('overloaded only for 529 among 5xx', () => {
    expect(classify({ status: 529 })).toMatchObject({ kind: 'server', overloaded: true });
    expect(classify({ status: 528 }).overloaded).toBe(false);
    expect(classify({ status: 530 }).overloaded).toBe(false);
  });
});

describe('wording', () => {
  it.each([
    'Usage limit reached',
    'you exceeded your QUOTA',
    'insufficient_quota',
    'Your credit balance is too low',
  ])('429 with "%s" → quota', (message) => {
    expect(classify({ status: 429, message })).toMatchObject({ kind: 'quota', quotaWording: true });
  });
  it('429 with quota wording only in the body or the parsed error → quota', () => {
    expect(classify({ status: 429, message: 'x', body: 'monthly usage limit' }).kind).toBe('quota');
    expect(
      classify({ status: 429, message: 'x', error: { error: { code: 'insufficient_quota' } } })
        .kind,
    ).toBe('quota');
  });
  it('429 without quota wording → rate-limit', () => {
    expect(classify({ status: 429, message: 'slow down', body: '' })).toMatchObject({
      kind: 'rate-limit',
      quotaWording: false,
    });
  });
  it('overloaded_error in the body at any status → server, overloaded', () => {
    for (const status of [200, 400, 429, undefined]) {
      const c = classify({
        status,
        error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      });
      expect(c).toMatchObject({ kind: 'server', overloaded: true });
    }
    expect(classify('event: error overloaded_error')).toMatchObject({
      kind: 'server',
      overloaded: true,
    });
  });
  it('quota wording without a status does not make it quota', () => {
    expect(classify(new Error('quota exceeded'))).toMatchObject({
      kind: 'unknown',
      quotaWording: true,
    });
  });
});

describe('headers', () => {
  it('from error.response.headers as a Map, a plain record or Headers', () => {
    expect(
      classify({ status: 429, response: { headers: new Map([['Retry-After', '2']]) } })
        .retryAfterMs,
    ).toBe(2000);
    expect(classify({ status: 429, headers: { 'RETRY-AFTER-MS': '150' } }).retryAfterMs).toBe(150);
    expect(
      classify({
        status: 503,
        headers: new Headers({ 'retry-after': 'Thu, 01 Jan 2026 12:00:09 GMT' }),
      }).retryAfterMs,
    ).toBe(9000);
  });
  it('uses options.now for HTTP dates', () => {
    const error = {
      status: 429,
      headers: new Headers({ 'retry-after': 'Thu, 01 Jan 2026 12:00:09 GMT' }),
    };
    expect(classifyProviderError(error, { now: NOW + 4000 }).retryAfterMs).toBe(5000);
  });
  it('no headers → no timing keys', () => {
    const c = classify({ status: 429 });
    expect('retryAfterMs' in c || 'resetAfterMs' in c).toBe(false);
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P04
 * @requirement REQ-1598-CL10
 */
describe('network errors through the cause chain', () => {
  const chain = (code: string): Error =>
    new TypeError('fetch failed', { cause: Object.assign(new Error('boom'), { code }) });
  it.each([
    'ECONNRESET',
    'ECONNREFUSED',
    'ETIMEDOUT',
    'EAI_AGAIN',
    'ENOTFOUND',
    'EPIPE',
    'ENETUNREACH',
    'EHOSTUNREACH',
    'UND_ERR_SOCKET',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
    'UND_ERR_CLOSED',
  ])('%s → network', (code) => {
    expect(classify(chain(code))).toMatchObject({ kind: 'network', networkCode: code });
    // The code alone (wrapped in an error with an unrelated message) also counts.
    expect(classify(new Error('x', { cause: Object.assign(new Error('y'), { code }) })).kind).toBe(
      'network',
    );
  });
  it.each(['fetch failed', 'socket hang up', 'terminated', ' Terminated '])(
    'message "%s" → network',
    (message) => {
      expect(classify(new Error(message)).kind).toBe('network');
    },
  );
  it('messages that only contain those words are not network errors', () => {
    expect(classify(new Error('the session terminated by the user')).kind).toBe('unknown');
  });
  it('an unknown code is not a network error', () => {
    expect(classify(Object.assign(new Error('x'), { code: 'EWHATEVER' })).kind).toBe('unknown');
  });
  it('finds codes in AggregateError.errors (happy eyeballs)', () => {
    const agg = new AggregateError(
      [Object.assign(new Error('a'), { code: 'ETIMEDOUT' })],
      'all failed',
    );
    expect(classify(new TypeError('x', { cause: agg }))).toMatchObject({
      kind: 'network',
      networkCode: 'ETIMEDOUT',
    });
  });
  it('reports the outermost known code', () => {
    const inner = Object.assign(new Error('in'), { code: 'ECONNRESET' });
    const outer = Object.assign(new Error('out', { cause: inner }), { code: 'UND_ERR_SOCKET' });
    expect(classify(outer).networkCode).toBe('UND_ERR_SOCKET');
  });
  it('connection errors by class name, for OpenAI too (whose errors keep name "Error")', () => {
    expect(classify(new OpenAI.APIConnectionError({ message: 'Connection error.' })).kind).toBe(
      'network',
    );
    expect(classify(new OpenAI.APIConnectionTimeoutError()).kind).toBe('network');
    expect(classify({ name: 'APIConnectionError', message: 'x' }).kind).toBe('network');
  });
  it('survives a cyclic cause chain', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(classify(a).kind).toBe('unknown');
  });
  it('stops after MAX_CAUSE_DEPTH levels', () => {
    let deep: Error = Object.assign(new Error('bottom'), { code: 'ECONNRESET' });
    for (let i = 0; i < 8; i++) deep = new Error(`level ${i}`, { cause: deep });
    expect(classify(deep).kind).toBe('network');
    expect(classify(new Error('one more', { cause: deep })).kind).toBe('unknown');
  });
  it('an HTTP status wins over a network-looking cause', () => {
    expect(classify({ status: 502, cause: { code: 'ECONNRESET' } })).toMatchObject({
      kind: 'server',
    });
    expect(classify({ status: 502, cause: { code: 'ECONNRESET' } }).networkCode).toBeUndefined();
  });
});

describe('special errors', () => {
  it('AllBucketsExhaustedError → exhausted', () => {
    const e = new AllBucketsExhaustedError('anthropic', ['a'], new Error('quota'), {
      a: 'quota-exhausted',
    });
    expect(classify(e).kind).toBe('exhausted');
  });
  it('aborts: DOMException AbortError, ABORT_ERR code, AbortError name on plain objects', () => {
    const controller = new AbortController();
    controller.abort();
    expect(classify(controller.signal.reason).kind).toBe('abort');
    expect(classify(Object.assign(new Error('x'), { code: 'ABORT_ERR' })).kind).toBe('abort');
    expect(classify({ name: 'AbortError', status: 500 }).kind).toBe('abort');
  });
  it('StreamInterruptedError → stream-interrupted', () => {
    expect(classify(new StreamInterruptedError('cut', ['a'], 'a', { status: 500 })).kind).toBe(
      'stream-interrupted',
    );
  });
  it('our ProviderError subclasses map by kind, keeping their retryAfterMs', () => {
    const cases: Array<[ProviderError, string]> = [
      [new RateLimitError('r', { status: 429, retryAfterMs: 1234 }), 'rate-limit'],
      [new QuotaError('q', { status: 429 }), 'quota'],
      [new AuthenticationError('a', { status: 401 }), 'auth'],
      [new ServerError('s', { status: 529 }), 'server'],
      [
        new NetworkError('n', {
          code: 'ECONNRESET',
          cause: Object.assign(new Error('c'), { code: 'ECONNRESET' }),
        }),
        'network',
      ],
      [new ClientError('c', { status: 400 }), 'client'],
    ];
    for (const [error, kind] of cases) expect(classify(error).kind).toBe(kind);
    expect(classify(cases[0]![0]).retryAfterMs).toBe(1234);
    expect(classify(cases[3]![0]).overloaded).toBe(true);
    expect(classify(cases[4]![0]).networkCode).toBe('ECONNRESET');
  });
  it('header timing on a ProviderError beats its stored retryAfterMs', () => {
    const e = new RateLimitError('r', {
      status: 429,
      retryAfterMs: 99,
      headers: { 'retry-after': '2' },
    });
    expect(classify(e).retryAfterMs).toBe(2000);
  });
  it('anything else → unknown with a readable message', () => {
    expect(classify(new Error('weird'))).toMatchObject({ kind: 'unknown', message: 'weird' });
    expect(classify('plain text')).toMatchObject({ kind: 'unknown', message: 'plain text' });
    expect(classify({ message: 'from object' }).message).toBe('from object');
    expect(classify({ a: 1 }).message).toBe('{"a":1}');
    expect(classify(undefined).message).toBe('undefined');
    expect(classify(null)).toMatchObject({ kind: 'unknown', message: 'null' });
  });
  it('a value whose getters throw classifies as unknown instead of throwing', () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('no');
        },
      },
    );
    const c = classify(hostile);
    expect(c.error).toBe(hostile);
    expect({ ...c, error: null }).toEqual({
      kind: 'unknown',
      quotaWording: false,
      overloaded: false,
      message: 'unreadable error',
      error: null,
    });
  });
  it('reports only what is known: no keys for unknown status, code, body or timing', () => {
    expect(Object.keys(classify(new Error('plain'))).sort()).toEqual([
      'error',
      'kind',
      'message',
      'overloaded',
      'quotaWording',
    ]);
  });
  it('exhausted and abort errors carry no wording flags, whatever their message says', () => {
    const exhausted = new AllBucketsExhaustedError('p', ['a'], undefined, { a: 'quota-exhausted' });
    expect(classify(exhausted)).toMatchObject({ quotaWording: false, overloaded: false });
    const abort = new DOMException('quota overloaded_error', 'AbortError');
    expect(classify(abort)).toMatchObject({
      kind: 'abort',
      quotaWording: false,
      overloaded: false,
    });
  });
});

describe('provider codes', () => {
  it.each([
    [{ code: 'rate_limit_exceeded', error: { code: 'other' } }, 'rate_limit_exceeded'],
    [
      { error: { type: 'error', error: { code: 'nested_code', type: 'nested_type' } } },
      'nested_code',
    ],
    [{ error: { type: 'error', error: { type: 'overloaded_error' } } }, 'overloaded_error'],
    [{ error: { code: 'insufficient_quota', type: 'insufficient_quota' } }, 'insufficient_quota'],
    [{ error: { type: 'server_error' } }, 'server_error'],
    [{ type: 'api_error' }, 'api_error'],
    [{ code: '', type: 'error', error: { type: 'error' } }, undefined],
    [{ code: 42 }, undefined],
  ])('%o → code %s', (error, code) => {
    expect(classify(error).code).toBe(code);
  });
});

describe('abort shapes', () => {
  it('a plain object with code ABORT_ERR is an abort', () => {
    expect(classify({ code: 'ABORT_ERR', status: 500 }).kind).toBe('abort');
  });
});

describe('cause-chain walking is bounded', () => {
  it('an AggregateError listing itself many times classifies at once', () => {
    const agg = new AggregateError([], 'loop');
    (agg as { errors: unknown[] }).errors = Array.from({ length: 1000 }, () => agg);
    expect(classify(agg).kind).toBe('unknown');
  });
});

describe('safeStringify', () => {
  it('handles cycles, bigint, and caps the length', () => {
    const a: Record<string, unknown> = { n: 1n };
    a.self = a;
    expect(safeStringify(a)).toBe('{"n":"1","self":"[Circular]"}');
    expect(safeStringify('x'.repeat(10), 4)).toBe('xxxx');
    expect(
      safeStringify({
        toJSON: () => {
          throw new Error('no');
        },
      }),
    ).toBe('[object Object]');
  });
});

describe('properties', () => {
  // The catch-all in classifyProviderError would hide a throw, so these check that it was never
  // needed: ordinary values (no throwing getters) are read, not answered with the fallback.
  test.prop([fc.anything()])('reads any ordinary value without the fallback', (value) => {
    const c = classifyProviderError(value, { now: NOW });
    expect(CLASSIFIED_KINDS).toContain(c.kind);
    expect(c.message).not.toBe(UNREADABLE);
  });
  test.prop([
    fc.record(
      {
        status: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.anything()),
        headers: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.anything()),
        error: fc.anything(),
        body: fc.anything(),
        message: fc.anything(),
        cause: fc.anything(),
        code: fc.anything(),
      },
      { requiredKeys: [] },
    ),
  ])('reads error-shaped input without the fallback; toProviderError returns an Error', (value) => {
    const c = classifyProviderError(value);
    expect(CLASSIFIED_KINDS).toContain(c.kind);
    expect(c.message).not.toBe(UNREADABLE);
    expect(toProviderError(value)).toBeInstanceOf(Error);
  });
  test.prop([fc.integer({ min: 400, max: 599 })])('every 4xx/5xx gets an HTTP kind', (status) => {
    expect(['client', 'auth', 'quota', 'rate-limit', 'server']).toContain(
      classify({ status }).kind,
    );
  });
});
