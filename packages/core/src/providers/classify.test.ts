// Tests of provider-error classification: real SDK errors from a real loopback HTTP server, real
// fetch failures, our own typed errors, and properties over arbitrary input.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  CLASSIFIED_KINDS,
  classifyProviderError,
  safeStringify,
  toProviderError,
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
const API_KEY = 'sk-test-0123456789abcdef-secret';

// ---------------------------------------------------------------------------------------------
// A loopback server: each path answers with a fixed status, headers and body.

interface Canned {
  status: number;
  headers?: Record<string, string>;
  body: string;
}
const canned = new Map<string, Canned>();
let server: Server;
let baseURL: string;

function answer(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  const prefix = (req.url ?? '').split('/')[1] ?? '';
  const c = canned.get(prefix);
  if (prefix === 'hang') return; // never answers: for timeouts and aborts
  if (prefix === 'reset') {
    req.socket.destroy();
    return;
  }
  if (!c) {
    res.writeHead(500).end();
    return;
  }
  res.writeHead(c.status, { 'content-type': 'application/json', ...c.headers }).end(c.body);
}

beforeAll(async () => {
  server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const anthropicBody = (type: string, message: string): string =>
  JSON.stringify({ type: 'error', error: { type, message } });
const openaiBody = (code: string | null, type: string, message: string): string =>
  JSON.stringify({ error: { code, type, message, param: null } });

async function anthropicError(
  prefix: string,
  c: Canned | undefined,
  timeout = 60_000,
): Promise<unknown> {
  if (c) canned.set(prefix, c);
  const client = new Anthropic({
    apiKey: API_KEY,
    baseURL: `${baseURL}/${prefix}`,
    maxRetries: 0,
    timeout,
  });
  try {
    await client.messages.create({
      model: 'm',
      max_tokens: 1,
      messages: [{ role: 'user', content: 'hi' }],
    });
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to fail');
}

async function openaiError(prefix: string, c: Canned | undefined): Promise<unknown> {
  if (c) canned.set(prefix, c);
  const client = new OpenAI({ apiKey: API_KEY, baseURL: `${baseURL}/${prefix}`, maxRetries: 0 });
  try {
    await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
    });
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to fail');
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

const classify = (error: unknown) => classifyProviderError(error, { now: NOW });

// ---------------------------------------------------------------------------------------------

describe('real SDK errors over HTTP', () => {
  it('Anthropic 429 rate_limit_error with retry-after → rate-limit with the wait', async () => {
    const error = await anthropicError('a429', {
      status: 429,
      headers: {
        'retry-after': '7',
        'anthropic-ratelimit-input-tokens-remaining': '0',
        'anthropic-ratelimit-input-tokens-reset': new Date(NOW + 30_000).toISOString(),
      },
      body: anthropicBody(
        'rate_limit_error',
        'This request would exceed the rate limit for your organization',
      ),
    });
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const c = classify(error);
    expect(c).toMatchObject({
      kind: 'rate-limit',
      status: 429,
      retryAfterMs: 7000,
      resetAfterMs: 30_000,
      quotaWording: false,
      overloaded: false,
      code: 'rate_limit_error',
    });
    expect(c.error).toBe(error);
  });

  it('OpenAI 429 insufficient_quota → quota', async () => {
    const error = await openaiError('o429q', {
      status: 429,
      body: openaiBody(
        'insufficient_quota',
        'insufficient_quota',
        'You exceeded your current quota, please check your plan and billing details.',
      ),
    });
    const c = classify(error);
    expect(c).toMatchObject({
      kind: 'quota',
      status: 429,
      quotaWording: true,
      code: 'insufficient_quota',
    });
  });

  it('OpenAI 429 rate limit with x-ratelimit headers → rate-limit with the exhausted reset', async () => {
    const error = await openaiError('o429r', {
      status: 429,
      headers: {
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': '20ms',
        'x-ratelimit-remaining-tokens': '10',
        'x-ratelimit-reset-tokens': '6m0s',
        'retry-after-ms': '25',
      },
      body: openaiBody('rate_limit_exceeded', 'requests', 'Rate limit reached for requests'),
    });
    expect(classify(error)).toMatchObject({
      kind: 'rate-limit',
      status: 429,
      retryAfterMs: 25,
      resetAfterMs: 20,
    });
  });

  it('Anthropic 529 overloaded_error → server, overloaded', async () => {
    const error = await anthropicError('a529', {
      status: 529,
      body: anthropicBody('overloaded_error', 'Overloaded'),
    });
    expect(classify(error)).toMatchObject({
      kind: 'server',
      status: 529,
      overloaded: true,
      code: 'overloaded_error',
    });
  });

  it('Anthropic 200 stream with an overloaded_error SSE event → server, overloaded, no status', async () => {
    canned.set('sse', {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: `event: error\ndata: ${anthropicBody('overloaded_error', 'Overloaded')}\n\n`,
    });
    const client = new Anthropic({ apiKey: API_KEY, baseURL: `${baseURL}/sse`, maxRetries: 0 });
    let caught: unknown;
    try {
      const stream = await client.messages.create({
        model: 'm',
        max_tokens: 1,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      });
      for await (const _event of stream) {
        // drain
      }
    } catch (error) {
      caught = error;
    }
    const c = classify(caught);
    expect(c).toMatchObject({ kind: 'server', overloaded: true });
    expect(c.status).toBeUndefined();
  });

  it('Anthropic 401 → auth; the API key never shows in the classification', async () => {
    const error = await anthropicError('a401', {
      status: 401,
      body: anthropicBody('authentication_error', 'invalid x-api-key'),
    });
    const c = classify(error);
    expect(c).toMatchObject({ kind: 'auth', status: 401 });
    expect(JSON.stringify({ ...c, error: undefined })).not.toContain(API_KEY);
  });

  it('OpenAI 403 → auth', async () => {
    const error = await openaiError('o403', {
      status: 403,
      body: openaiBody(null, 'invalid_request_error', 'forbidden'),
    });
    expect(classify(error)).toMatchObject({ kind: 'auth', status: 403 });
  });

  it('Anthropic 400 credit balance: quota wording but 400 stays client', async () => {
    const error = await anthropicError('a400', {
      status: 400,
      body: anthropicBody(
        'invalid_request_error',
        'Your credit balance is too low to access the Anthropic API.',
      ),
    });
    expect(classify(error)).toMatchObject({ kind: 'client', status: 400, quotaWording: true });
  });

  it('OpenAI 404 → client; 500 → server, not overloaded', async () => {
    const notFound = await openaiError('o404', {
      status: 404,
      body: openaiBody('model_not_found', 'invalid_request_error', 'no such model'),
    });
    expect(classify(notFound)).toMatchObject({
      kind: 'client',
      status: 404,
      code: 'model_not_found',
    });
    const broken = await openaiError('o500', {
      status: 500,
      body: openaiBody(null, 'server_error', 'oops'),
    });
    expect(classify(broken)).toMatchObject({ kind: 'server', status: 500, overloaded: false });
  });

  it('SDK connection error to a closed port → network with the socket code from the cause chain', async () => {
    const port = await closedPort();
    const client = new Anthropic({
      apiKey: API_KEY,
      baseURL: `http://127.0.0.1:${port}`,
      maxRetries: 0,
    });
    const error = await client.messages
      .create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(Anthropic.APIConnectionError);
    expect(classify(error)).toMatchObject({
      kind: 'network',
      networkCode: 'ECONNREFUSED',
      code: 'ECONNREFUSED',
    });
  });

  it('SDK timeout → network (APIConnectionTimeoutError by name)', async () => {
    const error = await anthropicError('hang', undefined, 200);
    expect(error).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    expect(classify(error).kind).toBe('network');
  });

  it('SDK user abort → abort (APIUserAbortError), for both SDKs', async () => {
    const controller = new AbortController();
    const client = new OpenAI({ apiKey: API_KEY, baseURL: `${baseURL}/hang`, maxRetries: 0 });
    const pending = client.chat.completions
      .create(
        { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
        { signal: controller.signal },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    controller.abort();
    const error = await pending;
    expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
    expect(classify(error).kind).toBe('abort');
    expect(classify(new Anthropic.APIUserAbortError()).kind).toBe('abort');
  });
});

describe('real fetch failures', () => {
  it('fetch to a closed port → network ECONNREFUSED', async () => {
    const port = await closedPort();
    const error = await fetch(`http://127.0.0.1:${port}/`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe('fetch failed');
    expect(classify(error)).toMatchObject({ kind: 'network', networkCode: 'ECONNREFUSED' });
  });

  it('server closing the socket mid-request → network with an undici socket code', async () => {
    const error = await fetch(`${baseURL}/reset`).then(
      () => undefined,
      (e: unknown) => e,
    );
    const c = classify(error);
    expect(c.kind).toBe('network');
    expect(c.networkCode).toMatch(/^(UND_ERR_SOCKET|ECONNRESET)$/);
  });
});

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

describe('toProviderError', () => {
  it('builds the typed error with status, lower-cased headers, wait, body, code, provider and cause', async () => {
    const error = await anthropicError('t429', {
      status: 429,
      headers: { 'Retry-After': '3', 'set-cookie': 'session=secret-cookie' },
      body: anthropicBody('rate_limit_error', 'slow down'),
    });
    const typed = toProviderError(error, { now: NOW, provider: 'anthropic' });
    expect(typed).toBeInstanceOf(RateLimitError);
    const e = typed as RateLimitError;
    expect(e).toMatchObject({
      status: 429,
      retryAfterMs: 3000,
      code: 'rate_limit_error',
      provider: 'anthropic',
    });
    expect(e.headers['retry-after']).toBe('3');
    expect(Object.keys(e.headers)).not.toContain('set-cookie');
    expect(e.body).toContain('slow down');
    expect(e.cause).toBe(error);
    expect(JSON.stringify(e.headers) + e.message + e.body).not.toContain(API_KEY);
  });
  it('never copies credential-bearing response headers', () => {
    const headers = new Headers({
      'set-cookie': 'a=1',
      cookie: 'b=2',
      authorization: 'Bearer x',
      'proxy-authorization': 'Basic y',
      'x-api-key': 'k',
      'request-id': 'req_1',
    });
    const e = toProviderError({ status: 500, headers }, { now: NOW }) as ServerError;
    expect(e.headers).toEqual({ 'request-id': 'req_1' });
  });
  it('falls back to the reset time when there is no Retry-After', () => {
    const e = toProviderError(
      { status: 429, message: 'quota', headers: { 'x-ratelimit-reset-tokens': '5s' } },
      { now: NOW },
    );
    expect(e).toBeInstanceOf(QuotaError);
    expect((e as QuotaError).retryAfterMs).toBe(5000);
  });
  it.each([
    [{ status: 401 }, AuthenticationError],
    [{ status: 402 }, QuotaError],
    [{ status: 500 }, ServerError],
    [{ status: 422 }, ClientError],
    [new TypeError('fetch failed', { cause: { code: 'EPIPE' } }), NetworkError],
  ])('%o → the matching class', (input, cls) => {
    const e = toProviderError(input, { now: NOW });
    expect(e).toBeInstanceOf(cls);
    expect(e.cause).toBe(input);
    expect((e as ProviderError).provider).toBeUndefined();
  });
  it('network errors carry the socket code', () => {
    const e = toProviderError(new TypeError('fetch failed', { cause: { code: 'EPIPE' } }));
    expect((e as NetworkError).code).toBe('EPIPE');
  });
  it('returns aborts, exhausted errors, typed errors and unknown errors unchanged', () => {
    const abort = new DOMException('aborted', 'AbortError');
    const exhausted = new AllBucketsExhaustedError('openai', ['a']);
    const typed = new ServerError('s', { status: 500 });
    const interrupted = new StreamInterruptedError('cut', [], '');
    const plain = new Error('weird');
    for (const e of [abort, exhausted, typed, interrupted, plain])
      expect(toProviderError(e)).toBe(e);
  });
  it('wraps a non-Error unknown so it can be thrown', () => {
    const e = toProviderError('odd');
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('odd');
    expect(e.cause).toBe('odd');
  });
});

describe('properties', () => {
  test.prop([fc.anything()])('never throws for any input; always one of the kinds', (value) => {
    const c = classifyProviderError(value, { now: NOW });
    expect(CLASSIFIED_KINDS).toContain(c.kind);
    expect(typeof c.message).toBe('string');
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
  ])('never throws for error-shaped input; toProviderError always returns an Error', (value) => {
    expect(CLASSIFIED_KINDS).toContain(classifyProviderError(value).kind);
    expect(toProviderError(value)).toBeInstanceOf(Error);
  });
  test.prop([fc.integer({ min: 400, max: 599 })])('every 4xx/5xx gets an HTTP kind', (status) => {
    expect(['client', 'auth', 'quota', 'rate-limit', 'server']).toContain(
      classify({ status }).kind,
    );
  });
});
